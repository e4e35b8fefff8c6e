"""The 21 facade methods of 4.2.1: look-ups and multi-step DAQ operations.

They return the 4.2.1 result dict and keep its shapes, with 4.2.1's bugs
fixed (see HISTORY.rst): a failed multi-step registration is rolled back
where it can be, and otherwise says exactly which records exist.
"""

from __future__ import annotations

import logging
from typing import Any, Callable

from .errors import MetadataClientError, NotFoundError, TransportError
from .transport import TRUNCATED
from . import modules
from .normalise import CREATE, format_response, response_success, result

log = logging.getLogger("metadata_client")

Result = dict[str, Any]
DEF_PAGE, DEF_PAGE_SIZE = 1, 100
NOT_ALLOWED = "The proposal doesn't match this DAQ instance configured list of allowed instruments!"


def _mandatory(missing: list[str]) -> Result:
    return result(f"The following fields are mandatory: {missing}", {}, success=False)


def _failed(res: Result) -> bool:
    if not res["success"]:
        log.warning("%s >> %s", res["info"], res["app_info"])
        return True
    return False


def _uncertain(response: Any) -> bool:
    """True when a failed create's answer does not show whether the server stored it."""
    status = response.status_code
    return status >= 500 or 200 <= status < 300 or getattr(response, TRUNCATED, False)


def _opt(value: Any) -> str:
    """4.2.1's optional id: its string, or '' when not given."""
    return str(value) if value else ""


