"""Project-level facts a newcomer relies on: the README's commands, versions, imports."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import metadata_client

ROOT = Path(__file__).resolve().parent.parent


def readme_commands() -> list[str]:
    return [line.strip() for line in (ROOT / "README.md").read_text().splitlines()
            if line.startswith("    python3 -m venv")]


def test_readme_starts_with_demo_and_test_commands() -> None:
    first, second = readme_commands()[:2]
    assert first.endswith("python -m metadata_client.demo")
    assert "'.[test]'" in second and second.endswith("python -m pytest -q")
    head = (ROOT / "README.md").read_text()[:600]
    assert first in head and second in head


def test_ci_runs_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text()
    assert readme_commands()[1] in ci


def test_version_is_semantic_and_single_sourced() -> None:
    assert re.fullmatch(r"\d+\.\d+\.\d+(\.dev\d+|rc\d+)?", metadata_client.__version__)
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert 'version = { attr = "metadata_client.__version__" }' in pyproject
    assert metadata_client.__version__ in (ROOT / "HISTORY.rst").read_text()


def test_import_needs_no_network_and_no_emulator_dependencies() -> None:
    code = ("import sys, socket\n"
            "def refuse(*a, **k): raise AssertionError('network at import')\n"
            "socket.socket.connect = refuse\n"
            "import metadata_client, metadata_client.pytest_plugin\n"
            "assert 'werkzeug' not in sys.modules, 'werkzeug imported'\n"
            "assert 'oauthlib' not in sys.modules, 'oauthlib imported before a token is needed'\n"
            "print(metadata_client.__version__)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == metadata_client.__version__


def test_library_code_never_prints() -> None:
    allowed = {"demo.py", "cli.py", "__main__.py"}
    offenders = [str(p.relative_to(ROOT)) for p in (ROOT / "metadata_client").rglob("*.py")
                 if p.name not in allowed and re.search(r"^\s*print\(", p.read_text(), re.M)]
    assert offenders == []
