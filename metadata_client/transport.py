"""One pooled HTTP session with timeouts, bounded retries and a per-call deadline.

Every request of the client, the token request included, passes through
:meth:`Transport.request`. Its rules:

* each attempt has a (connect, read) timeout, both cut to what is left of the
  call's deadline; the body is read in pieces so a slow trickle cannot
  outlive the deadline either;
* an attempt that failed before the request left the machine (connection
  refused, connect timeout) is retried for any method;
* read timeouts, dropped connections after sending, and 429/502/503/504
  answers are retried only for idempotent methods (GET, PUT, DELETE, and the
  token POST): a POST that may have reached the server is never sent again;
* waits grow exponentially with jitter up to a cap; ``Retry-After`` (seconds
  or an HTTP date) is honoured, and a wait that would pass the deadline ends
  the call at once with the answer in hand;
* a 401 from the API drops the token, fetches a new one and repeats the
  request once; a second 401 raises :class:`AuthenticationError`.
"""

from __future__ import annotations

import email.utils
import heapq
import itertools
import logging
import random
import socket
import threading
import time
from typing import Any, Callable, Mapping
from urllib.parse import urlencode, urlsplit

import requests
from requests.structures import CaseInsensitiveDict
import urllib3
from urllib3.exceptions import NameResolutionError, NewConnectionError

from .auth import TokenProvider
from .errors import (
    AuthenticationError,
    ConnectionFailed,
    ConnectTimeout,
    DeadlineExceeded,
    ReadTimeout,
    TLSError,
    TransportError,
)

log = logging.getLogger(__name__)

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
RETRY_STATUSES = frozenset({429, 502, 503, 504})
#: The token endpoint's answers worth another try: issuing a token twice is harmless.
TOKEN_RETRY_STATUSES = RETRY_STATUSES | frozenset(range(500, 600))
_CHUNK = 64 * 1024
#: Attribute set on a ``requests.Response`` whose body was cut short.
TRUNCATED = "metadata_client_truncated"
_attempt = threading.local()  # .until: time.monotonic() when this thread's attempt must end


