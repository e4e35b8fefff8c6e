"""The ``/api/`` handlers: generic CRUD for every declared resource, plus the
special endpoints of MYMDC_SERVER.md §3 (proposal look-ups by number, run
summaries, raw data-group ids, file searches, bulk operations, ``me``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping

from werkzeug.wrappers import Request, Response

from .errors import ApiError, invalid, not_found
from .fields import INT, Invalid, utc_now
from .records import Records
from .replies import no_content, page_headers, paging, params_of, read_json, reply
from .schema import Resource
from .store import Store


@dataclass
class Call:
    """One API request as the handlers see it."""

    request: Request
    records: Records
    resource: Resource | None
    user: Mapping[str, Any] | None
    body_limit: int

    @property
    def store(self) -> Store:
        return self.records.store

    @property
    def res(self) -> Resource:
        assert self.resource is not None
        return self.resource

    def kind(self, name: str) -> Resource:
        return self.records.resources[name]

    def body(self) -> Any:
        return read_json(self.request, self.body_limit)

    def params(self) -> dict[str, Any]:
        return params_of(self.body(), self.res.key, self.res.inputs)

    def arg(self, name: str) -> str:
        value = self.request.args.get(name)
        if value is None or not value.strip():
            raise ApiError(400, f"param is missing or the value is empty: {name}")
        return value


Handler = Callable[..., Response]


# generic handlers ---------------------------------------------------------------


def _filters(resource: Resource, args: Mapping[str, str]) -> dict[str, Any] | None:
    """Exact-match filters from the query (blank values ignored); None: nothing can match."""
    where: dict[str, Any] = {}
    for name in resource.filters:
        text = args.get(name)
        if text is None or text == "":
            continue
        value = resource.field_map[name].type.parse_query(text)
        if isinstance(value, Invalid) or value is None:
            return None
        where[name] = value
    return where


def list_records(call: Call) -> Response:
    page, size = paging(call.request.args)
    where = _filters(call.res, call.request.args)
    items, total = ([], 0) if where is None else call.records.page(call.res, where, page, size)
    return reply(items, headers=page_headers(total, page, size))


def read_record(call: Call, id: str) -> Response:
    return reply(call.records.read(call.res, id))


def create_record(call: Call) -> Response:
    return reply(call.records.create(call.res, call.params()), 201)


def update_record(call: Call, id: str) -> Response:
    return reply(call.records.update(call.res, id, call.params()))


def delete_record(call: Call, id: str) -> Response:
    call.records.delete(call.res, id)
    return no_content()


def bulk_create(call: Call) -> Response:
    body = call.body()
    items = body.get(call.res.name) if isinstance(body, dict) else None
    return reply(call.records.bulk(call.res, items, call.res.name), 201)


def bulk_update(call: Call) -> Response:
    body = call.body()
    items = body.get(call.res.name) if isinstance(body, dict) else None
    return reply(call.records.bulk(call.res, items, call.res.name, update=True))


# proposals and runs -------------------------------------------------------------------


def _proposal(call: Call, number: str) -> dict[str, Any]:
    value = INT.coerce(number)
    rows = call.store.select("proposals", {"number": value}, limit=1) if isinstance(value, int) else []
    if not rows:
        raise not_found(f"Proposal number {number} not found")
    return rows[0]


def proposal_by_number(call: Call, number: str) -> Response:
    with call.store.lock:
        return reply(call.records.render(call.kind("proposals"), _proposal(call, number)))


def proposal_daq_info(call: Call, number: str) -> Response:
    with call.store.lock:
        proposal = _proposal(call, number)
        if not call.store.exists("samples", {"proposal_id": proposal["id"]}):
            raise ApiError(422, "The proposal has no Samples defined yet in myMdC!")
        return reply(call.records.render(call.kind("proposals"), proposal))


def _run_summary(store: Store, run: Mapping[str, Any]) -> dict[str, Any]:
    num_files = store.value(
        "SELECT COUNT(*) FROM data_files f JOIN runs_data_groups l ON l.data_group_id = f.data_group_id "
        "WHERE l.run_id = ?",
        run["id"],
    )
    repositories = store.rows(
        "SELECT r.identifier, r.name, r.mount_point, COUNT(DISTINCT l.data_group_id) AS data_groups "
        "FROM runs_data_groups l JOIN data_groups_repositories g ON g.data_group_id = l.data_group_id "
        "JOIN repositories r ON r.id = g.repository_id WHERE l.run_id = ? GROUP BY r.id ORDER BY r.id",
        run["id"],
    )
    summary = {name: run[name] for name in ("id", "run_number", "run_alias", "flg_status", "flg_run_quality")}
    summary.update(
        num_files=int(num_files or 0),
        size=None,
        repositories={
            repo["identifier"]: {
                "name": repo["name"], "mount_point": repo["mount_point"], "data_groups": repo["data_groups"],
            }
            for repo in repositories
        },
    )
    summary.update({name: run[name] for name in ("experiment_id", "sample_id", "first_train", "last_train")})
    summary.update(
        begin_at=run["begin_at"], end_at=run["end_at"],
        flg_available=None if run["flg_available"] is None else bool(run["flg_available"]),
    )
    return summary


def proposal_runs(call: Call, number: str, run_number: str | None = None) -> Response:
    page, size = paging(call.request.args)
    with call.store.lock:
        proposal = _proposal(call, number)
        where: dict[str, Any] = {"proposal_id": proposal["id"]}
        if run_number is not None:
            where["run_number"] = INT.coerce(run_number)
        runs: list[dict[str, Any]] = []
        total = 0
        if not isinstance(where.get("run_number"), Invalid):
            runs, total = call.records.page_rows("runs", where, page, size, ("run_number", "id"))
        body = {
            "proposal": {key: proposal[key] for key in ("id", "number", "title")},
            "runs": [_run_summary(call.store, run) for run in runs],
        }
    return reply(body, headers=page_headers(total, page, size))


def runs_by_proposal(call: Call) -> Response:
    page, size = paging(call.request.args)
    with call.store.lock:
        proposal = _proposal(call, call.arg("proposal_number"))
        items, total = call.records.page(call.kind("runs"), {"proposal_id": proposal["id"]}, page, size)
    return reply(items, headers=page_headers(total, page, size))


def _run_data_groups(call: Call, raw_only: bool = False) -> list[int]:
    """Ids of the data groups linked to the runs ``run_number`` of ``proposal_number``."""
    proposal = _proposal(call, call.arg("proposal_number"))
    run_number = INT.coerce(call.arg("run_number"))
    if not isinstance(run_number, int):
        return []
    raw = (
        " JOIN data_groups g ON g.id = l.data_group_id JOIN data_group_types t ON t.id = g.data_group_type_id"
        " AND t.identifier = 'RAW'" if raw_only else ""
    )
    rows = call.store.rows(
        f"SELECT DISTINCT l.data_group_id AS id FROM runs r JOIN runs_data_groups l ON l.run_id = r.id{raw} "
        "WHERE r.proposal_id = ? AND r.run_number = ? ORDER BY l.data_group_id",
        proposal["id"], run_number,
    )
    return [row["id"] for row in rows]


def all_raw_data_groups_ids(call: Call) -> Response:
    with call.store.lock:
        return reply(_run_data_groups(call, raw_only=True))


def search_files(call: Call) -> Response:
    """data_files / dataset_files of the data groups of one run."""
    with call.store.lock:
        groups = _run_data_groups(call)
        marks = ", ".join("?" for _ in groups)
        rows = call.store.rows(
            f'SELECT * FROM "{call.res.table}" WHERE data_group_id IN ({marks}) ORDER BY id', *groups
        ) if groups else []
        return reply(call.records.render_all(call.res, rows))


def active_proposal(call: Call, id: str) -> Response:
    """The instrument's proposal in beamtime (status 'R', or now within its beamtime)."""
    with call.store.lock:
        instrument = call.records.find(call.res, id)
        now = utc_now()
        rows = call.store.rows(
            "SELECT * FROM proposals WHERE instrument_id = ? AND (flg_beamtime_status = 'R' OR "
            "(beamtime_start_at <= ? AND beamtime_end_at >= ?)) ORDER BY id DESC LIMIT 1",
            instrument["id"], now, now,
        )
        if not rows:
            raise not_found()
        return reply(call.records.render(call.kind("proposals"), rows[0]))


