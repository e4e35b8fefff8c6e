"""The 4.2.1 ``DataSourceGroupVersion`` module class, derived from the resource table."""

from ._build import build

DataSourceGroupVersion = build("data_source_group_versions", __name__)