class _Watchdog:
    """One daemon thread that shuts down sockets whose attempt outlived its deadline.

    Cheaper than a timer thread per request: arming is a heap push under a lock.
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._heap: list[tuple[float, int, socket.socket]] = []
        self._armed: set[int] = set()
        self._seq = itertools.count()
        self._thread: threading.Thread | None = None

    def arm(self, sock: socket.socket, until: float) -> int:
        with self._cond:
            seq = next(self._seq)
            heapq.heappush(self._heap, (until, seq, sock))
            self._armed.add(seq)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="metadata_client-watchdog",
                                                daemon=True)
                self._thread.start()
            if self._heap[0][1] == seq:
                self._cond.notify()
            elif len(self._heap) > 64 and len(self._heap) > 4 * len(self._armed):
                self._heap = [entry for entry in self._heap if entry[1] in self._armed]
                heapq.heapify(self._heap)
            return seq

    def disarm(self, seq: int) -> None:
        with self._cond:
            self._armed.discard(seq)

    def _run(self) -> None:
        with self._cond:
            while True:
                while self._heap and self._heap[0][1] not in self._armed:
                    heapq.heappop(self._heap)
                if not self._heap:
                    self._cond.wait()
                    continue
                until, seq, sock = self._heap[0]
                delay = until - time.monotonic()
                if delay > 0:
                    self._cond.wait(delay)
                    continue
                heapq.heappop(self._heap)
                self._armed.discard(seq)
                _shutdown(sock)


_WATCHDOG = _Watchdog()


def _shutdown(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


class _DeadlineConnection:
    """Shuts the socket down when the status line and headers outlast the deadline.

    The read timeout bounds each wait for data, not the whole answer: a server
    sending a byte of its headers now and then would otherwise hold a call for
    hours. (The body is bounded in :meth:`Transport._read_body`.)
    """

    def getresponse(self, *args: Any, **kwargs: Any) -> Any:
        until = getattr(_attempt, "until", None)
        sock = getattr(self, "sock", None)
        if until is None or sock is None:
            return super().getresponse(*args, **kwargs)  # type: ignore[misc]
        seq = _WATCHDOG.arm(sock, until)
        try:
            return super().getresponse(*args, **kwargs)  # type: ignore[misc]
        finally:
            _WATCHDOG.disarm(seq)


class _HTTPConnection(_DeadlineConnection, urllib3.connection.HTTPConnection):
    pass


class _HTTPSConnection(_DeadlineConnection, urllib3.connection.HTTPSConnection):
    pass


class _HTTPPool(urllib3.HTTPConnectionPool):
    ConnectionCls = _HTTPConnection


class _HTTPSPool(urllib3.HTTPSConnectionPool):
    ConnectionCls = _HTTPSConnection


_POOLS = {"http": _HTTPPool, "https": _HTTPSPool}


class _DeadlineAdapter(requests.adapters.HTTPAdapter):
    """An adapter whose connections honour the attempt's deadline while reading headers.

    Its answers skip cookie extraction: the API uses none, and it is a large
    share of a call's CPU time.
    """

    def build_response(self, req: requests.PreparedRequest, resp: Any) -> requests.Response:
        response = requests.Response()
        response.status_code = resp.status
        response.headers = CaseInsensitiveDict(resp.headers)
        response.encoding = requests.utils.get_encoding_from_headers(response.headers)
        response.raw = resp
        response.reason = resp.reason
        response.url = req.url or ""
        response.request = req
        response.connection = self  # type: ignore[attr-defined]
        return response

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _POOLS

    def proxy_manager_for(self, proxy: str, **kwargs: Any) -> Any:
        manager = super().proxy_manager_for(proxy, **kwargs)
        if not proxy.lower().startswith("socks"):
            manager.pool_classes_by_scheme = _POOLS
        return manager


class Transport:
    """Sends requests for one client. Thread-safe; one instance per client."""

    def __init__(
        self,
        *,
        timeout: float,
        connect_timeout: float,
        max_retries: int,
        backoff_factor: float,
        backoff_max: float,
        verify: bool | str,
        headers: Mapping[str, str],
        proxy_urls: tuple[str, ...] = (),
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        rng: Callable[[], float] = random.random,
    ) -> None:
        self.timeout = float(timeout)
        self.connect_timeout = float(connect_timeout)
        self.max_retries = int(max_retries)
        self.backoff_factor = float(backoff_factor)
        self.backoff_max = float(backoff_max)
        self.tokens: TokenProvider | None = None
        self._sleep = sleep
        self._clock = clock
        self._rng = rng
        if session is None:
            session = requests.Session()
            for prefix in ("http://", "https://"):
                session.mount(prefix, _DeadlineAdapter())
        self.session = session
        # Environment settings (proxies, CA bundle) are read once, here, not on
        # every call; netrc never applies since every request carries its own auth.
        env = requests.Session()
        self.session.trust_env = False
        self.verify = env.merge_environment_settings("", {}, None, verify, None)["verify"]
        self._proxies = {  # only origins with a proxy, so the common case costs one check
            origin: proxies for origin, proxies in
            ((_origin(url), requests.utils.get_environ_proxies(url)) for url in proxy_urls) if proxies
        }
        env.close()
        self.session.headers.update(headers)
        self._headers = {k: v for k, v in self.session.headers.items() if isinstance(v, str)}

    def close(self) -> None:
        """Release pooled connections."""
        self.session.close()

    def deadline(self) -> float:
        """The deadline of a call that starts now."""
        return self._clock() + self.timeout

    def request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        data: bytes | str | None = None,
        headers: Mapping[str, str] | None = None,
        auth: Any = None,
        authenticate: bool = True,
        idempotent: bool | None = None,
        deadline: float | None = None,
        retry_statuses: frozenset[int] = RETRY_STATUSES,
    ) -> requests.Response:
        """Send one call, with retries, and return the final HTTP answer.

        HTTP error statuses are returned, not raised. Raises
        :class:`TransportError` subclasses when no answer could be had within
        the deadline and retry budget, and :class:`AuthenticationError` when
        a fresh token is refused.
        """
        method = method.upper()
        safe = method in IDEMPOTENT_METHODS if idempotent is None else idempotent
        deadline = self.deadline() if deadline is None else deadline
        retries = 0
        renewed = False
        while True:
            token = self._token(deadline) if authenticate else None
            try:
                response = self._attempt(method, url, params, data, headers, auth, token, deadline)
            except TransportError as exc:
                if retries >= self.max_retries or not (safe or exc.unsent) or isinstance(exc, TLSError):
                    raise
                if not self._wait(retries, None, deadline):
                    raise DeadlineExceeded(
                        "deadline reached while retrying", method=method, url=url
                    ) from exc
                retries += 1
                continue
            if response.status_code == 401 and token is not None:
                if renewed:
                    raise AuthenticationError(
                        "the API refused a freshly issued token",
                        method=method, url=url, status=401, body=_json_or_none(response),
                    )
                assert self.tokens is not None
                self.tokens.invalidate(token)
                renewed = True
                continue
            if (
                (response.status_code in retry_statuses or getattr(response, TRUNCATED, False))
                and safe
                and retries < self.max_retries
                and self._wait(retries, response, deadline)
            ):
                retries += 1
                continue
            return response

    def _token(self, deadline: float) -> str:
        assert self.tokens is not None, "no token provider configured"
        return self.tokens.token(deadline)

    def post_form(self, url: str, *, deadline: float, **kwargs: Any) -> requests.Response:
        """POST a form without a bearer token (the token request); retried like a GET,
        and on every 5xx."""
        return self.request("POST", url, authenticate=False, idempotent=True, deadline=deadline,
                            retry_statuses=TOKEN_RETRY_STATUSES, **kwargs)

    def _attempt(
        self,
        method: str,
        url: str,
        params: Mapping[str, Any] | None,
        data: bytes | str | None,
        headers: Mapping[str, str] | None,
        auth: Any,
        token: str | None,
        deadline: float,
    ) -> requests.Response:
        remaining = deadline - self._clock()
        if remaining <= 0:
            raise DeadlineExceeded("deadline reached", method=method, url=url)
        all_headers = dict(headers or {})
        if token is not None:
            all_headers["Authorization"] = f"Bearer {token}"
        started = self._clock()
        _attempt.until = time.monotonic() + remaining
        try:
            response = self._send(method, url, params, data, all_headers, auth,
                                  (min(self.connect_timeout, remaining), remaining))
            self._read_body(response, deadline)
        except TransportError:
            raise
        except requests.RequestException as exc:
            error = _translate(exc, method, url)
            if isinstance(error, ConnectionFailed) and not error.unsent and self._clock() >= deadline:
                raise DeadlineExceeded("deadline reached while waiting for the answer",
                                       method=method, url=url) from None
            raise error from None
        finally:
            _attempt.until = None
        log.debug(
            "%s %s -> %s in %.1f ms",
            method, url, response.status_code, (self._clock() - started) * 1000,
        )
        return response

    def _send(self, method: str, url: str, params: Mapping[str, Any] | None,
              data: bytes | str | None, headers: dict[str, str], auth: Any,
              timeout: tuple[float, float]) -> requests.Response:
        """One HTTP exchange through the session's adapter, without ``Session.request``.

        Our URLs are built from checked, encoded parts and carry no cookies, so
        the request is prepared directly; this halves the client's CPU per call.
        """
        prepared = requests.PreparedRequest()
        prepared.method = method
        full_url = f"{url}?{urlencode(params, doseq=True)}" if params else url
        prepared.url = full_url
        prepared.headers = CaseInsensitiveDict(self._headers)
        prepared.headers.update(headers)
        prepared.body = data
        if data is not None:
            size = len(data.encode("utf-8")) if isinstance(data, str) else len(data)
            prepared.headers["Content-Length"] = str(size)
        elif method not in ("GET", "HEAD"):
            prepared.headers["Content-Length"] = "0"
        prepared.hooks = {"response": []}
        if auth is not None:
            prepared = auth(prepared)
        adapter = self.session.get_adapter(full_url)
        return adapter.send(prepared, stream=True, timeout=timeout, verify=self.verify,  # type: ignore[arg-type]
                            proxies=self._proxies.get(_origin(url), {}) if self._proxies else {})

    def _read_body(self, response: requests.Response, deadline: float) -> None:
        """Read the whole body, never waiting past the deadline."""
        raw = response.raw
        read1 = getattr(raw, "read1", None)
        if read1 is None:  # urllib3 1.x: bounded by the read timeout per wait only
            response.content  # noqa: B018 - reads and caches the body
            return
        sock = getattr(getattr(raw, "connection", None), "sock", None)
        parts = []
        try:
            while True:
                remaining = deadline - self._clock()
                if remaining <= 0:
                    raise DeadlineExceeded(
                        "deadline reached while reading the answer",
                        method=response.request.method, url=response.url,
                    )
                if sock is not None:
                    sock.settimeout(remaining)
                chunk = read1(_CHUNK, decode_content=True)
                if not chunk:
                    break
                parts.append(chunk)
        except DeadlineExceeded:
            response.close()
            raise
        except Exception as exc:  # urllib3 errors while streaming: map like requests does
            response.close()
            error = _stream_error(exc)
            if isinstance(error, requests.exceptions.ReadTimeout):
                raise error from None
            # Cut short: keep what came, marked, so the caller gets an
            # "unparseable answer" result rather than a transport failure.
            log.debug("%s %s: the answer was cut short", response.request.method, response.url)
            setattr(response, TRUNCATED, True)
        response._content = b"".join(parts)
        response._content_consumed = True  # type: ignore[attr-defined]

    def _wait(self, retries: int, response: requests.Response | None, deadline: float) -> bool:
        """Sleep before retry ``retries + 1``; False when that would pass the deadline."""
        delay = retry_after(response) if response is not None else None
        if delay is None:
            delay = min(self.backoff_max, self.backoff_factor * (2 ** retries))
            delay *= 0.5 + self._rng() / 2
        if self._clock() + delay >= deadline:
            log.debug("not retrying: a %.2f s wait would pass the deadline", delay)
            return False
        log.debug("retrying in %.2f s (retry %d of %d)", delay, retries + 1, self.max_retries)
        self._sleep(delay)
        return True


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _json_or_none(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def retry_after(response: requests.Response) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (seconds or HTTP date)."""
    value = response.headers.get("Retry-After")
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _stream_error(exc: Exception) -> requests.RequestException:
    """Wrap an error raised while reading a body in the ``requests`` class for it."""
    import urllib3.exceptions as u3

    if isinstance(exc, (u3.ReadTimeoutError, TimeoutError)):
        return requests.exceptions.ReadTimeout(exc)
    if isinstance(exc, (u3.ProtocolError, u3.IncompleteRead, OSError)):
        return requests.exceptions.ChunkedEncodingError(exc)
    return requests.exceptions.ContentDecodingError(exc)