# bulk deletes and checks -------------------------------------------------------------


def _ids(value: Any, name: str) -> list[int]:
    values = value if isinstance(value, list) else [value]
    ids = [INT.coerce(v) for v in values]
    if not ids or not all(isinstance(i, int) for i in ids):
        raise invalid({name: ["is invalid"]})
    return ids


def dataset_files_bulk_delete(call: Call) -> Response:
    params = params_of(call.body(), "dataset_file", frozenset({"ids", "data_group_id"}))
    ids = _ids(params.get("ids"), "ids")
    (group,) = _ids(params.get("data_group_id"), "data_group_id")
    with call.store.transaction():
        deleted = sum(
            call.store.execute("DELETE FROM dataset_files WHERE id = ? AND data_group_id = ?", ident, group)
            for ident in ids
        )
    return reply({"info": f"{deleted} dataset files deleted"})


def dataset_files_bulk_check(call: Call) -> Response:
    body = call.body()
    items = body.get("dataset_files") if isinstance(body, dict) else None
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise ApiError(400, "param is missing or the value is empty: dataset_files")
    results = []
    with call.store.lock:
        for item in items:
            where = {"filename": item.get("filename")}
            group = INT.coerce(item.get("data_group_id"))
            if isinstance(group, int):
                where["data_group_id"] = group
            found = call.store.select("dataset_files", where, limit=1) if isinstance(where["filename"], str) else []
            results.append({
                "filename": item.get("filename"), "data_group_id": item.get("data_group_id"),
                "exists": bool(found), "id": found[0]["id"] if found else None,
            })
    return reply(results)


