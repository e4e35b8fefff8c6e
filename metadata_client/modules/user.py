"""The 4.2.1 ``User`` module class, derived from the resource table."""

from ._build import build

User = build("users", __name__)
