"""The declared resource table and the 4.2.1 public surface (names, signatures, import paths)."""

from __future__ import annotations

import importlib
import inspect
import json
import re
import warnings

import pytest
import requests

import metadata_client
from metadata_client.resources.table import ENDPOINTS, RESOURCES

from compat_helpers import api_rows, new_client, parse_params, signature_params, surface

SURFACE = surface()
ROWS = api_rows()
CLASSES = SURFACE["classes"]


# -- the resource table is declared completely ------------------------------------

def test_the_table_declares_24_resources_and_132_endpoints() -> None:
    assert len(RESOURCES) == 24
    names = [name for r in RESOURCES for name in r.endpoints]
    assert len(names) == 132 and len(set(names)) == 132
    assert set(ENDPOINTS) == {row["method"] for row in ROWS}


def test_each_resource_names_a_distinct_path_module_and_class() -> None:
    for attr in ("path", "module", "cls"):
        values = [getattr(r, attr) for r in RESOURCES]
        assert len(set(values)) == 24, attr
    assert {r.cls for r in RESOURCES} == set(CLASSES)


@pytest.mark.parametrize("resource", RESOURCES, ids=lambda r: r.path)
def test_resource_is_declared_completely(resource) -> None:
    assert re.fullmatch(r"[a-z_]+", resource.path)
    assert re.fullmatch(r"[a-z_]+", resource.module)
    assert re.fullmatch(r"[A-Z][A-Za-z]+", resource.cls)
    fields = parse_params(resource.fields)  # raises if the field list does not parse
    assert fields and len({n for n, _ in fields}) == len(fields)
    assert set(resource.verbs) <= set("CRUD")
    # the 4.2.1 module class is built from these fields
    info = CLASSES[resource.cls]
    assert [n for n, _ in info["ctor"] if n != "metadata_client"] == [n for n, _ in fields]
    assert resource.module == info["module_file"] or resource.cls == "ProposalTechnique"
    assert set(resource.required) <= resource.field_names


@pytest.mark.parametrize("resource", RESOURCES, ids=lambda r: r.path)
def test_every_endpoint_fills_its_path_from_its_arguments(resource) -> None:
    for endpoint in resource.endpoints.values():
        args = {n for n, _ in parse_params(endpoint.args)}
        holes = {h.rstrip("?") for h in re.findall(r"\{([\w?]+)\}", endpoint.path)}
        assert holes <= args, (endpoint.api, holes - args)
        assert endpoint.method in ("GET", "POST", "PUT", "DELETE")
        if endpoint.record is not None:
            assert endpoint.record in args and endpoint.body is not None
        for arg, _param in endpoint.query_map:
            assert arg in args, (endpoint.api, arg)


@pytest.mark.parametrize("resource", RESOURCES, ids=lambda r: r.path)
def test_every_static_target_resolves(resource) -> None:
    names = {s.name for s in resource.statics}
    assert len(names) == len(resource.statics)
    for static in resource.statics:
        if static.kind in ("create", "update"):
            verb = "create" if static.kind == "create" else "update"
            assert f"{verb}_{resource.module}_api" in resource.endpoints, static.name
        elif static.kind in ("find_or_create", "update_or_create"):
            assert static.target in names and static.keys, static.name
            assert set(static.keys) <= resource.field_names
        elif static.kind == "first":
            assert static.target in names or static.target in ENDPOINTS, static.name
        else:
            assert static.kind == "call", static.kind
            assert static.target in ENDPOINTS, static.name
            endpoint_args = {n for n, _ in parse_params(ENDPOINTS[static.target].args)}
            assert {k for k, _ in static.fixed} <= endpoint_args
    assert names == set(CLASSES[resource.cls]["statics"])


# -- the *_api methods ------------------------------------------------------------

@pytest.mark.parametrize("row", ROWS, ids=lambda r: r["method"])
def test_api_method_signature(row) -> None:
    method = getattr(metadata_client.MetadataClient, row["method"])
    assert signature_params(method, skip=1) == parse_params(row["arguments"])
    assert list(inspect.signature(method).parameters)[0] == "self"


# -- constructor, facade ----------------------------------------------------------

def test_constructor_signature_starts_with_the_4_2_1_parameters() -> None:
    params = list(inspect.signature(metadata_client.MetadataClient).parameters.values())
    assert [(p.name, p.default) for p in params[:12]] == SURFACE["constructor"]
    assert all(p.kind is p.POSITIONAL_OR_KEYWORD for p in params[:12])
    assert all(p.kind is p.KEYWORD_ONLY for p in params[12:])


