"""The 4.2.1 ``Repository`` module class, derived from the resource table."""

from ._build import build

Repository = build("repositories", __name__)
