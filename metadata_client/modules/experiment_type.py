"""The 4.2.1 ``ExperimentType`` module class, derived from the resource table."""

from ._build import build

ExperimentType = build("experiment_types", __name__)
