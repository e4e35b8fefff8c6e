"""The 4.2.1 ``DataType`` module class, derived from the resource table."""

from ._build import build

DataType = build("data_types", __name__)
