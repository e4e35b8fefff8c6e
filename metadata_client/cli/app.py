"""The ``mymdc`` parser, the table of commands, and :func:`main`.

Exit codes: 0 success, 1 the API said no (an error status or ``success``
False), 2 bad usage or input (argparse, ValueError, configuration), 3 the
credentials or user e-mail were refused, 4 the server could not be reached
(or TLS failed), 130 interrupted.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
from typing import Callable, Iterator, Sequence

from .. import __version__
from ..emulator import cli as emulator_cli
from ..errors import MetadataClientError
from ..resources.table import RESOURCES
from . import commands
from .commands import Command, Context, FacadeFailure
from .config import KEYS, MASK, SECRET, Settings, resolve
from .diagnose import EXIT_API, EXIT_USAGE, CheckFailed, describe, exit_code
from .output import Output, render, to_json

log = logging.getLogger("metadata_client.cli")

PROG = "mymdc"
EXIT_INTERRUPTED = 130
MIN_SECRET = 8
SECRET_WARNING = ("--client-secret is visible to other users of this machine (process list, shell "
                  "history); prefer MYMDC_CLIENT_SECRET or client_secret in a private config file")
READABLE = sorted(r.path for r in RESOURCES if "R" in r.verbs)
LISTABLE = sorted(r.path for r in RESOURCES
                  if any(e.method == "GET" and e.path == f"{r.path}/" for e in r.endpoints.values()))


# -- argument types --------------------------------------------------------------------

def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def _number(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a number >= 0, got {text!r}")
    return value


def _resource(choices: Sequence[str]) -> Callable[[str], str]:
    def parse(text: str) -> str:
        name = text.replace("-", "_")
        if name not in choices:
            raise argparse.ArgumentTypeError(f"unknown resource {text!r} (choose from {', '.join(choices)})")
        return name
    return parse


def _filter(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"a filter is key=value, got {text!r}")
    return key, value


def _columns(text: str) -> list[str]:
    return [c.strip() for c in text.split(",") if c.strip()]


# -- the arguments of each command ---------------------------------------------------------

def _paging(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--page", type=_positive, default=1, help="page number (default: 1)")
    parser.add_argument("--page-size", type=_positive, default=100,
                        help="records per page (default: 100, at most 500)")


def _proposal_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("number", type=_number, help="proposal number, e.g. 900061")
    parser.add_argument("view", nargs="?", choices=list(commands.PROPOSAL_VIEWS), default="info",
                        help="what to show (default: info)")
    _paging(parser)


def _run_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("run", type=_number, help="run number")
    parser.add_argument("--proposal", "-p", type=_number, required=True, help="proposal number")


def _replica_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", choices=("register", "unregister", "list"),
                        help="mark the run's RAW data as available there, as no longer there, or "
                             "list where it is registered (list only reads)")
    parser.add_argument("proposal", type=_number, help="proposal number")
    parser.add_argument("run", type=_number, help="run number")
    parser.add_argument("repository", help="repository identifier, e.g. XFEL_GPFS_OFFLINE_RAW_CC")


def _resource_arg(parser: argparse.ArgumentParser, choices: Sequence[str]) -> None:
    parser.add_argument("resource", type=_resource(choices), metavar="RESOURCE",
                        help=f"one of: {', '.join(choices)} ('-' may stand for '_')")


def _get_args(parser: argparse.ArgumentParser) -> None:
    _resource_arg(parser, READABLE)
    parser.add_argument("id", help="the record's id")


def _list_args(parser: argparse.ArgumentParser) -> None:
    _resource_arg(parser, LISTABLE)
    parser.add_argument("--filter", "-f", type=_filter, action="append", metavar="KEY=VALUE",
                        help="exact-match filter (repeatable); unknown keys are refused with the allowed list")
    parser.add_argument("--all", action="store_true", help="fetch every page (progress on stderr)")
    _paging(parser)


def _config_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", nargs="?", choices=("show", "check"), default="show",
                        help="show: the effective settings and their sources (secret masked); "
                             "check: fetch a token and GET me, saying what is wrong (default: show)")


def _config(ctx: Context, args: argparse.Namespace) -> Output:
    return (commands.config_check if args.action == "check" else commands.config_show)(ctx, args)


def _serve(ctx: Context, args: argparse.Namespace) -> int:
    return emulator_cli.serve(args)


def _demo(ctx: Context, args: argparse.Namespace) -> int:
    from .. import demo

    return demo.main([])


COMMANDS: dict[str, Command] = {
    "instruments": Command(commands.instruments, "list the European XFEL instruments", _paging),
    "data-group-types": Command(commands.data_group_types, "list the data group types (RAW, CAL, ...)",
                                _paging),
    "proposal": Command(commands.proposal, "show a proposal, or its runs, samples or experiments",
                        _proposal_args),
    "runs": Command(commands.run, "show one run of a proposal (its summary: status, files, replicas)",
                    _run_args),
    "replica": Command(commands.replica, "register, unregister or list a run's replica in a repository",
                       _replica_args),
    "get": Command(commands.get, "show one record of any resource by id", _get_args),
    "list": Command(commands.list_records, "list records of any resource, with filters", _list_args),
    "config": Command(_config, "show the effective configuration, or check it against the server",
                      _config_args),
    "serve": Command(_serve, "run a local myMdC emulator (same options as python -m "
                     "metadata_client.emulator)", emulator_cli.build_parser, local=True),
    "demo": Command(_demo, "run the README's examples against a throw-away local emulator",
                    local=True),
}


# -- the parser --------------------------------------------------------------------------

def _common_options(defaults: bool) -> argparse.ArgumentParser:
    """The options every command takes; ``defaults`` False leaves unset ones out of the namespace."""
    parser = argparse.ArgumentParser(add_help=False, argument_default=None if defaults else argparse.SUPPRESS)
    connection = parser.add_argument_group("connection (flags > MYMDC_* environment > config file > defaults)")
    connection.add_argument("--url", help="myMdC application URL; token and API URLs derive from it "
                                          "(MYMDC_URL; default https://in.xfel.eu/metadata)")
    connection.add_argument("--token-url", help="OAuth2 token URL (MYMDC_TOKEN_URL; default <url>/oauth/token)")
    connection.add_argument("--api-url", help="API base URL (MYMDC_API_URL; default <url>/api/)")
    connection.add_argument("--client-id", help="OAuth2 client id (MYMDC_CLIENT_ID)")
    connection.add_argument("--client-secret", metavar="SECRET",
                            help="OAuth2 client secret; shows in the process list, so prefer "
                                 "MYMDC_CLIENT_SECRET or the config file")
    connection.add_argument("--user-email", help="e-mail of the user you act as (MYMDC_USER_EMAIL)")
    connection.add_argument("--ssl-verify", metavar="true|false|CA_BUNDLE",
                            help="verify TLS certificates, or the CA bundle to use (MYMDC_SSL_VERIFY)")
    connection.add_argument("--timeout", metavar="SECONDS", help="bound of each call (MYMDC_TIMEOUT; default 12)")
    connection.add_argument("--config", metavar="PATH",
                            help="config file (MYMDC_CONFIG; default $XDG_CONFIG_HOME/mymdc/config.toml)")
    connection.add_argument("--profile", help="[profiles.NAME] of the config file (MYMDC_PROFILE; default: default)")
    out = parser.add_argument_group("output")
    out.add_argument("--json", action="store_true", help="print the records as JSON")
    out.add_argument("--raw", action="store_true",
                     help="print the facade's whole result dict as JSON (other commands: as --json)")
    out.add_argument("--columns", type=_columns, metavar="A,B,...", help="table columns to show")
    out.add_argument("-v", "--verbose", action="store_true", help="log requests and diagnostics to stderr")
    return parser


def build_parser() -> argparse.ArgumentParser:
    """The ``mymdc`` argument parser (common options also work after the command)."""
    parser = argparse.ArgumentParser(
        prog=PROG, parents=[_common_options(True)],
        description="Command line for myMdC, the European XFEL Metadata Catalogue.",
        epilog="exit codes: 0 ok, 1 API error, 2 usage, 3 authentication, 4 connection. "
               "Run 'mymdc COMMAND --help' for a command's options.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    common = _common_options(False)
    for name, command in COMMANDS.items():
        child = sub.add_parser(name, help=command.help, description=command.help,
                               parents=[] if command.local else [common],
                               usage=None if command.local else _usage(name, command))
        command.arguments(child)
    return parser


def _usage(name: str, command: Command) -> str:
    """The usage line of a command without the common options (listed by its --help)."""
    bare = argparse.ArgumentParser(prog=f"{PROG} {name}")
    command.arguments(bare)
    words = bare.format_usage().split()[1:]  # without "usage:"
    return " ".join(words[:2] + ["[common options]"] + words[2:])


# -- running a command ------------------------------------------------------------------------

class Console(logging.Formatter):
    """The one way out to the terminal: writes lines, formats log records as
    ``mymdc: level: message``, and masks the client secret in all of it."""

    def __init__(self) -> None:
        super().__init__("%(message)s")
        self.secrets: set[str] = set()

    def __call__(self, text: str) -> str:
        for secret in self.secrets:
            if len(secret) >= MIN_SECRET:  # masking a short one would garble ordinary words
                text = text.replace(secret, MASK)
        return text

    def format(self, record: logging.LogRecord) -> str:
        return self(f"{PROG}: {record.levelname.lower()}: {super().format(record)}")

    def out(self, text: str) -> None:
        """Write a line to stdout."""
        sys.stdout.write(self(text) + "\n")

    def err(self, text: str) -> None:
        """Write a line to stderr, prefixed with the program name."""
        sys.stderr.write(self(f"{PROG}: {text}") + "\n")


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is at the time (pytest swaps it)."""

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stderr
        super().emit(record)


