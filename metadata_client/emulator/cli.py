"""Command line: ``python -m metadata_client.emulator`` (reusable by ``mymdc serve``)."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from typing import Sequence

from .seeds import DEFAULT_CLIENT_ID, DEFAULT_USER


def build_parser(parser: argparse.ArgumentParser | None = None) -> argparse.ArgumentParser:
    """The emulator's options, added to ``parser`` (a new one if omitted)."""
    parser = parser or argparse.ArgumentParser(
        prog="python -m metadata_client.emulator",
        description="Run a local myMdC (European XFEL Metadata Catalogue) emulator.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default: %(default)s)")
    parser.add_argument("--port", type=int, default=0, help="port to bind; 0 picks a free one (default)")
    parser.add_argument("--prefix", default="/metadata", help="URL prefix of the application (default: %(default)s)")
    parser.add_argument("--seed", choices=("test", "demo"), default="demo", help="seed data (default: %(default)s)")
    parser.add_argument("--db", default=":memory:", help="SQLite file to keep the data in (default: in memory)")
    parser.add_argument("--token-lifetime", type=float, default=7200, help="token lifetime in seconds (default: 7200)")
    parser.add_argument("--control", action="store_true", help="serve the control plane under <app>/_emulator/")
    parser.add_argument("--client-id", default=DEFAULT_CLIENT_ID, help="OAuth client id (default: %(default)s)")
    parser.add_argument("--client-secret", default=None, help="OAuth client secret (default: random)")
    parser.add_argument("--user-email", default=DEFAULT_USER["email"],
                        help="e-mail of the seeded user, for X-User-Email (default: %(default)s)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log every request to stderr")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Start the emulator, print its addresses and credentials, serve until SIGINT/SIGTERM."""
    args = build_parser().parse_args(argv)
    return serve(args)


def serve(args: argparse.Namespace) -> int:
    """Run the emulator configured by parsed :func:`build_parser` arguments."""
    from .server import EmulatorServer

    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        server = EmulatorServer(
            seed=args.seed, host=args.host, port=args.port, prefix=args.prefix, db=args.db,
            token_lifetime=args.token_lifetime, control=args.control, client_id=args.client_id,
            client_secret=args.client_secret, user_email=args.user_email,
        ).start()
    except (OSError, ValueError, RuntimeError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    stop = threading.Event()

    def _stop(signum: int, frame: object) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, _stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    print(f"myMdC emulator ({args.seed} seed) running", flush=True)
    print(f"  app URL:       {server.url}")
    print(f"  token URL:     {server.token_url}")
    print(f"  API URL:       {server.api_url}")
    print(f"  client_id:     {server.client_id}")
    print(f"  client_secret: {server.client_secret}")
    print(f"  user e-mail:   {server.user_email}")
    if args.control:
        print(f"  control plane: {server.url}/_emulator/")
    print("Press Ctrl+C to stop.", flush=True)
    try:
        while not stop.wait(0.5):
            pass
    finally:
        server.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    print("stopped", flush=True)
    return 0
