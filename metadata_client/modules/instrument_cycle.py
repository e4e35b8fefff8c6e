"""The 4.2.1 ``InstrumentCycle`` module class, derived from the resource table."""

from ._build import build

InstrumentCycle = build("instrument_cycles", __name__)
