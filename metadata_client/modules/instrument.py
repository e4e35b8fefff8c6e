"""The 4.2.1 ``Instrument`` module class, derived from the resource table."""

from ._build import build

Instrument = build("instruments", __name__)
