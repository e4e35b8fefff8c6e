"""Python client for myMdC, the European XFEL Metadata Catalogue.

    >>> from metadata_client import MetadataClient
    >>> client = MetadataClient(client_id, client_secret, token_url, refresh_url,
    ...                         auth_url, scope, user_email, base_api_url)
    >>> client.get_all_data_group_types()["success"]
    True

The names below are loaded on first use, so ``import metadata_client`` stays cheap.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from ._lazy import lazy_names

__version__ = "5.0.0.dev0"

_ERRORS = (
    "MetadataClientError", "TransportError", "ConnectTimeout", "ReadTimeout", "DeadlineExceeded",
    "ConnectionFailed", "TLSError", "AuthenticationError", "APIError", "BadRequestError",
    "PermissionDeniedError", "NotFoundError", "ValidationError", "RateLimitedError", "ServerError",
    "UnparseableResponseError", "BulkError",
)
_HOME = {"MetadataClient": "client", **{name: "errors" for name in _ERRORS}}

__all__ = ["MetadataClient", *_ERRORS, "__version__"]

if TYPE_CHECKING:  # pragma: no cover
    from .client import MetadataClient
    from .errors import (APIError, AuthenticationError, BadRequestError, BulkError, ConnectionFailed,
                         ConnectTimeout, DeadlineExceeded, MetadataClientError, NotFoundError,
                         PermissionDeniedError, RateLimitedError, ReadTimeout, ServerError,
                         TLSError, TransportError, UnparseableResponseError, ValidationError)


__getattr__, __dir__ = lazy_names(__name__, _HOME)

logging.getLogger(__name__).addHandler(logging.NullHandler())
