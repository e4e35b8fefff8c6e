"""Every ``mymdc`` command against the emulator's ``test`` seed, through ``main(argv)``."""

from __future__ import annotations

import io

import pytest

from metadata_client import __version__
from metadata_client.cli.app import COMMANDS
from metadata_client.cli.output import Progress, cell, table

from cli_helpers import SECRET, Run

pytestmark = pytest.mark.usefixtures("env")


def test_version(mymdc: Run) -> None:
    res = mymdc("--version")
    assert (res.code, res.out.strip()) == (0, f"mymdc {__version__}")


def test_no_command_prints_the_help(mymdc: Run) -> None:
    res = mymdc()
    assert res.code == 2 and "COMMAND" in res.err and "proposal" in res.err


@pytest.mark.parametrize("argv", [[], *([name] for name in COMMANDS), ["config", "check"]])
def test_every_command_has_help(mymdc: Run, argv: list[str]) -> None:
    res = mymdc(*argv, "--help")
    assert SECRET not in res.out
    assert res.code == 0 and res.out.startswith(f"usage: mymdc {' '.join(argv[:1])}".rstrip())


def test_instruments_table(mymdc: Run) -> None:
    res = mymdc("instruments")
    assert res.code == 0, res.err
    header, rule, *rows = res.out.splitlines()
    assert header.split() == ["id", "identifier", "name", "facility_id", "flg_available"]
    assert set(rule) == {"-", " "}
    assert any(" SPB " in row for row in rows) and any(" FXE " in row for row in rows)


def test_data_group_types_json_and_raw(mymdc: Run) -> None:
    records = mymdc("data-group-types", "--json").json()
    assert [t["identifier"] for t in records[:6]] == ["RAW", "CAL", "PROC", "REDU", "SIM", "UNK"]
    raw = mymdc("data-group-types", "--raw", "--json").json()
    assert raw["success"] is True and raw["data"] == records and "X-Total-Count" in raw["pagination"]


def test_paging_note_on_stderr(mymdc: Run) -> None:
    res = mymdc("data-group-types", "--page-size", "2", "--json")
    assert len(res.json()) == 2 and "page 1 of 4" in res.err


def test_proposal_info(mymdc: Run) -> None:
    res = mymdc("proposal", "900061")
    assert res.code == 0
    assert res.out.splitlines()[0].split() == ["number", "900061"]
    assert "p900061" in res.out
    assert mymdc("proposal", "0", "info", "--json").json()["id"] == -1


def test_proposal_runs(mymdc: Run) -> None:
    res = mymdc("proposal", "0", "runs")
    assert res.code == 0, res.err
    title, blank, header, rule, first, second = res.out.splitlines()
    assert title.startswith("Proposal 0: ") and blank == ""
    assert header.split()[:3] == ["run", "id", "status"]
    assert first.split()[:2] == ["1", "-1"] and "XFEL_TESTS_REPO" in first
    assert second.split()[:2] == ["2", "-2"]
    runs = mymdc("proposal", "0", "runs", "--json").json()
    assert [r["run_number"] for r in runs] == [1, 2]
    raw = mymdc("proposal", "0", "runs", "--raw").json()
    assert raw["data"]["proposal"]["number"] == 0 and raw["info"] == "Got proposal successfully"


def test_proposal_samples_and_experiments(mymdc: Run) -> None:
    samples = mymdc("proposal", "0", "samples", "--json").json()
    assert samples and all(s["proposal_id"] == -1 for s in samples)
    experiments = mymdc("proposal", "0", "experiments", "--json")
    assert experiments.code == 0 and all(e["proposal_id"] == -1 for e in experiments.json())


def test_no_records_is_not_an_error(mymdc: Run) -> None:
    # 4.2.1's facade reports an empty list as a failure with app_info {}: the CLI shows no records.
    res = mymdc("proposal", "900966", "samples")
    assert (res.code, res.out.strip(), res.err) == (0, "(no records)", "")
    assert mymdc("proposal", "900966", "samples", "--json").json() == []
    assert mymdc("proposal", "900966", "samples", "--raw").json()["app_info"] == {}


