"""The 4.2.1 ``Parameter`` module class, derived from the resource table."""

from ._build import build

Parameter = build("parameters", __name__)
