"""The 4.2.1 ``DataSourceGroup`` module class, derived from the resource table."""

from ._build import build

DataSourceGroup = build("data_source_groups", __name__)
