"""The 4.2.1 ``Unit`` module class, derived from the resource table."""

from ._build import build

Unit = build("units", __name__)
