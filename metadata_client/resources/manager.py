"""The modern API: ``client.<resource>`` managers.

Managers return plain dicts and lists and raise the typed errors of
:mod:`metadata_client.errors`. ``iter()`` pages lazily through every record;
``create()`` and ``update()`` refuse unknown fields and missing required ones
before anything is sent.
"""

from __future__ import annotations

from typing import Any, Callable, Iterator, List

from ..errors import BulkError, MetadataClientError
from ..requestor import MAX_PAGE_SIZE, Requestor, check_record, encode_body, page_values, pages, path_value, query_value
from . import calls
from .spec import Resource
from .table import ENDPOINTS

Progress = Callable[[int, int], None]


class ResourceManager:
    """Reads and writes one resource (``client.runs``, ``client.samples``, ...)."""

    def __init__(self, requestor: Requestor, resource: Resource) -> None:
        self._requestor = requestor
        self.resource = resource

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.resource.path}>"

    # -- the verbs -----------------------------------------------------------
    def get(self, id: int | str) -> dict[str, Any]:
        """The record with this id. Raises NotFoundError if there is none."""
        self._needs("R", "read by id")
        return self._json("GET", self._member(id))

    def list(self, *, page: int = 1, page_size: int = 100, **filters: Any) -> List[dict[str, Any]]:
        """One page of records matching ``filters`` (exact match, all of them)."""
        query = {**self._filters(filters), **page_values(page, page_size)}
        return self._json("GET", self._collection(), query=query)

    def iter(self, *, page_size: int = MAX_PAGE_SIZE, **filters: Any) -> Iterator[dict[str, Any]]:
        """Every record matching ``filters``, fetched page by page as you go.

        Bad filters or page size raise ValueError here, not at the first ``next()``.
        """
        query = self._filters(filters)
        page_values(1, page_size)
        return self._records(self._collection(), query, page_size)

    def _records(self, url: str, query: dict[str, Any], page_size: int) -> Iterator[dict[str, Any]]:
        for batch in pages(self._requestor, url, query, page_size):
            yield from batch

    def create(self, **fields: Any) -> dict[str, Any]:
        """Create a record and return it as the server stored it."""
        self._needs("C", "create")
        missing = [f for f in self.resource.required if fields.get(f) in (None, "")]
        if missing:
            raise ValueError(f"{self.resource.path}: missing required field(s): {', '.join(missing)}")
        return self._json("POST", self._requestor.url(f"{self.resource.path}/"), body=self._body(fields))

    def update(self, id: int | str, **fields: Any) -> dict[str, Any]:
        """Change the given fields of record ``id``; returns the updated record."""
        self._needs("U", "update")
        if not fields:
            raise ValueError("update needs at least one field")
        return self._json("PUT", self._member(id), body=self._body(fields))

    def delete(self, id: int | str) -> None:
        """Delete record ``id``. Raises NotFoundError if there is none."""
        self._needs("D", "delete")
        self._json("DELETE", self._member(id))

    # -- helpers for subclasses -------------------------------------------
    def _call(self, api: str, **arguments: Any) -> Any:
        """Send the special endpoint ``api`` and decode its answer."""
        endpoint = ENDPOINTS[api]
        bound = endpoint.signature.bind(**arguments)
        bound.apply_defaults()
        url, query, body = calls.prepare(self._requestor, endpoint, bound.arguments)
        return self._json(endpoint.method, url, query=query, body=body)

    def _bulk(self, api: str, records: List[dict[str, Any]], chunk_size: int,
              progress: Progress | None, wrap: Callable[[List[Any]], Any] | None = None) -> List[Any]:
        """Send ``records`` in chunks through the bulk endpoint ``api``.

        Every chunk is checked before the first is sent. Raises
        :class:`BulkError` naming what was stored, what may have been and
        what was not sent when a chunk fails.
        """
        check_record(records, "records", list)
        if isinstance(chunk_size, bool) or not isinstance(chunk_size, int) or not 1 <= chunk_size <= 10_000:
            raise ValueError("chunk_size must be an int between 1 and 10000")
        endpoint = ENDPOINTS[api]
        name = endpoint.record or "records"
        chunks = [records[i:i + chunk_size] for i in range(0, len(records), chunk_size)]
        prepared = [calls.prepare(self._requestor, endpoint, {name: wrap(c) if wrap else c}) for c in chunks]
        done: List[Any] = []
        for n, (url, query, body) in enumerate(prepared):
            try:
                answer = self._json(endpoint.method, url, query=query, body=body)
            except MetadataClientError as exc:
                start = n * chunk_size
                raise BulkError(exc, done, records[start:start + chunk_size],
                                records[start + chunk_size:]) from exc
            done.extend(answer if isinstance(answer, list) else [answer])
            if progress is not None:
                progress(min((n + 1) * chunk_size, len(records)), len(records))
        return done

    def _json(self, method: str, url: str, **kwargs: Any) -> Any:
        return self._requestor.json(method, url, **kwargs)[0]

    def _member(self, id: Any) -> str:
        return self._requestor.base_api_url + f"{self.resource.path}/{path_value(id, 'id')}"

    def _collection(self) -> str:
        if not any(e.path == f"{self.resource.path}/" and e.method == "GET"
                   for e in self.resource.endpoints.values()):
            raise NotImplementedError(f"{self.resource.path} cannot be listed through the API")
        return self._requestor.url(f"{self.resource.path}/")

    def _filters(self, filters: dict[str, Any]) -> dict[str, Any]:
        unknown = sorted(set(filters) - self.resource.filters)
        if unknown:
            allowed = ", ".join(sorted(self.resource.filters)) or "none"
            raise ValueError(f"{self.resource.path}: unknown filter(s) {', '.join(unknown)} (allowed: {allowed})")
        return {k: query_value(v, k) for k, v in filters.items()}

    def _body(self, fields: dict[str, Any]) -> bytes:
        unknown = sorted(set(fields) - self.resource.field_names)
        if unknown:
            raise ValueError(f"{self.resource.path}: unknown field(s): {', '.join(unknown)}")
        return encode_body({self.resource.module: fields})

    def _needs(self, verb: str, what: str) -> None:
        if verb not in self.resource.verbs:
            raise NotImplementedError(f"the API offers no {what} for {self.resource.path}")


