"""The 4.2.1 ``ProposalTechnique`` module class, derived from the resource table."""

from ._build import build

ProposalTechnique = build("proposals_techniques", __name__)
