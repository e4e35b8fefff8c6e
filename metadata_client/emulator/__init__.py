"""A local myMdC (European XFEL Metadata Catalogue) for tests and demos.

A real HTTP server on loopback: the OAuth2 client-credentials token endpoint
(``<url>/oauth/token``) and the REST API (``<url>/api/``) that
``metadata_client`` talks to, backed by SQLite, written from the server's
documented behaviour (``MYMDC_SERVER.md``).  Needs the ``emulator`` extra
(werkzeug)::

    from metadata_client.emulator import EmulatorServer

    with EmulatorServer(seed="demo", control=True) as server:
        server.url, server.token_url, server.api_url      # http://127.0.0.1:<port>/metadata...
        server.client_id, server.client_secret, server.user_email
        server.control.reset()                            # back to the seed
        server.control.add_fault(method="POST", path="^/api/runs", action="status", status=503)
        server.store.count("runs", run_number=1)

or from a shell: ``python -m metadata_client.emulator --seed demo --port 8000``.

Control plane (``server.control``; over HTTP under ``<url>/_emulator/`` with
``control=True``): ``POST reset`` (``{"keep_tokens": true}`` keeps tokens);
``GET|POST|DELETE faults`` (``{"method", "path" (regex on the path after the
prefix), "count", "action": delay|status|drop|garbage|truncate, "delay",
"status", "body", "headers", "after"}``); ``POST tokens/expire``,
``POST tokens/revoke`` (``{"token": ...}`` for one), ``POST tokens/lifetime``
(``{"lifetime": s}``); ``GET|DELETE log``.

Seeds
-----
``test``: the records of MYMDC_SERVER.md §5 (proposals 0 (id -1), 900061 (id -2)
and 900966 (id -3, no samples); instruments -1 INST_T, -2 INST_U, 1 SPB, 2 FXE;
repositories -1 XFEL_TESTS_REPO and 11 XFEL_GPFS_OFFLINE_RAW_CC; runs -1/-2 ...).

``demo``:

- user 1 is the configured user (X-User-Email), user 2 ``ada.lovelace@example.org``;
- data group types 1 RAW, 2 CAL, 3 PROC, 4 REDU, 5 SIM, 6 UNK;
- instruments (facility_id 1): 1 SPB (SPB/SFX SASE1), 2 FXE, 3 MID, 4 HED, 5 SQS,
  6 SCS, 7 SXP; instrument cycles 1 (SPB, 202401), 2 (FXE, 202401);
- repositories 1 ``XFEL_GPFS_OFFLINE_RAW_CC``, 2 ``XFEL_GPFS_ONLINE_RAW``,
  3 ``XFEL_DCACHE_TAPE``;
- proposal 900101 (id 1, SPB, flg_beamtime_status 'R', so
  ``instruments/1/active_proposal`` returns it): experiments 1 and 2, samples 1
  and 2, runs 1, 2 (experiment 1) and 3 (experiment 2) with RAW data groups 1,
  2, 3 (plus PROC group 5 on run 1); groups 1 and 2 are in repositories 1 and 2,
  group 3 only in repository 2;
- proposal 900102 (id 2, FXE, finished): experiment 3, sample 3, run 1 (id 4)
  with RAW data group 4 in repository 1;
- techniques 1 SFX, 2 XES; units 1 EV, 2 METER; data source group 1
  ``SPB_DET_AGIPD1M-1`` with versions 1 ("1.0.0", deployed) and 2 ("1.1.0").

New records get ids from 1000 on.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .cli import build_parser, main
    from .control import Control
    from .server import EmulatorServer
    from .store import Store

__all__ = ["EmulatorServer", "Control", "Store", "build_parser", "main"]

logging.getLogger(__name__).addHandler(logging.NullHandler())

_LAZY = {
    "EmulatorServer": "server",
    "Control": "control",
    "Store": "store",
    "build_parser": "cli",
    "main": "cli",
}


def __getattr__(name: str) -> Any:
    # Import werkzeug and the server only when they are used.
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import import_module

    return getattr(import_module(f"{__name__}.{module}"), name)
