"""``python -m metadata_client.emulator``."""

from .cli import main

raise SystemExit(main())
