"""The 4.2.1 ``Report`` module class, derived from the resource table."""

from ._build import build

Report = build("reports", __name__)
