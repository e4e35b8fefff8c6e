"""``mymdc``: the command line of metadata_client.

    mymdc proposal 900061 runs
    mymdc replica register 900061 12 XFEL_GPFS_OFFLINE_RAW_CC
    mymdc list samples --filter proposal_id=-1 --all --json

Settings come from flags, ``MYMDC_*`` variables and
``~/.config/mymdc/config.toml`` (see :mod:`.config`); ``mymdc --help`` lists
the commands (:data:`.app.COMMANDS`).
"""

from __future__ import annotations

from .app import build_parser, main

__all__ = ["main", "build_parser"]
