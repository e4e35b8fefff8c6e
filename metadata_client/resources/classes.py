"""The 24 module classes of 4.2.1 (``metadata_client.modules``), built from the table.

A module class holds one record's fields; ``create()``, ``update()`` and
``delete()`` act on it through the client's ``*_api`` methods, and its static
methods (``get_by_id``, ``get_all_by_name``, ...) take the client first. All
return the 4.2.1 result dict.
"""

from __future__ import annotations

import copy
import inspect
from typing import Any, Callable

from ..normalise import CREATE, DELETE, SUCCESS_CODE, UPDATE, first_record, format_response
from .spec import Resource, Static, parse_args
from .table import ENDPOINTS

_P = inspect.Parameter
_CLIENT = _P("mdc_client", _P.POSITIONAL_OR_KEYWORD)


def _formatted(client: Any, api: str, action: str, module: str, kwargs: dict[str, Any]) -> dict[str, Any]:
    response = getattr(client, api)(**kwargs)
    return format_response(response, action, SUCCESS_CODE[action], module)


def _static(resource: Resource, static: Static, statics: dict[str, Callable[..., Any]]) -> Callable[..., Any]:
    """Build one static method; ``statics`` holds the class's statics built so far."""
    module = resource.module
    endpoint = ENDPOINTS.get(static.target)
    if static.args is not None:
        params = parse_args(static.args)
    elif static.target in statics:
        params = tuple(inspect.signature(statics[static.target]).parameters.values())[1:]
    else:
        assert endpoint is not None, static
        params = endpoint.params
    signature = inspect.Signature((_CLIENT, *params))
    names = [p.name for p in params]

    def run(mdc_client: Any, values: dict[str, Any]) -> dict[str, Any]:
        if static.kind == "create":
            record = values[names[0]]
            return _formatted(mdc_client, f"create_{module}_api", CREATE, module, {module: {module: record}})
        if static.kind == "update":
            # 4.2.1 sends the dict unwrapped here; the server accepts both forms.
            return _formatted(mdc_client, f"update_{module}_api", UPDATE, module,
                              {f"{module}_id": values[names[0]], module: values[names[1]]})
        if static.kind in ("find_or_create", "update_or_create"):
            return _upsert(mdc_client, resource, static, statics, values[names[0]])
        if static.kind == "first":
            found = statics[static.target](mdc_client, **values) if static.target in statics else \
                _call_endpoint(mdc_client, static, values)
            if not found["success"]:
                return found
            unique = values["name"] if names == ["name"] else None
            return first_record(found, module, unique)
        return _call_endpoint(mdc_client, static, values)

    def _call_endpoint(mdc_client: Any, static: Static, values: dict[str, Any]) -> dict[str, Any]:
        assert endpoint is not None, static
        fixed = dict(static.fixed)
        free = [p.name for p in endpoint.params if p.name not in fixed]
        kwargs = {**fixed, **dict(zip(free, values.values()))}
        return _formatted(mdc_client, endpoint.api, static.action or endpoint.action, module, kwargs)

    def method(*args: Any, **kwargs: Any) -> dict[str, Any]:
        bound = signature.bind(*args, **kwargs)
        bound.apply_defaults()
        values = dict(bound.arguments)
        return run(values.pop("mdc_client"), values)

    method.__name__ = method.__qualname__ = static.name
    method.__signature__ = signature  # type: ignore[attr-defined]
    method.__doc__ = f"4.2.1-compatible ``{resource.cls}.{static.name}``; returns the result dict."
    return method


def _upsert(client: Any, resource: Resource, static: Static,
            statics: dict[str, Callable[..., Any]], record: dict) -> dict:
    """4.2.1's ``set_*`` helpers: look the record up by ``static.keys``, then
    return it (``find_or_create``) or update it (``update_or_create``), or create it.

    A create refused because a concurrent caller created the same record
    first ("has already been taken") is followed by one more look-up.
    """
    module = resource.module
    for last_try in (False, True):
        found = statics[static.target](client, *[record[k] for k in static.keys])
        if not found["success"] and found["app_info"] != {}:
            # The look-up itself failed (not 4.2.1's empty-list "error"): creating
            # now could duplicate a record the server holds.
            return found
        if found["success"] and found["data"]:
            if static.kind == "find_or_create":
                return found
            existing = found["data"][0]["id"]
            return _formatted(client, f"update_{module}_api", UPDATE, module,
                              {f"{module}_id": existing, module: {module: _known(resource, record)}})
        created = _formatted(client, f"create_{module}_api", CREATE, module,
                             {module: {module: _known(resource, record)}})
        if last_try or created["success"] or not _taken(created["app_info"]):
            return created
    raise AssertionError("unreachable")  # pragma: no cover


def _taken(app_info: Any) -> bool:
    """True when a create was refused only because the record already exists."""
    return isinstance(app_info, dict) and bool(app_info) and all(
        messages == ["has already been taken"] for messages in app_info.values())


def _known(resource: Resource, record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k in resource.field_names and k != "id"}


def module_class(resource: Resource, module_path: str) -> type:
    """Build the 4.2.1 module class of ``resource``, as defined in ``module_path``."""
    fields = parse_args(resource.fields)
    lead = [_P("self", _P.POSITIONAL_OR_KEYWORD)]
    if resource.with_client:
        lead.append(_P("metadata_client", _P.POSITIONAL_OR_KEYWORD))
    signature = inspect.Signature((*lead, *fields))
    module = resource.module

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        bound = signature.bind(self, *args, **kwargs)
        bound.apply_defaults()
        values = dict(bound.arguments)
        del values["self"]
        self.id = values.pop("id", None)
        for name, value in values.items():
            # copies keep a shared default (4.2.1's ``runs_techniques_attributes=[]``) unshared
            setattr(self, name, copy.copy(value) if isinstance(value, (list, dict)) else value)

    __init__.__signature__ = signature  # type: ignore[attr-defined]

    def record(self: Any) -> dict[str, Any]:
        return {module: {p.name: getattr(self, p.name) for p in fields if p.name != "id"}}

    def create(self: Any) -> dict[str, Any]:
        """Create this record; sets ``self.id`` on success."""
        res = _formatted(self.metadata_client, f"create_{module}_api", CREATE, module,
                         {module: record(self)})
        if res["success"]:
            self.id = res["data"]["id"]
        return res

    def update(self: Any) -> dict[str, Any]:
        """Send this record's fields to the server as an update of ``self.id``."""
        return _formatted(self.metadata_client, f"update_{module}_api", UPDATE, module,
                          {f"{module}_id": self.id, module: record(self)})

    def delete(self: Any) -> dict[str, Any]:
        """Delete the record ``self.id``."""
        return _formatted(self.metadata_client, f"delete_{module}_api", DELETE, module,
                          {f"{module}_id": self.id})

    def __repr__(self: Any) -> str:
        return f"{resource.cls}(id={self.id!r})"

    namespace: dict[str, Any] = {
        "__init__": __init__, "__repr__": __repr__, "__module__": module_path,
        "__doc__": f"A ``{module}`` record (4.2.1 compatible module class).",
        **dict(resource.constants),
    }
    namespace.update({name: fn for verb, name, fn in (("C", "create", create), ("U", "update", update),
                                                      ("D", "delete", delete)) if verb in resource.verbs})
    statics: dict[str, Callable[..., Any]] = {}
    for static in resource.statics:
        statics[static.name] = _static(resource, static, statics)
        namespace[static.name] = staticmethod(statics[static.name])
    return type(resource.cls, (), namespace)