def test_runs_one_run_of_a_proposal(mymdc: Run) -> None:
    res = mymdc("runs", "2", "--proposal", "0")
    assert res.code == 0
    assert res.out.splitlines()[1].split() == ["run_number", "2"]
    assert mymdc("runs", "1", "-p", "0", "--json").json()["id"] == -1
    missing = mymdc("runs", "77", "--proposal", "0")
    assert missing.code == 1 and "proposal 0 has no run 77" in missing.err


def test_replica_register_list_unregister(mymdc: Run, raw_run: int) -> None:
    base = ("0", "126", "XFEL_GPFS_OFFLINE_RAW_CC")
    assert mymdc("replica", "list", *base, "--json").json() == []
    res = mymdc("replica", "register", *base)
    assert res.code == 0, res.err
    assert res.out.startswith("Run 126 of proposal 0: registered in XFEL_GPFS_OFFLINE_RAW_CC")
    assert res.out.splitlines()[-1].split() == [str(raw_run), "11", "true"]
    listed = mymdc("replica", "list", *base, "--json").json()
    assert listed == [{"data_group_id": str(raw_run), "repository_id": "11", "flg_available": "true"}]
    raw = mymdc("replica", "unregister", *base, "--raw").json()
    assert raw["info"] == "Run replica unregistered successfully"
    assert raw["data"][0]["flg_available"] == "false"
    assert mymdc("replica", "list", *base, "--json").json()[0]["flg_available"] == "false"


def test_replica_errors_say_what_is_missing(mymdc: Run, raw_run: int) -> None:
    repo = mymdc("replica", "register", "0", "126", "NO_SUCH_REPO")
    assert repo.code == 1 and "no repository 'NO_SUCH_REPO'" in repo.err
    run = mymdc("replica", "register", "0", "999", "XFEL_GPFS_OFFLINE_RAW_CC")
    assert run.code == 1 and "run 999 of proposal 0 has no RAW data group" in run.err


def test_get(mymdc: Run) -> None:
    res = mymdc("get", "repositories", "11")
    assert res.code == 0
    assert "XFEL_GPFS_OFFLINE_RAW_CC" in res.out and res.out.splitlines()[0].split() == ["id", "11"]
    assert mymdc("get", "data-group-types", "1", "--json").json()["identifier"] == "RAW"


def test_list_with_filters_and_pages(mymdc: Run) -> None:
    res = mymdc("list", "samples", "--filter", "proposal_id=-1", "--json")
    assert res.code == 0 and res.json() and all(s["proposal_id"] == -1 for s in res.json())
    first = mymdc("list", "data_group_types", "--page-size", "2", "--json")
    assert len(first.json()) == 2 and "--page 2" in first.err
    second = mymdc("list", "data_group_types", "--page", "2", "--page-size", "2", "--json").json()
    assert {t["id"] for t in second}.isdisjoint(t["id"] for t in first.json())


def test_list_all_pages_through_the_manager_iterator(mymdc: Run) -> None:
    every = mymdc("list", "data-group-types", "--all", "--page-size", "2", "--json")
    assert every.code == 0 and every.err == ""  # no progress drawn: stderr is not a terminal
    assert [t["identifier"] for t in every.json()] == ["RAW", "CAL", "PROC", "REDU", "SIM", "UNK", "OPK_1"]


def test_columns_option(mymdc: Run) -> None:
    res = mymdc("instruments", "--columns", "identifier,name")
    assert res.out.splitlines()[0].split() == ["identifier", "name"]


def test_demo(mymdc: Run) -> None:
    res = mymdc("demo")
    assert res.code == 0 and "all examples succeeded" in res.out


def test_table_truncates_long_values() -> None:
    text = table([{"id": 1, "title": "x" * 300}, {"id": 22, "title": "short"}], ["id", "title"], width=40)
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= 40 and lines[2].endswith("…")
    assert lines[3].startswith("22")
    assert cell("2024-03-04T08:00:00.000+00:00") == "2024-03-04 08:00Z"
    assert cell({"XFEL_TESTS_REPO": {}}) == "XFEL_TESTS_REPO"


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_only_on_a_terminal() -> None:
    terminal, pipe = _Terminal(), io.StringIO()
    assert list(Progress("fetched", terminal, interval=0).count("abc")) == ["a", "b", "c"]
    assert list(Progress("fetched", pipe).count("abc")) == ["a", "b", "c"]
    assert terminal.getvalue().endswith("\r3 fetched\n") and pipe.getvalue() == ""
