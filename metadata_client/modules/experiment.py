"""The 4.2.1 ``Experiment`` module class, derived from the resource table."""

from ._build import build

Experiment = build("experiments", __name__)
