"""The 4.2.1 ``Technique`` module class, derived from the resource table."""

from ._build import build

Technique = build("techniques", __name__)
