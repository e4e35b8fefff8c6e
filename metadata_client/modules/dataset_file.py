"""The 4.2.1 ``DatasetFile`` module class, derived from the resource table."""

from ._build import build

DatasetFile = build("dataset_files", __name__)
