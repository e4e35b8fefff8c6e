"""The 4.2.1 ``DataGroup`` module class, derived from the resource table."""

from ._build import build

DataGroup = build("data_groups", __name__)
