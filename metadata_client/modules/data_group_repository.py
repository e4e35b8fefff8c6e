"""The 4.2.1 ``DataGroupRepository`` module class, derived from the resource table."""

from ._build import build

DataGroupRepository = build("data_groups_repositories", __name__)