@contextlib.contextmanager
def _diagnostics(verbose: bool, enabled: bool = True) -> Iterator[Console]:
    """Send warnings (and with ``verbose`` debug logs) to stderr for one run, then restore.

    Not ``enabled`` for ``serve`` and ``demo``, which set up their own logging.
    """
    console = Console()
    if not enabled:
        yield console
        return
    handler = _StderrHandler()
    handler.setFormatter(console)
    package, cli = logging.getLogger("metadata_client"), log
    saved = package.level, cli.level
    package.addHandler(handler)
    package.setLevel(logging.DEBUG if verbose else logging.ERROR)
    cli.setLevel(logging.DEBUG if verbose else logging.WARNING)
    try:
        yield console
    finally:
        package.removeHandler(handler)
        package.setLevel(saved[0])
        cli.setLevel(saved[1])


def _settings(args: argparse.Namespace, console: Console) -> Callable[[], Settings]:
    def make() -> Settings:
        flags = {key: getattr(args, key, None) for key in KEYS}
        if flags[SECRET]:
            console.secrets.add(str(flags[SECRET]))
            log.warning(SECRET_WARNING)
        settings = resolve(flags, os.environ, args.config, args.profile)
        if settings.secret:
            console.secrets.add(settings.secret)
        return settings
    return make


