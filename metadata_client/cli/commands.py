"""The ``mymdc`` commands: each one a handler in :data:`COMMANDS`.

A handler takes the :class:`Context` and the parsed arguments and returns an
:class:`~.output.Output`; :mod:`.app` prints it and turns errors into exit
codes. Handlers that call a facade method pass its result dict through
:func:`checked`, so a ``success`` False answer becomes :class:`FacadeFailure`.
"""

from __future__ import annotations

import argparse
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

from .config import Settings
from .diagnose import check
from .output import Output, Progress

if TYPE_CHECKING:  # pragma: no cover
    from ..client import MetadataClient

log = logging.getLogger("metadata_client.cli")

RUN_COLUMNS = [("run_number", "run"), "id", ("flg_status", "status"), ("flg_run_quality", "quality"),
               ("num_files", "files"), "begin_at", "repositories"]
TYPE_COLUMNS = ["id", "identifier", "name", "flg_available", "description"]
INSTRUMENT_COLUMNS = ["id", "identifier", "name", "facility_id", "flg_available"]
SAMPLE_COLUMNS = ["id", "name", "sample_type_id", "flg_available", "description"]
EXPERIMENT_COLUMNS = ["id", "name", "experiment_type_id", "flg_available", "description"]
REPLICA_COLUMNS = ["data_group_id", "repository_id", "flg_available"]
PROPOSAL_FIELDS = ["number", "id", "title", "instrument_identifier", "instrument_cycle_id",
                   "flg_beamtime_status", "begin_at", "end_at", "beamtime_start_at", "beamtime_end_at",
                   "proposal_folder", "def_proposal_path", "doi", "url", "abstract"]


class FacadeFailure(Exception):
    """A facade method answered ``success`` False (exit code 1)."""

    def __init__(self, result: dict[str, Any], message: str | None = None) -> None:
        super().__init__(message or _server_words(result))
        self.result = result


def _server_words(result: dict[str, Any]) -> str:
    info, app_info = result.get("info") or "request failed", result.get("app_info")
    return f"{info}: {app_info}" if app_info not in (None, "", {}) else str(info)


def _empty_answer(result: dict[str, Any]) -> bool:
    # 4.2.1 reports a 200 whose body is ``[]`` as a failure with app_info {}.
    return not result.get("success") and result.get("app_info") == {} and not result.get("data")


def checked(result: dict[str, Any], *, empty: str | None = None) -> dict[str, Any]:
    """Return a facade result dict if it succeeded; raise :class:`FacadeFailure` if not.

    An empty answer (which 4.2.1 reports as a failure) is returned as it is
    and shows as no records, unless ``empty`` says why nothing found is an
    error here.
    """
    if result.get("success"):
        return result
    if _empty_answer(result) and empty is None:
        log.debug("%r is an empty answer; shown as no records", result.get("info"))
        return result
    raise FacadeFailure(result, empty if _empty_answer(result) else None)


def _more_pages(result: dict[str, Any]) -> list[str]:
    pages = result.get("pagination") or {}
    try:
        current, total = int(pages.get("X-Current-Page") or 1), int(pages.get("X-Total-Pages") or 1)
    except ValueError:
        return []
    return [f"page {current} of {total}; see the others with --page N"] if total > current else []


def facade_output(result: dict[str, Any], columns: Any, *, title: str | None = None,
                  records: Any = None) -> Output:
    """The :class:`Output` of a :func:`checked` facade result (its ``data`` unless ``records``)."""
    if records is None:
        records = result["data"] if result.get("success") else []
    return Output(records, columns, title, raw=result, notes=_more_pages(result))


class Context:
    """What a handler may use: the arguments, the settings and a client, made on first use."""

    def __init__(self, args: argparse.Namespace, settings: Callable[[], Settings]) -> None:
        self.args = args
        self._make_settings = settings
        self._settings: Settings | None = None
        self._client: MetadataClient | None = None

    @property
    def settings(self) -> Settings:
        """The effective settings (resolved on first use; raises ConfigError)."""
        if self._settings is None:
            self._settings = self._make_settings()
        return self._settings

    @property
    def resolved(self) -> Settings | None:
        """The settings if they were resolved already, else None."""
        return self._settings

    @property
    def client(self) -> MetadataClient:
        """A ``MetadataClient`` for the settings (made on first use)."""
        if self._client is None:
            self._client = self.settings.client()
        return self._client

    def close(self) -> None:
        """Release the client's connections, if one was made."""
        if self._client is not None:
            self._client.close()


# -- the handlers --------------------------------------------------------------------

def instruments(ctx: Context, args: argparse.Namespace) -> Output:
    """The European XFEL instruments (facade ``get_all_xfel_instruments``)."""
    res = checked(ctx.client.get_all_xfel_instruments(args.page, args.page_size))
    return facade_output(res, INSTRUMENT_COLUMNS)


def data_group_types(ctx: Context, args: argparse.Namespace) -> Output:
    """Every data group type (facade ``get_all_data_group_types``)."""
    res = checked(ctx.client.get_all_data_group_types(args.page, args.page_size))
    return facade_output(res, TYPE_COLUMNS)