class Workflows:
    """Mixin with the facade methods; needs the ``*_api`` methods and managers on ``self``."""

    data_files: Any
    experiments: Any
    proposals: Any
    runs: Any

    # -- look-ups -------------------------------------------------------------
    def get_all_xfel_instruments(self, page: int = DEF_PAGE, page_size: int = DEF_PAGE_SIZE) -> Result:
        """The instruments of the European XFEL facility (facility 1)."""
        res = modules.Instrument.get_all_from_xfel(self, page, page_size)
        _failed(res)
        return res

    def get_all_data_group_types(self, page: int = DEF_PAGE, page_size: int = DEF_PAGE_SIZE) -> Result:
        """Every data group type (Raw, Calibration, Processed, ...)."""
        res = modules.DataGroupType.get_all(self, page, page_size)
        _failed(res)
        return res

    def get_active_proposal_by_instrument(self, instrument_id: int) -> Result:
        """The proposal whose beamtime is running on the instrument."""
        res = modules.Proposal.get_active_proposal_by_instrument(self, instrument_id)
        _failed(res)
        return res

    def get_proposal_info(self, proposal_number: int | str, instruments_list: list[str] | None) -> Result:
        """DAQ information of a proposal, if it belongs to one of ``instruments_list``.

        Unlike 4.2.1, an instrument mismatch reports ``success`` False.
        """
        res = modules.Proposal.get_by_number_daq_info(self, proposal_number)
        if _failed(res):
            return res
        if instruments_list is not None and res["data"].get("instrument_identifier") not in instruments_list:
            log.warning(NOT_ALLOWED)
            return {**res, "success": False, "info": "Error getting proposal",
                    "app_info": NOT_ALLOWED, "data": {}}
        return res

    def get_repository_by_id(self, repository_id: int) -> Result:
        """One repository."""
        return modules.Repository.get_by_id(self, repository_id)

    def get_proposal_runs(self, proposal_number: int | str, run_number: int | None = None,
                          page: int = DEF_PAGE, page_size: int = DEF_PAGE_SIZE) -> Result:
        """``{"proposal": {...}, "runs": [...]}`` for a proposal number."""
        return modules.Proposal.get_runs_by_proposal_number(self, proposal_number, run_number, page, page_size)

    def get_proposal_experiments(self, proposal_number: int | str) -> Result:
        """The experiments of a proposal, by proposal number."""
        res = modules.Proposal.get_by_number(self, proposal_number)
        if _failed(res) or not res["data"]:
            return res
        return modules.Experiment.get_all_by_proposal_id(self, res["data"]["id"])

    def get_proposal_samples(self, proposal_number: int | str, page: int = DEF_PAGE,
                             page_size: int = DEF_PAGE_SIZE) -> Result:
        """The samples of a proposal, by proposal number."""
        res = modules.Proposal.get_by_number(self, proposal_number)
        if _failed(res) or not res["data"]:
            return res
        return modules.Sample.get_all_by_proposal_id(self, res["data"]["id"], page, page_size)

    def search_data_files(self, run_number: int, proposal_number: int | str) -> Result:
        """The data files registered for a run."""
        res = modules.DataFile.search_data_files(self, run_number, proposal_number)
        if _failed(res):
            return res
        return result("Search data files return successfully", res["data"])

    # -- run registration ------------------------------------------------------
    def register_run(self, experiment_id: int, sample_id: int | None,
                     run_dict: dict[str, Any], data_grp_dict: dict[str, Any]) -> Result:
        """Create a run and its RAW data group.

        If the data group cannot be created the run is deleted again; the
        result says whether that deletion worked.
        """
        missing = [] if experiment_id is not None else ["experiment_id"]
        missing += [f"run.{f}" for f in ("run_number", "begin_at", "first_train") if f not in run_dict]
        missing += [f"data_group.{f}" for f in ("data_group_type_id", "creator_id", "prefix_path")
                    if f not in data_grp_dict]
        if missing:
            return _mandatory(missing)
        run = {
            "run_number": run_dict["run_number"], "run_alias": run_dict.get("run_alias", ""),
            "experiment_id": str(experiment_id), "sample_id": _opt(sample_id),
            "begin_at": run_dict["begin_at"], "end_at": run_dict.get("end_at", ""),
            "first_train": run_dict["first_train"], "last_train": run_dict.get("last_train", ""),
            "flg_available": run_dict.get("flg_available", "true"),
            "flg_status": run_dict.get("flg_status", "1"),
            "original_format": run_dict.get("original_format", ""),
            "system_msg": run_dict.get("system_msg", ""), "description": run_dict.get("description", ""),
            "runs_techniques_attributes": run_dict.get("runs_techniques_attributes", ""),
        }
        res, error = self._create_checked(
            "run", run, lambda: self.runs.list(run_number=run["run_number"], experiment_id=experiment_id))
        if error is not None:
            raise error
        if _failed(res):
            return res
        run_id = res["data"]["id"]
        techniques = res["data"].get("techniques", [])
        group = {
            "name": data_grp_dict.get("name", ""), "language": data_grp_dict.get("language", "en"),
            "doi": None, "data_group_type_id": data_grp_dict["data_group_type_id"],
            "experiment_id": experiment_id, "user_id": data_grp_dict["creator_id"],
            "prefix_path": data_grp_dict["prefix_path"],
            "flg_available": data_grp_dict.get("flg_available", "true"),
            "flg_writing": data_grp_dict.get("flg_writing", "false"),
            "flg_public": data_grp_dict.get("flg_public", "false"),
            "format": data_grp_dict.get("format", ""),
            "data_passport": data_grp_dict.get("data_passport", ""),
            "removed_at": data_grp_dict.get("removed_at", ""),
            "description": data_grp_dict.get("description", ""),
            "runs_data_groups_attributes": [{"run_id": run_id}],
        }
        res, error = self._create_checked(
            "data_group", group, lambda: self._run_raw_groups(experiment_id, run["run_number"],
                                                              group["data_group_type_id"]))
        if error is not None:
            undone = self._undo_run(run_id, result(error.message, {}, success=False))
            error.message = undone["info"]
            raise error
        if _failed(res):
            return self._undo_run(run_id, res)
        return result("Run registered successfully", {
            "experiment_id": str(experiment_id), "sample_id": str(sample_id), "run_id": str(run_id),
            "techniques": str(techniques), "data_group_id": str(res["data"]["id"]),
        })

    def _create_checked(self, module: str, record: dict[str, Any],
                        lookup: Callable[[], list[dict[str, Any]] | None],
                        ) -> tuple[Result, MetadataClientError | None]:
        """Create a record; when the outcome is uncertain, look for it.

        An answer lost after the request was sent (5xx, a cut or garbled body, a
        dropped connection) does not say whether the server stored the record.
        ``lookup`` then returns the matching records (None if it cannot tell):
        one found means the create worked. Returns the result dict and
        the transport error to re-raise, if the record was not found.
        """
        error: MetadataClientError | None = None
        try:
            response = getattr(self, f"create_{module}_api")({module: record})
            res = format_response(response, CREATE, 201, module)
            uncertain = not res["success"] and _uncertain(response)
        except TransportError as exc:
            if exc.unsent:
                raise
            res, error, uncertain = result(exc.message, {}, success=False), exc, True
        if not uncertain:
            return res, None
        try:
            found = lookup()
        except MetadataClientError:
            found = None
        if found:
            log.warning("the answer to creating a %s was lost, but the server stored it (id %s)",
                        module, found[-1]["id"])
            return response_success(module, CREATE, {}, found[-1]), None
        if found is None:
            note = f" (it could not be checked whether the {module} was stored)"
            if error is not None:
                error.message += note
            res = {**res, "info": res["info"] + note}
        return res, error

    def _run_raw_groups(self, experiment_id: int, run_number: Any, type_id: Any) -> list[dict] | None:
        """The RAW data groups linked to a run, found through its proposal; None if not RAW."""
        if str(type_id) != "1":
            return None
        experiment = self.experiments.get(experiment_id)
        proposal = self.proposals.get(experiment["proposal_id"])
        return [{"id": i} for i in self.runs.raw_data_group_ids(run_number, proposal["number"])]

    def _undo_run(self, run_id: int, failure: Result) -> Result:
        """Delete a run whose registration failed; report both outcomes."""
        log.warning("deleting run %s: its data group could not be created", run_id)
        try:
            undone = modules.Run.delete_by_id(self, run_id)
            if not undone["success"]:  # a lost answer, or a retried DELETE answered 404
                self.runs.get(run_id)
        except NotFoundError:
            undone = {"success": True}
        except Exception as exc:  # the rollback must not hide the first failure
            undone = {"success": False, "app_info": f"{type(exc).__name__}: {exc}"}
        if undone["success"]:
            return {**failure, "info": f"{failure['info']} (run {run_id} was deleted again)"}
        log.error("run %s could not be deleted and remains: %s", run_id, undone["app_info"])
        return {**failure, "info": f"{failure['info']} (run {run_id} could not be deleted and remains)",
                "data": {"run_id": str(run_id)}}

    def register_run_data(self, experiment_id: int, sample_id: int | None, run_id: int,
                          data_group_id: int, data_group_dict: dict[str, Any] | None,
                          data_group_files_ar: list[dict[str, Any]]) -> Result:
        """Update the run's data group (if ``data_group_dict``) and register its files."""
        missing = [n for n, v in (("experiment_id", experiment_id), ("run_id", run_id),
                                  ("data_group_id", data_group_id)) if v is None]
        if data_group_dict:
            missing += [f"data_group.{f}" for f in ("data_group_type_id", "creator_id")
                        if f not in data_group_dict]
        if not data_group_files_ar:
            missing.append("data_group_files")
        else:
            missing += [f"data_group_files[{i}].{f}" for i, file in enumerate(data_group_files_ar)
                        for f in ("filename", "relative_path") if f not in file]
        if missing:
            return _mandatory(missing)
        if data_group_dict:
            res = modules.DataGroup.update_from_dict(self, data_group_id, data_group_dict)
            if _failed(res):
                return res
        files = str(data_group_files_ar).replace(" ", "")
        res, error = self._create_checked(
            "data_file", {"data_group_id": data_group_id, "files": files},
            lambda: [f for f in self.data_files.iter(data_group_id=data_group_id)
                     if f.get("files") == files])
        if error is not None:
            raise error
        if _failed(res):
            return res
        return result("Run data registered successfully", {
            "experiment_id": str(experiment_id), "sample_id": str(sample_id), "run_id": str(run_id),
            "data_group_id": str(data_group_id), "data_file_id": str(res["data"]["id"]),
        })

    def close_run(self, experiment_id: int, sample_id: int | None, run_id: int,
                  data_group_id: int, run_dict: dict[str, Any]) -> Result:
        """Close a run: set its end, last train and status (2, closed, unless given).

        The caller's ``run_dict`` is not changed.
        """
        if not isinstance(run_dict, dict):
            return _mandatory(["run must be a Hash", "run.end_at", "run.last_train"])
        if run_dict:
            missing = [f"run.{f}" for f in ("end_at", "last_train") if f not in run_dict]
            if missing:
                return _mandatory(missing)
        update = {**run_dict, "run_id": run_id, "experiment_id": experiment_id, "sample_id": sample_id}
        update.setdefault("flg_status", 2)
        res = modules.Run.update_from_dict(self, run_id, update)
        if _failed(res):
            return res
        return result("Run closed successfully", {
            "experiment_id": str(experiment_id), "sample_id": str(sample_id), "run_id": str(run_id),
            "techniques": str(res["data"].get("techniques", [])),
        })

    def register_run_data_and_results(self, experiment_id: int, sample_id: int | None,
                                      run_dict: dict[str, Any], data_group_dict: dict[str, Any],
                                      data_group_files_ar: list[dict[str, Any]] | None) -> Result:
        """Register a run, its files (if any) and close it, in one call.

        On a failure after the run exists, the result's ``data`` names the
        records that exist (``run_id``, ``data_group_id``, ``data_file_id``,
        None where not created) so the caller knows what remains.
        """
        registered = self.register_run(experiment_id, sample_id, run_dict, data_group_dict)
        if _failed(registered):
            return registered
        ids: dict[str, Any] = {"experiment_id": str(experiment_id), "sample_id": str(sample_id),
                               "run_id": registered["data"]["run_id"],
                               "data_group_id": registered["data"]["data_group_id"],
                               "data_file_id": None}
        if data_group_files_ar:
            res = self.register_run_data(experiment_id, sample_id, ids["run_id"], ids["data_group_id"],
                                         data_group_dict, data_group_files_ar)
            if _failed(res):
                return {**res, "data": ids}
            ids["data_file_id"] = res["data"]["data_file_id"]
        res = self.close_run(experiment_id, sample_id, ids["run_id"], ids["data_group_id"], run_dict)
        if _failed(res):
            return {**res, "data": ids}
        return result("Run closed successfully", ids)

    # -- replicas --------------------------------------------------------------
    def register_run_replica(self, proposal_number: int | str, run_number: int,
                             repository_identifier: str) -> Result:
        """Mark the run's RAW data groups as available in a repository."""
        return self._set_replica(proposal_number, run_number, repository_identifier, True)

    def unregister_run_replica(self, proposal_number: int | str, run_number: int,
                               repository_identifier: str) -> Result:
        """Mark the run's RAW data groups as no longer available in a repository."""
        return self._set_replica(proposal_number, run_number, repository_identifier, False)

    def get_run_register_repositories(self, proposal_number: int | str, run_number: int,
                                      repository_identifier: str) -> Result:
        """Read where the run's RAW data groups are registered in a repository.

        Unlike 4.2.1 (which unregistered the replica), this only reads: ``data``
        lists the existing ``{data_group_id, repository_id, flg_available}`` rows.
        """
        found = self._replica_targets(proposal_number, run_number, repository_identifier)
        if isinstance(found, dict):
            return found
        repository_id, group_ids = found
        rows = []
        for group_id in group_ids:
            res = modules.DataGroupRepository.get_all_by_data_group_id_and_repository_id(self, group_id, repository_id)
            rows += [{"data_group_id": str(group_id), "repository_id": str(repository_id),
                      "flg_available": str(row.get("flg_available")).lower()}
                     for row in (res["data"] if res["success"] else [])]
        return result("Got run replica repositories successfully", rows)

    def _replica_targets(self, proposal_number: Any, run_number: Any,
                         repository_identifier: str) -> Result | tuple[int, list[int]]:
        """(repository id, RAW data group ids) of a run, or the failure dict."""
        res = modules.Repository.get_all_by_identifier(self, repository_identifier)
        if _failed(res):
            return res
        if not res["data"]:  # an empty list written as '[ ]' would pass as a success
            return {**res, "success": False, "info": "Error getting repository", "data": {}}
        repository_id = res["data"][0]["id"]
        res = modules.Run.get_all_raw_data_groups(self, run_number, proposal_number)
        if _failed(res):
            return res
        return repository_id, list(res["data"])

    def _set_replica(self, proposal_number: Any, run_number: Any, repository_identifier: str,
                     available: bool) -> Result:
        found = self._replica_targets(proposal_number, run_number, repository_identifier)
        if isinstance(found, dict):
            return found
        repository_id, group_ids = found
        flag = "true" if available else "false"
        rows = []
        for group_id in group_ids:
            res = modules.DataGroupRepository.set_from_dict(
                self, {"data_group_id": group_id, "repository_id": repository_id, "flg_available": flag})
            if _failed(res):
                return res
            rows.append({"data_group_id": str(group_id), "repository_id": str(repository_id),
                         "flg_available": flag})
        verb = "registered" if available else "unregistered"
        return result(f"Run replica {verb} successfully", rows)

    # -- data source groups ----------------------------------------------------
    def get_data_source_group(self, data_source_group_name: str) -> Result:
        """Data source groups with this name."""
        res = modules.DataSourceGroup.get_by_name(self, data_source_group_name)
        _failed(res)
        return res

    def get_data_source_group_version(self, data_source_group_id: int, version_name: str) -> Result:
        """Versions of a data source group with this name."""
        res = modules.DataSourceGroupVersion.get(self, data_source_group_id, version_name)
        _failed(res)
        return res

    def update_data_source_group_version(self, id: int, params: dict[str, Any]) -> Result:
        """Change a data source group version (``params`` sent as given)."""
        res = modules.DataSourceGroupVersion.update(self, id, params)
        _failed(res)
        return res

    def get_data_source_group_version_by_name(self, group_name: str, version_name: str) -> dict[str, Any] | None:
        """The version record of a group's version by names, or None (as in 4.2.1)."""
        res = self.get_data_source_group(group_name)
        if not res["success"] or not res["data"]:
            return None
        res = self.get_data_source_group_version(res["data"][0]["id"], version_name)
        if not res["success"] or not res["data"]:
            return None
        return res["data"][0]

    def deploy_data_source_group_version(self, group_name: str, version_name: str) -> Result:
        """Mark a data source group version as deployed (``flg_status`` 'D')."""
        version = self.get_data_source_group_version_by_name(group_name, version_name)
        if not version:
            return result("DSG version not found", {}, success=False)
        deployed = modules.DataSourceGroupVersion.FLG_STATUS_DEPLOYED
        if version.get("flg_status") == deployed:
            return result("DSG version already marked as deployed. Nothing to do.", {})
        res = self.update_data_source_group_version(
            version["id"], {"last_deployed_at": None, "flg_status": deployed})
        if not res["success"]:
            return res
        return result("DSG version deployed successfully", {})
