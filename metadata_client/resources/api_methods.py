"""The 132 ``*_api`` methods of 4.2.1, generated from the resource table.

Each method has 4.2.1's name and argument list (names, order, defaults) and
returns the ``requests.Response``, as 4.2.1 did. Arguments are checked before
anything is sent.
"""

from __future__ import annotations

import inspect
from typing import Any, Callable

import requests

from ..requestor import Requestor
from . import calls
from .spec import Endpoint
from .table import ENDPOINTS

_SELF = inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)


def api_method(endpoint: Endpoint) -> Callable[..., requests.Response]:
    """Build the ``*_api`` method for one endpoint."""
    signature = inspect.Signature((_SELF, *endpoint.params))

    def method(self: Any, *args: Any, **kwargs: Any) -> requests.Response:
        bound = signature.bind(self, *args, **kwargs)
        bound.apply_defaults()
        requestor: Requestor = self._requestor
        return calls.send(requestor, endpoint, bound.arguments)

    method.__name__ = method.__qualname__ = endpoint.api
    method.__signature__ = signature  # type: ignore[attr-defined]
    method.__doc__ = (
        f"``{endpoint.method} {endpoint.path}`` (4.2.1 compatible).\n\n"
        "Returns the ``requests.Response``. Raises ValueError or TypeError for bad "
        "arguments before anything is sent, and the transport and authentication "
        "errors of :mod:`metadata_client.errors`."
    )
    return method


class _Lazy:
    """Builds an ``*_api`` method on first access and puts it on the class."""

    def __init__(self, endpoint: Endpoint) -> None:
        self.endpoint = endpoint

    def __get__(self, instance: Any, owner: type) -> Any:
        method = api_method(self.endpoint)
        setattr(ApiMethods, self.endpoint.api, method)
        return method if instance is None else method.__get__(instance, owner)


class ApiMethods:
    """Mixin with every 4.2.1 ``*_api`` method; needs ``self._requestor``.

    The methods are built on first use, which keeps ``import`` cheap.
    """

    _requestor: Requestor


for _endpoint in ENDPOINTS.values():
    setattr(ApiMethods, _endpoint.api, _Lazy(_endpoint))