def parameters_bulk_delete(call: Call) -> Response:
    params = params_of(call.body(), "parameter", frozenset({"data_group_id"}))
    (group,) = _ids(params.get("data_group_id"), "data_group_id")
    with call.store.transaction():
        links = call.store.rows("SELECT parameter_id FROM data_groups_parameters WHERE data_group_id = ?", group)
        for link in links:
            call.store.delete("parameters", link["parameter_id"])
    return no_content()


def me(call: Call) -> Response:
    assert call.user is not None
    return reply(call.records.render(call.kind("users"), call.user))


# the route table -----------------------------------------------------------------------


@dataclass(frozen=True)
class Endpoint:
    """Handlers by HTTP method for one URL rule, and the resource they serve."""

    handlers: Mapping[str, Handler]
    resource: Resource | None = None


_COLLECTION = {"L": ("GET", list_records), "C": ("POST", create_record)}
_MEMBER = {
    "R": (("GET",), read_record),
    "U": (("PUT", "PATCH"), update_record),
    "D": (("DELETE",), delete_record),
}

# (resource, URL rule, method, handler)
SPECIAL: tuple[tuple[str, str, str, Handler], ...] = (
    ("proposals", "/api/proposals/by_number/<number>", "GET", proposal_by_number),
    ("proposals", "/api/proposals/by_number_daq_info/<number>", "GET", proposal_daq_info),
    ("proposals", "/api/proposals/by_number/<number>/runs", "GET", proposal_runs),
    ("proposals", "/api/proposals/by_number/<number>/runs/<run_number>", "GET", proposal_runs),
    ("runs", "/api/runs/runs_by_proposal", "GET", runs_by_proposal),
    ("runs", "/api/runs/all_raw_data_groups_ids", "GET", all_raw_data_groups_ids),
    ("instruments", "/api/instruments/<id>/active_proposal", "GET", active_proposal),
    ("data_files", "/api/data_files/search_data_files", "GET", search_files),
    ("dataset_files", "/api/dataset_files/search_dataset_files", "GET", search_files),
    ("dataset_files", "/api/dataset_files/bulk_create", "POST", bulk_create),
    ("dataset_files", "/api/dataset_files/bulk_update", "POST", bulk_update),
    ("dataset_files", "/api/dataset_files/bulk_delete", "POST", dataset_files_bulk_delete),
    ("dataset_files", "/api/dataset_files/bulk_check", "POST", dataset_files_bulk_check),
    ("parameters", "/api/parameters/bulk_create", "POST", bulk_create),
    ("parameters", "/api/parameters/bulk_delete", "POST", parameters_bulk_delete),
    ("users", "/api/me", "GET", me),
)


def api_routes(resources: Mapping[str, Resource]) -> dict[str, Endpoint]:
    """URL rule (under ``/api``) -> endpoint, for every resource and special endpoint."""
    routes: dict[str, dict[str, Handler]] = {}
    owners: dict[str, Resource] = {}
    for resource in resources.values():
        collection = dict(_COLLECTION[v] for v in resource.verbs if v in _COLLECTION)
        member = {m: handler for v, (methods, handler) in _MEMBER.items() if v in resource.verbs for m in methods}
        for path, handlers in ((f"/api/{resource.name}", collection), (f"/api/{resource.name}/<id>", member)):
            if handlers:
                routes[path] = handlers
                owners[path] = resource
    for name, path, method, handler in SPECIAL:
        routes.setdefault(path, {})[method] = handler
        owners[path] = resources[name]
    return {path: Endpoint(handlers, owners[path]) for path, handlers in routes.items()}
