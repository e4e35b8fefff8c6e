"""``python -m metadata_client.demo``: the README's examples against a local emulator.

Starts an in-process myMdC emulator with the ``demo`` seed on a free loopback
port, then runs the README's calls through ``MetadataClient`` exactly as a
script would and prints each result. Needs the ``emulator`` extra.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any, Callable

from .client import MetadataClient

REPOSITORY = "XFEL_GPFS_OFFLINE_RAW_CC"


def show(title: str, result: Any, out: Callable[[str], None] = print) -> None:
    """Print one result dict readably."""
    out(f"\n=== {title}")
    out(json.dumps(result, indent=2, default=str, ensure_ascii=False))


def run_examples(client: MetadataClient, out: Callable[[str], None] = print) -> bool:
    """Run the README's examples with ``client``; True if every call succeeded."""
    results = []

    def step(title: str, result: dict[str, Any]) -> dict[str, Any]:
        show(title, result, out)
        results.append(result["success"])
        return result

    step("client.get_all_data_group_types()", client.get_all_data_group_types())
    instruments = step("client.get_all_xfel_instruments()", client.get_all_xfel_instruments())
    proposal: dict[str, Any] = {}
    for instrument in instruments["data"] if instruments["success"] else []:
        found = client.get_active_proposal_by_instrument(instrument["id"])
        if found["success"]:
            step(f"client.get_active_proposal_by_instrument({instrument['id']})", found)
            proposal = found["data"]
            break
    if not proposal:
        out("no instrument has an active proposal")
        return False
    number = proposal["number"]
    runs = step(f"client.get_proposal_runs({number})", client.get_proposal_runs(number))
    run_number = runs["data"]["runs"][0]["run_number"] if runs["success"] else 1
    step(f"client.register_run_replica({number}, {run_number}, {REPOSITORY!r})",
         client.register_run_replica(number, run_number, REPOSITORY))
    step(f"client.unregister_run_replica({number}, {run_number}, {REPOSITORY!r})",
         client.unregister_run_replica(number, run_number, REPOSITORY))
    step(f"client.get_proposal_samples({number})", client.get_proposal_samples(number))
    return all(results)


def main(argv: list[str] | None = None) -> int:
    """Start the emulator, run the examples, stop; exit 0 if all succeeded."""
    parser = argparse.ArgumentParser(prog="python -m metadata_client.demo", description=__doc__)
    parser.parse_args(argv)
    try:
        from .emulator import EmulatorServer
    except ImportError as exc:  # pragma: no cover - depends on the install
        print(f"the demo needs the emulator extra: pip install 'metadata_client[emulator]' ({exc})",
              file=sys.stderr)
        return 2
    with EmulatorServer(seed="demo") as server:
        print(f"myMdC emulator (demo seed) at {server.url}")
        client = MetadataClient(
            client_id=server.client_id, client_secret=server.client_secret,
            token_url=server.token_url, refresh_url=server.token_url,
            auth_url=server.url + "/oauth/authorize", scope="",
            user_email=server.user_email, base_api_url=server.api_url,
        )
        with client:
            ok = run_examples(client)
    print("\nall examples succeeded" if ok else "\nsome examples failed", file=sys.stdout if ok else sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