def _translate(exc: requests.RequestException, method: str, url: str) -> TransportError:
    """Map a ``requests`` exception to ours, marking failures before sending."""
    kw: dict[str, Any] = {"method": method, "url": url}
    name = type(exc).__name__
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return ConnectTimeout(f"connect timeout ({name})", **kw)
    if isinstance(exc, requests.exceptions.ReadTimeout):
        return ReadTimeout("no answer within the read timeout", **kw)
    if isinstance(exc, requests.exceptions.SSLError):
        return TLSError(f"TLS error: {_reason(exc)}", **kw)
    if isinstance(exc, requests.exceptions.ConnectionError):
        error = ConnectionFailed(f"connection failed: {_reason(exc)}", **kw)
        # Refused or unresolvable: nothing reached the server, so any method may retry.
        error.unsent = _cause_is(exc, (NewConnectionError, NameResolutionError))
        return error
    if isinstance(exc, requests.exceptions.ChunkedEncodingError):
        return ConnectionFailed(f"answer cut short: {_reason(exc)}", **kw)
    return TransportError(f"request failed: {name}: {_reason(exc)}", **kw)


def _cause_is(exc: BaseException, kinds: tuple[type[BaseException], ...]) -> bool:
    seen: BaseException | None = exc
    for _ in range(6):
        if seen is None:
            return False
        if isinstance(seen, kinds):
            return True
        reason = getattr(seen, "reason", None)
        nxt = reason if isinstance(reason, BaseException) else None
        if nxt is None and seen.args and isinstance(seen.args[0], BaseException):
            nxt = seen.args[0]
        seen = nxt or seen.__cause__ or seen.__context__
    return False


def _reason(exc: BaseException) -> str:
    """A short cause text; ours never include request headers or bodies."""
    text = str(exc)
    return text if len(text) <= 300 else text[:300] + "..."
