"""``MetadataClient``: the 4.2.1 constructor and surface, plus the modern managers."""

from __future__ import annotations

import ipaddress
import logging
import math
import os
from typing import Any, Mapping
from urllib.parse import urlsplit

import requests

from .auth import TokenProvider
from .requestor import Requestor, encode_body, header_value
from .resources.api_methods import ApiMethods
from .resources import manager
from .resources.manager import MANAGERS, ResourceManager
from .resources.table import RESOURCES
from .transport import Transport
from .workflows import Workflows

log = logging.getLogger("metadata_client")

_API_KWARGS = frozenset({"params", "data", "json", "headers", "timeout", "allow_redirects"})


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _check_url(value: Any, name: str, allow_http: bool) -> str:
    """An absolute http(s) URL with a host and no credentials."""
    if not isinstance(value, str) or not value:
        raise ValueError(f"{name} must be a non-empty URL string")
    header_value(value, name)  # no control characters
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{name} must be an absolute http(s) URL with a host, got {value!r}")
    if parts.username or parts.password:
        raise ValueError(f"{name} must not carry credentials; pass client_id and client_secret")
    if parts.scheme == "http" and not (allow_http or _is_loopback(parts.hostname)):
        raise ValueError(
            f"{name} uses plain http to a non-loopback host; use https, or pass "
            "allow_insecure_http=True if this network is trusted"
        )
    return value


def _positive(value: Any, name: str, *, integer: bool = False, zero: bool = False) -> Any:
    kinds = (int,) if integer else (int, float)
    if (isinstance(value, bool) or not isinstance(value, kinds)
            or (isinstance(value, float) and not math.isfinite(value))
            or value < 0 or (value == 0 and not zero)):
        raise ValueError(f"{name} must be a {'non-negative' if zero else 'positive'} "
                         f"{'int' if integer else 'number'}, got {value!r}")
    return value