class ProposalManager(ResourceManager):
    """``client.proposals``: also look-ups by proposal number."""

    def by_number(self, number: int | str) -> dict[str, Any]:
        """The proposal with this number. Raises NotFoundError."""
        return self._call("get_proposal_by_number_api", number=number)

    def daq_info(self, number: int | str) -> dict[str, Any]:
        """The proposal as the DAQ needs it (fails when it has no samples)."""
        return self._call("get_proposal_by_number_daq_info_api", number=number)

    def runs(self, number: int | str, run_number: int | str | None = None, *,
             page: int = 1, page_size: int = 100) -> dict[str, Any]:
        """``{"proposal": {...}, "runs": [...]}``, optionally for one run number."""
        return self._call("get_runs_by_proposal_number_api", proposal_number=number,
                          run_number=run_number, page=page, page_size=page_size)


class InstrumentManager(ResourceManager):
    """``client.instruments``: also the active proposal of an instrument."""

    def active_proposal(self, instrument_id: int | str) -> dict[str, Any]:
        """The proposal running on the instrument now. Raises NotFoundError."""
        return self._call("get_instrument_active_proposal_api", instrument_id=instrument_id)


class RunManager(ResourceManager):
    """``client.runs``: also look-ups by proposal number."""

    def raw_data_group_ids(self, run_number: int | str, proposal_number: int | str) -> List[int]:
        """Ids of the run's RAW data groups."""
        return self._call("get_run_all_raw_data_groups_ids_api",
                          run_number=run_number, proposal_number=proposal_number)

    def by_proposal(self, proposal_number: int | str, *, page_size: int = MAX_PAGE_SIZE) -> Iterator[dict[str, Any]]:
        """Every run of a proposal, fetched page by page as you go."""
        query = {"proposal_number": query_value(proposal_number, "proposal_number")}
        page_values(1, page_size)
        return self._records(self._requestor.url("runs/runs_by_proposal"), query, page_size)