def _proposal_title(proposal: dict[str, Any]) -> str:
    return f"Proposal {proposal.get('number')}: {proposal.get('title') or ''}".rstrip(": ")


def _proposal_info(client: MetadataClient, args: argparse.Namespace) -> Output:
    proposal = client.proposals.by_number(args.number)
    return Output(proposal, [f for f in PROPOSAL_FIELDS if proposal.get(f) not in (None, "")])


def _proposal_runs(client: MetadataClient, args: argparse.Namespace) -> Output:
    res = checked(client.get_proposal_runs(args.number, page=args.page, page_size=args.page_size))
    data = res["data"]
    return facade_output(res, RUN_COLUMNS, title=_proposal_title(data.get("proposal", {})),
                         records=data.get("runs", []))


def _proposal_samples(client: MetadataClient, args: argparse.Namespace) -> Output:
    res = checked(client.get_proposal_samples(args.number, page=args.page, page_size=args.page_size))
    return facade_output(res, SAMPLE_COLUMNS)


def _proposal_experiments(client: MetadataClient, args: argparse.Namespace) -> Output:
    return facade_output(checked(client.get_proposal_experiments(args.number)), EXPERIMENT_COLUMNS)


PROPOSAL_VIEWS: dict[str, Callable[[MetadataClient, argparse.Namespace], Output]] = {
    "info": _proposal_info,
    "runs": _proposal_runs,
    "samples": _proposal_samples,
    "experiments": _proposal_experiments,
}


def proposal(ctx: Context, args: argparse.Namespace) -> Output:
    """One proposal: its record, runs, samples or experiments."""
    return PROPOSAL_VIEWS[args.view](ctx.client, args)


def run(ctx: Context, args: argparse.Namespace) -> Output:
    """Run ``args.run`` of proposal ``args.proposal`` as the proposal-runs summary gives it."""
    res = checked(ctx.client.get_proposal_runs(args.proposal, run_number=args.run))
    runs = res["data"].get("runs") or []
    if not runs:
        raise FacadeFailure(res, f"proposal {args.proposal} has no run {args.run}")
    return facade_output(res, None, records=runs[0])


REPLICA_TITLES = {
    "register": "Run {run} of proposal {proposal}: registered in {repository}",
    "unregister": "Run {run} of proposal {proposal}: unregistered from {repository}",
    "list": "Run {run} of proposal {proposal}: replica records in {repository}",
}


def replica(ctx: Context, args: argparse.Namespace) -> Output:
    """Register, unregister or list a run's replica in a repository (facade methods)."""
    client = ctx.client
    method = {"register": client.register_run_replica, "unregister": client.unregister_run_replica,
              "list": client.get_run_register_repositories}[args.action]
    res = method(args.proposal, args.run, args.repository)
    where = (f"no repository {args.repository!r}" if "repositor" in str(res.get("info"))
             else f"run {args.run} of proposal {args.proposal} has no RAW data group (or does not exist)")
    res = checked(res, empty=where)
    title = REPLICA_TITLES[args.action].format(**vars(args))
    return facade_output(res, REPLICA_COLUMNS, title=f"{title} ({len(res['data'])} RAW data group(s))")


def get(ctx: Context, args: argparse.Namespace) -> Output:
    """One record of a resource, by id (``client.<resource>.get``)."""
    return Output(getattr(ctx.client, args.resource).get(args.id))


def list_records(ctx: Context, args: argparse.Namespace) -> Output:
    """Records of a resource, one page or (``--all``) every page."""
    manager = getattr(ctx.client, args.resource)
    filters = dict(args.filter or [])
    if args.all:
        progress = Progress(f"{args.resource} fetched")
        return Output(list(progress.count(manager.iter(page_size=args.page_size, **filters))))
    records = manager.list(page=args.page, page_size=args.page_size, **filters)
    notes = [f"page {args.page} is full; there may be more: use --all or --page {args.page + 1}"] \
        if len(records) == args.page_size else []
    return Output(records, notes=notes)


def config_show(ctx: Context, args: argparse.Namespace) -> Output:
    """The effective settings and where each comes from, the secret masked."""
    settings = ctx.settings
    where = settings.config_file or "none found"
    return Output(settings.rows(), ["setting", "value", "source"], title=f"config file: {where}")


def config_check(ctx: Context, args: argparse.Namespace) -> Output:
    """Fetch a token and ask who we are; say in words what is wrong."""
    return check(ctx.settings)


# -- the table of commands ------------------------------------------------------------

@dataclass(frozen=True)
class Command:
    """A command: its handler, its help, and the function that declares its arguments.

    A handler returns an :class:`Output` to print, or an exit code when it
    printed by itself. ``local`` commands (``serve``, ``demo``) take none of
    the connection and output options.
    """

    run: Callable[[Context, argparse.Namespace], Output | int]
    help: str
    arguments: Callable[[argparse.ArgumentParser], Any] = lambda parser: None
    local: bool = False