def test_constructor_sets_the_4_2_1_headers_and_base_url() -> None:
    for base in ("https://mdc.example/api", "https://mdc.example/api/", "https://mdc.example/api///"):
        client = metadata_client.MetadataClient("i", "s", "https://mdc.example/oauth/token", None, None,
                                                "", "me@example.org", base)
        assert client.base_api_url == "https://mdc.example/api/"
        assert client.headers == {"content-type": "application/json",
                                  "Accept": "application/json; version=1",
                                  "X-User-Email": "me@example.org"}
        client.close()


def test_there_are_21_facade_methods() -> None:
    assert len(SURFACE["facade"]) == 21


@pytest.mark.parametrize("name", sorted(SURFACE["facade"]))
def test_facade_method_signature(name) -> None:
    method = getattr(metadata_client.MetadataClient, name)
    assert callable(method)
    assert signature_params(method, skip=1) == SURFACE["facade"][name]


# -- module classes ---------------------------------------------------------------

def test_there_are_24_module_classes_all_exported() -> None:
    modules = importlib.import_module("metadata_client.modules")
    assert len(CLASSES) == 24
    assert set(CLASSES) <= set(modules.__all__)


@pytest.mark.parametrize("cls_name", sorted(CLASSES))
def test_module_class_surface(cls_name) -> None:
    info = CLASSES[cls_name]
    package = importlib.import_module("metadata_client.modules")
    home = importlib.import_module(f"metadata_client.modules.{info['module_file']}")
    cls = getattr(home, cls_name)
    assert getattr(package, cls_name) is cls
    assert isinstance(cls, type)
    assert cls.__module__ == f"metadata_client.modules.{info['module_file']}"
    assert signature_params(cls.__init__, skip=1) == info["ctor"]
    for name in info["instance"]:
        raw = inspect.getattr_static(cls, name)
        assert inspect.isfunction(raw), (cls_name, name)
        assert list(inspect.signature(raw).parameters) == ["self"]
    for name, params in info["statics"].items():
        raw = inspect.getattr_static(cls, name)
        assert isinstance(raw, staticmethod), (cls_name, name)
        assert signature_params(getattr(cls, name)) == params, (cls_name, name)
    for name, value in info["constants"].items():
        assert getattr(cls, name) == value


def test_deployed_flag_constant() -> None:
    from metadata_client.modules.data_source_group_version import DataSourceGroupVersion
    assert DataSourceGroupVersion.FLG_STATUS_DEPLOYED == "D"


@pytest.mark.parametrize("cls_name", sorted(CLASSES))
def test_module_class_constructor_keeps_its_fields(cls_name) -> None:
    info = CLASSES[cls_name]
    cls = getattr(importlib.import_module("metadata_client.modules"), cls_name)
    values = {n: f"v-{n}" for n, d in info["ctor"] if d is inspect.Parameter.empty}
    obj = cls(**values)
    for name, value in values.items():
        assert getattr(obj, name) == value
    for name, default in info["ctor"]:
        if default is not inspect.Parameter.empty:
            assert getattr(obj, name) == default


def test_run_default_techniques_list_is_not_shared() -> None:
    from metadata_client.modules.run import Run
    args = dict.fromkeys(["run_number", "run_alias", "experiment_id", "sample_id", "begin_at", "end_at",
                          "first_train", "last_train", "flg_available", "flg_status", "original_format",
                          "system_msg"], 1)
    first, second = Run(None, **args), Run(None, **args)
    first.runs_techniques_attributes.append({"technique_id": 1})
    assert second.runs_techniques_attributes == []
    assert inspect.signature(Run.__init__).parameters["runs_techniques_attributes"].default == []


# -- import paths and common helpers ----------------------------------------------

def test_import_paths() -> None:
    from metadata_client import MetadataClient
    from metadata_client.metadata_client import MetadataClient as Again
    from metadata_client.common import config
    from metadata_client.common.base import Base
    from metadata_client.common.util import Util
    assert MetadataClient is Again
    assert config and Base and Util


def test_config_constants() -> None:
    from metadata_client.common import config
    assert (config.RUN, config.SAMPLE, config.DATA_GROUP, config.DATA_GROUP_REPOSITORY, config.PROPOSAL,
            config.DATASET_FILE, config.DATA_SOURCE_GROUP_VERSION, config.UNIT, config.USER) == (
        "run", "sample", "data_group", "data_group_repository", "proposal", "dataset_file",
        "data_source_group_version", "unit", "user")
    assert (config.DEF_PAGE, config.DEF_PAGE_SIZE) == (1, 100)
    assert (config.CREATE, config.GET, config.UPDATE, config.DELETE, config.SET) == (
        "CREATE", "GET", "UPDATE", "DELETE", "SET")
    assert (config.OK, config.CREATED, config.NO_CONTENT, config.NOT_FOUND,
            config.UNPROCESSABLE_ENTITY, config.INTERNAL_SERVER_ERROR) == (200, 201, 204, 404, 422, 500)


