"""4.2.1 import path: ``from metadata_client.metadata_client import MetadataClient``."""

from .client import MetadataClient

__all__ = ["MetadataClient"]
