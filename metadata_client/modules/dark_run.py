"""The 4.2.1 ``DarkRun`` module class, derived from the resource table."""

from ._build import build

DarkRun = build("dark_runs", __name__)
