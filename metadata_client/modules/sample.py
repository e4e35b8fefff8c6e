"""The 4.2.1 ``Sample`` module class, derived from the resource table."""

from ._build import build

Sample = build("samples", __name__)
