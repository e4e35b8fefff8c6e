"""The 4.2.1 ``Run`` module class, derived from the resource table."""

from ._build import build

Run = build("runs", __name__)