def _emit(out: Output, args: argparse.Namespace, console: Console) -> None:
    if args.raw and out.raw is not None:
        text = to_json(out.raw)
    elif args.json or args.raw:
        text = to_json(out.records)
    else:
        text = render(out, args.columns)
    console.out(text)
    for note in out.notes:
        console.err(f"note: {note}")


def _fail(message: str, code: int, console: Console) -> int:
    console.err(f"error: {message}")
    return code


def _run(args: argparse.Namespace, console: Console) -> int:
    ctx = Context(args, _settings(args, console))
    try:
        out = COMMANDS[args.command].run(ctx, args)
        if isinstance(out, int):
            return out
        _emit(out, args, console)
        return 0
    except FacadeFailure as exc:
        if args.raw:
            console.out(to_json(exc.result))
        return _fail(str(exc), EXIT_API, console)
    except CheckFailed as exc:
        return _fail(str(exc), exc.code, console)
    except MetadataClientError as exc:
        return _fail(describe(exc, ctx.resolved), exit_code(exc), console)
    except (ValueError, NotImplementedError) as exc:  # ConfigError too
        return _fail(str(exc), EXIT_USAGE, console)
    except ImportError as exc:
        return _fail(f"{exc}; install the emulator extra: pip install 'metadata_client[emulator]'",
                     EXIT_USAGE, console)
    except KeyboardInterrupt:
        return _fail("interrupted", EXIT_INTERRUPTED, console)
    finally:
        ctx.close()


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``mymdc`` with ``argv`` (default: ``sys.argv[1:]``); return the exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version, or a usage error (already printed)
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    with _diagnostics(args.verbose, enabled=not COMMANDS[args.command].local) as console:
        return _run(args, console)


__all__ = ["main", "build_parser", "COMMANDS"]