class MetadataClient(ApiMethods, Workflows):
    """A client for the myMdC REST API.

    The first twelve arguments are those of metadata_client 4.2.1, in the same
    order with the same defaults. ``refresh_url`` and ``auth_url`` are kept
    for compatibility and not used: the client-credentials grant has neither.
    ``timeout`` (seconds) bounds every call, retries and token fetch included;
    ``max_retries`` bounds the retries of one call; ``ssl_verify`` is a bool
    or the path of a CA bundle. ``session_token`` is a token dict (or an
    access token string) to reuse until it expires.

    Keyword-only options: ``connect_timeout`` (seconds, per attempt),
    ``backoff_factor`` and ``backoff_max`` (retry waits), and
    ``allow_insecure_http`` to accept plain http to a non-loopback host (the
    ``OAUTHLIB_INSECURE_TRANSPORT`` environment variable, if the caller set
    it, counts as that opt-in). No network traffic happens until the first call.

    Raises ValueError naming the argument when one is invalid.
    """

    def __init__(
        self,
        client_id: str,
        client_secret: str,
        token_url: str,
        refresh_url: str | None,
        auth_url: str | None,
        scope: str | list[str] | None,
        user_email: str,
        base_api_url: str,
        session_token: Mapping[str, Any] | str | None = None,
        max_retries: int = 3,
        timeout: float = 12,
        ssl_verify: bool | str = True,
        *,
        connect_timeout: float = 5.0,
        backoff_factor: float = 0.5,
        backoff_max: float = 8.0,
        allow_insecure_http: bool = False,
        session: requests.Session | None = None,
    ) -> None:
        if not isinstance(client_id, str) or not client_id.strip():
            raise ValueError("client_id must be a non-empty string")
        if not isinstance(client_secret, str) or not client_secret:
            raise ValueError("client_secret must be a non-empty string")
        for name, value in (("client_id", client_id), ("client_secret", client_secret)):
            try:  # HTTP Basic needs latin-1; failing later would carry the secret in the error
                value.encode("latin-1")
            except UnicodeEncodeError:
                raise ValueError(f"{name} must contain latin-1 characters only") from None
        allow_http = allow_insecure_http or bool(os.environ.get("OAUTHLIB_INSECURE_TRANSPORT"))
        token_url = _check_url(token_url, "token_url", allow_http)
        base = _check_url(base_api_url, "base_api_url", allow_http).rstrip("/") + "/"
        if urlsplit(base).query or urlsplit(base).fragment:
            raise ValueError("base_api_url must not have a query or fragment")
        header_value(user_email, "user_email")
        if not isinstance(ssl_verify, (bool, str)):
            raise ValueError("ssl_verify must be a bool or the path of a CA bundle")
        if isinstance(ssl_verify, str) and not os.path.exists(ssl_verify):
            raise ValueError(f"ssl_verify: no CA bundle at {ssl_verify!r}")
        if session_token is not None and not isinstance(session_token, (Mapping, str)):
            raise ValueError("session_token must be a token dict or an access token string")

        self.client_id = client_id
        self.token_url = token_url
        self.refresh_url = refresh_url
        self.auth_url = auth_url
        self.scope = scope
        self.user_email = user_email
        self.base_api_url = base
        self.max_retries = _positive(max_retries, "max_retries", integer=True, zero=True)
        self.timeout = _positive(timeout, "timeout")
        self.headers = {
            "content-type": "application/json",
            "Accept": "application/json; version=1",
            "X-User-Email": user_email,
        }
        transport = Transport(
            timeout=self.timeout,
            connect_timeout=_positive(connect_timeout, "connect_timeout"),
            max_retries=self.max_retries,
            backoff_factor=_positive(backoff_factor, "backoff_factor", zero=True),
            backoff_max=_positive(backoff_max, "backoff_max", zero=True),
            verify=ssl_verify,
            headers=self.headers,
            proxy_urls=(base, token_url),
            session=session,
        )
        transport.tokens = TokenProvider(client_id, client_secret, token_url, scope,
                                         send=transport.post_form, session_token=session_token)
        self._transport = transport
        self._requestor = Requestor(transport, base)
        for resource in RESOURCES:
            kind = MANAGERS.get(resource.path, ResourceManager)
            setattr(self, resource.path, kind(self._requestor, resource))

    # The managers, for type checkers (set in __init__ from the resource table).
    dark_runs: ResourceManager
    data_files: manager.DataFileManager
    data_groups: ResourceManager
    data_groups_repositories: ResourceManager
    data_group_types: ResourceManager
    data_source_groups: ResourceManager
    data_source_group_versions: manager.DataSourceGroupVersionManager
    data_types: ResourceManager
    dataset_files: manager.DatasetFileManager
    experiments: ResourceManager
    experiment_types: ResourceManager
    instruments: manager.InstrumentManager
    instrument_cycles: ResourceManager
    parameters: manager.ParameterManager
    parameter_types: ResourceManager
    proposals: manager.ProposalManager
    proposals_techniques: ResourceManager
    reports: ResourceManager
    repositories: ResourceManager
    runs: manager.RunManager
    samples: ResourceManager
    techniques: ResourceManager
    units: ResourceManager
    users: manager.UserManager

    def __repr__(self) -> str:
        return f"MetadataClient(base_api_url={self.base_api_url!r}, client_id={self.client_id!r})"

    def __enter__(self) -> MetadataClient:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self) -> None:
        """Release the pooled connections."""
        self._transport.close()

    @property
    def token_fetches(self) -> int:
        """How many access tokens this client has fetched so far."""
        assert self._transport.tokens is not None
        return self._transport.tokens.fetch_count

    # -- 4.2.1's low-level helpers ------------------------------------------------
    def get_api_url(self, model_name: str, api_specifics: str = "") -> str:
        """``base_api_url + model_name + api_specifics`` (4.2.1 compatible)."""
        return f"{self.base_api_url}{model_name}{api_specifics}"

    def _api(self, method: str, api_url: str, kwargs: dict[str, Any]) -> requests.Response:
        unknown = set(kwargs) - _API_KWARGS
        if unknown:
            raise TypeError(f"api_{method.lower()}() got unsupported arguments: {', '.join(sorted(unknown))}")
        url = self._requestor.check_url(api_url)
        data = kwargs.get("data")
        if kwargs.get("json") is not None:
            data = encode_body(kwargs["json"])
        headers = {k: header_value(v, k) for k, v in (kwargs.get("headers") or {}).items()}
        deadline = None
        if kwargs.get("timeout") is not None:  # a shorter per-call bound, never a longer one
            deadline = self._transport.deadline() - self.timeout + min(self.timeout, float(kwargs["timeout"]))
        return self._transport.request(method, url, params=kwargs.get("params"), data=data,
                                       headers=headers, deadline=deadline)

    def api_get(self, api_url: str, **kwargs: Any) -> requests.Response:
        """GET an URL under ``base_api_url`` through the client's transport."""
        return self._api("GET", api_url, kwargs)

    def api_post(self, api_url: str, **kwargs: Any) -> requests.Response:
        """POST to an URL under ``base_api_url`` (``data=`` or ``json=``)."""
        return self._api("POST", api_url, kwargs)

    def api_put(self, api_url: str, **kwargs: Any) -> requests.Response:
        """PUT to an URL under ``base_api_url`` (``data=`` or ``json=``)."""
        return self._api("PUT", api_url, kwargs)

    def api_delete(self, api_url: str, **kwargs: Any) -> requests.Response:
        """DELETE an URL under ``base_api_url``."""
        return self._api("DELETE", api_url, kwargs)