def _response(status: int, text: str, headers: dict | None = None) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response._content = text.encode()
    response.headers.update(headers or {})
    return response


def test_base_format_response_decision_table() -> None:
    from metadata_client.common.base import Base
    ok = Base.format_response(_response(201, '{"id": 5}', {"X-Total-Pages": "1"}), "CREATE", 201, "run")
    assert (ok["success"], ok["info"], ok["app_info"], ok["data"]) == (True, "run created successfully", {}, {"id": 5})
    assert ok["pagination"]["X-Total-Pages"] == "1"
    wrong_code = Base.format_response(_response(200, '{"id": 5}'), "CREATE", 201, "run")
    assert (wrong_code["success"], wrong_code["app_info"]) == (False, "HTTP request status code:200")
    deleted = Base.format_response(_response(204, ""), "DELETE", 204, "run")
    assert (deleted["success"], deleted["info"], deleted["data"]) == (True, "run deleted successfully", {})
    empty = Base.format_response(_response(200, "[]"), "GET", 200, "sample")
    assert (empty["success"], empty["info"], empty["app_info"], empty["data"]) == (
        False, "Error getting sample", {}, {})
    spaced = Base.format_response(_response(200, "[ ]"), "GET", 200, "sample")
    assert (spaced["success"], spaced["data"]) == (True, [])
    missing = Base.format_response(_response(404, '{"info": "Resource not found!"}'), "DELETE", 204, "run")
    assert (missing["success"], missing["info"], missing["app_info"]) == (
        False, "Error deleting run", "Resource not found!")
    invalid = Base.format_response(_response(422, json.dumps({"info": {"name": ["is too long"]}})),
                                   "UPDATE", 200, "sample")
    assert (invalid["info"], invalid["app_info"]) == ("Error updating sample", {"name": ["is too long"]})
    bare = Base.format_response(_response(500, '{"error": 1}'), "GET", 200, "run")
    assert bare["app_info"] == "HTTP request status code:500"


def test_base_helpers() -> None:
    from metadata_client.common.base import Base
    assert Base.load_json_from_str("") == {} and Base.load_json_from_str("[]") == {}
    assert Base.load_json_from_str('[{"a": 1}]') == [{"a": 1}]
    assert Base.response_success("run", "GET", {}, [1]) == {
        "success": True, "info": "Got run successfully", "app_info": {}, "pagination": {}, "data": [1]}
    error = Base.response_error("run", "CREATE", {"x": ["y"]})
    assert (error["success"], error["info"], error["app_info"], error["data"]) == (
        False, "Error creating run", {"x": ["y"]}, {})
    listed = {"success": True, "info": "Got repository successfully", "app_info": {},
              "pagination": {}, "data": [{"id": 1}, {"id": 2}]}
    first = Base.unique_key_format_result(listed, "repository")
    assert (first["success"], first["info"], first["data"]) == (True, "Got repository successfully", {"id": 1})
    none = Base.unique_key_format_result({**listed, "data": []}, "repository", "XYZ")
    assert (none["data"], none["info"]) == ({}, 'repository "XYZ" could not be found!')


def test_util_helpers() -> None:
    from metadata_client.common.util import Util
    assert Util.get_opt_dict_val({"a": 0}, "a", 5) == 0
    assert Util.get_opt_dict_val({}, "a", 5) == 5
    assert Util.int_to_bool(1) == "true" and Util.int_to_bool(0) == "false"
    assert Util.get_opt_val(7) == "7" and Util.get_opt_val(None, "x") == "x"
    assert Util.get_formatted_date("%Y-%m-%d", 0) == "1970-01-01"


def test_metadata_client_api_is_a_deprecated_alias() -> None:
    from metadata_client.metadata_client_api import MetadataClientApi
    with pytest.warns(DeprecationWarning):
        client = MetadataClientApi("i", "s", "https://mdc.example/oauth/token", None, None, "",
                                   "me@example.org", "https://mdc.example/api/")
    assert isinstance(client, metadata_client.MetadataClient)
    client.close()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        new_client().close()  # the real name does not warn


def test_proposal_technique_is_reachable() -> None:
    from metadata_client.modules import ProposalTechnique, Unit
    assert ProposalTechnique and Unit
    for name in ("get_proposal_technique_by_proposal_id_api", "get_proposal_technique_by_technique_id_api"):
        assert callable(getattr(metadata_client.MetadataClient, name))
