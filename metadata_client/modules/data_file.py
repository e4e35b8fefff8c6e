"""The 4.2.1 ``DataFile`` module class, derived from the resource table."""

from ._build import build

DataFile = build("data_files", __name__)
