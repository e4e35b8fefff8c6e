"""The 4.2.1 ``Proposal`` module class, derived from the resource table."""

from ._build import build

Proposal = build("proposals", __name__)
