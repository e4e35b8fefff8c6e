"""4.2.1's deprecated ``MetadataClientApi`` name for :class:`MetadataClient`."""

import warnings
from typing import Any

from .client import MetadataClient

__all__ = ["MetadataClientApi"]


class MetadataClientApi(MetadataClient):
    """Deprecated alias of :class:`MetadataClient`; warns when constructed."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        warnings.warn(
            "MetadataClientApi is deprecated; use metadata_client.MetadataClient",
            DeprecationWarning,
            stacklevel=2,
        )
        super().__init__(*args, **kwargs)
