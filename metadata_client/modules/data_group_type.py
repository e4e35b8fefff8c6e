"""The 4.2.1 ``DataGroupType`` module class, derived from the resource table."""

from ._build import build

DataGroupType = build("data_group_types", __name__)