class _FileSearch(ResourceManager):
    _search_api = ""

    def search(self, run_number: int | str, proposal_number: int | str) -> Any:
        """The files registered for a run of a proposal."""
        return self._call(self._search_api, run_number=run_number, proposal_number=proposal_number)


class DataFileManager(_FileSearch):
    """``client.data_files``: also search by run."""

    _search_api = "search_data_files_api"


class DatasetFileManager(_FileSearch):
    """``client.dataset_files``: also search by run and bulk operations."""

    _search_api = "search_dataset_files_api"

    def bulk_create(self, files: List[dict[str, Any]], *, chunk_size: int = 500,
                    progress: Progress | None = None) -> List[Any]:
        """Create many dataset files, ``chunk_size`` per request.

        ``progress(done, total)`` is called after each chunk. Raises
        :class:`BulkError` if a chunk fails.
        """
        return self._bulk("create_bulk_dataset_file_api", files, chunk_size, progress)

    def bulk_update(self, files: List[dict[str, Any]], *, chunk_size: int = 500,
                    progress: Progress | None = None) -> List[Any]:
        """Update many dataset files (each dict carries its ``id``)."""
        return self._bulk("update_bulk_dataset_file_api", files, chunk_size, progress)

    def bulk_check(self, files: List[dict[str, Any]], *, chunk_size: int = 500) -> List[Any]:
        """Which of these files the catalogue already holds."""
        return self._bulk("check_bulk_dataset_file_api", files, chunk_size, None)

    def bulk_delete(self, data_group_id: int, ids: List[int]) -> Any:
        """Delete these dataset files of a data group."""
        return self._call("delete_bulk_dataset_file_api_by_data_group_id",
                          data_group_id=data_group_id, dataset_files_ids=ids)


class ParameterManager(ResourceManager):
    """``client.parameters``: also bulk creation and deletion by data group."""

    def bulk_create(self, parameters: List[dict[str, Any]], *, chunk_size: int = 500,
                    progress: Progress | None = None) -> List[Any]:
        """Create many parameters, ``chunk_size`` per request."""
        return self._bulk("create_bulk_parameter_api", parameters, chunk_size, progress,
                          wrap=lambda chunk: {"parameters": chunk})

    def bulk_delete(self, data_group_id: int) -> Any:
        """Delete every parameter of a data group."""
        return self._call("delete_bulk_parameter_api_by_data_group_id", data_group_id=data_group_id)


class UserManager(ResourceManager):
    """``client.users``: also the user the client acts as."""

    def me(self) -> dict[str, Any]:
        """The user named by the client's ``user_email``."""
        return self._call("get_current_user")


class DataSourceGroupVersionManager(ResourceManager):
    """``client.data_source_group_versions``: updates go unwrapped, as the server wants."""

    def update(self, id: int | str, **fields: Any) -> dict[str, Any]:
        """Change fields of a data source group version (e.g. ``flg_status="D"``)."""
        return self._call("update_data_source_group_version_api", id=id, params=fields)


MANAGERS: dict[str, type[ResourceManager]] = {
    "proposals": ProposalManager,
    "instruments": InstrumentManager,
    "runs": RunManager,
    "data_files": DataFileManager,
    "dataset_files": DatasetFileManager,
    "parameters": ParameterManager,
    "users": UserManager,
    "data_source_group_versions": DataSourceGroupVersionManager,
}
