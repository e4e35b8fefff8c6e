"""The exception tree of metadata_client.

Every exception derives from :class:`MetadataClientError`. Transport failures
also derive from :class:`requests.RequestException` (and from the matching
``requests`` timeout or connection class), so ``except`` clauses written for
``requests`` keep working.

Exceptions carry the HTTP method, the URL, the status and the response body
where there is one. They never carry a secret: URLs hold no credentials and
no exception stores request headers.
"""

from __future__ import annotations

from typing import Any

import requests

__all__ = [
    "MetadataClientError",
    "TransportError",
    "ConnectTimeout",
    "ReadTimeout",
    "DeadlineExceeded",
    "ConnectionFailed",
    "TLSError",
    "AuthenticationError",
    "APIError",
    "BadRequestError",
    "PermissionDeniedError",
    "NotFoundError",
    "ValidationError",
    "RateLimitedError",
    "ServerError",
    "UnparseableResponseError",
    "BulkError",
    "error_for_status",
]


class MetadataClientError(Exception):
    """Base class of every error raised by metadata_client."""

    def __init__(
        self,
        message: str,
        *,
        method: str | None = None,
        url: str | None = None,
        status: int | None = None,
        body: Any = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.method = method
        self.url = url
        self.status = status
        self.body = body

    def __str__(self) -> str:
        where = " ".join(p for p in (self.method, self.url) if p)
        status = f" (HTTP {self.status})" if self.status is not None else ""
        return f"{self.message}{status}{': ' + where if where else ''}"


class TransportError(MetadataClientError, requests.RequestException):
    """The request could not be completed: no usable HTTP answer arrived.

    :attr:`unsent` is True when the request certainly never reached the
    server (connection refused, connect timeout), so even a POST may be retried.
    """

    unsent = False


class ConnectTimeout(TransportError, requests.exceptions.ConnectTimeout):
    """No connection could be made within the connect timeout."""

    unsent = True


class ReadTimeout(TransportError, requests.exceptions.ReadTimeout):
    """The server accepted the request but did not answer in time."""


class DeadlineExceeded(TransportError, requests.exceptions.Timeout):
    """The call's overall deadline (retries included) ran out."""


class ConnectionFailed(TransportError, requests.exceptions.ConnectionError):
    """The connection was refused, reset or dropped."""


class TLSError(ConnectionFailed, requests.exceptions.SSLError):
    """The TLS handshake or certificate check failed; not retried, it would fail again."""


class AuthenticationError(MetadataClientError):
    """The token endpoint refused the client credentials, or the API kept
    answering 401 with a freshly fetched token."""


class APIError(MetadataClientError):
    """The API answered with an error status."""

    @property
    def info(self) -> Any:
        """The server's ``info`` value (message or field errors), if any."""
        return self.body.get("info") if isinstance(self.body, dict) else None


class BadRequestError(APIError):
    """HTTP 400 or another 4xx without a more specific class."""


class PermissionDeniedError(APIError):
    """HTTP 403, e.g. an ``X-User-Email`` the server does not accept."""


class NotFoundError(APIError):
    """HTTP 404: no such record, proposal number or route."""


class ValidationError(APIError):
    """HTTP 422: the record was rejected; :attr:`errors` maps field to messages."""

    @property
    def errors(self) -> dict[str, list[str]]:
        info = self.info
        return info if isinstance(info, dict) else {}


class RateLimitedError(APIError):
    """HTTP 429; :attr:`retry_after` is the server's wait in seconds, if given."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.retry_after = retry_after


class ServerError(APIError):
    """HTTP 5xx."""


class UnparseableResponseError(APIError):
    """The body of the answer is not the JSON the API promises."""


class BulkError(MetadataClientError):
    """A chunked bulk operation stopped part-way.

    :attr:`done` holds the server's answers for the chunks it stored,
    :attr:`uncertain` the records of the chunk that failed (stored or not,
    depending on whether the request reached the server: see :attr:`cause`),
    :attr:`not_sent` the records never sent.
    """

    def __init__(self, cause: MetadataClientError, done: list[Any],
                 uncertain: list[Any], not_sent: list[Any]) -> None:
        super().__init__(
            f"bulk operation stopped: {len(done)} stored, {len(uncertain)} in the failed "
            f"chunk, {len(not_sent)} not sent ({type(cause).__name__}: {cause.message})",
            method=cause.method, url=cause.url, status=cause.status, body=cause.body,
        )
        self.cause = cause
        self.done = done
        self.uncertain = uncertain
        self.not_sent = not_sent


_BY_STATUS: dict[int, type[APIError]] = {
    400: BadRequestError,
    401: AuthenticationError,  # type: ignore[dict-item]
    403: PermissionDeniedError,
    404: NotFoundError,
    422: ValidationError,
    429: RateLimitedError,
}


def error_for_status(status: int) -> type[MetadataClientError]:
    """Return the exception class that stands for an HTTP error status."""
    if status in _BY_STATUS:
        return _BY_STATUS[status]
    return ServerError if status >= 500 else BadRequestError
