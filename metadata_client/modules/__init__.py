"""The 4.2.1 module classes: one per resource, each built from the resource table.

``from metadata_client.modules import Run`` and ``metadata_client.modules.run.Run`` both
work; a class is built when it is first imported.
"""

from __future__ import annotations

from .._lazy import lazy_names

_FILES = {
    "DarkRun": "dark_run",
    "DataFile": "data_file",
    "DataGroup": "data_group",
    "DataGroupRepository": "data_group_repository",
    "DataGroupType": "data_group_type",
    "DataSourceGroup": "data_source_group",
    "DataSourceGroupVersion": "data_source_group_version",
    "DataType": "data_type",
    "DatasetFile": "dataset_file",
    "Experiment": "experiment",
    "ExperimentType": "experiment_type",
    "Instrument": "instrument",
    "InstrumentCycle": "instrument_cycle",
    "Parameter": "parameter",
    "ParameterType": "parameter_type",
    "Proposal": "proposal",
    "ProposalTechnique": "proposal_technique",
    "Report": "report",
    "Repository": "repository",
    "Run": "run",
    "Sample": "sample",
    "Technique": "technique",
    "Unit": "unit",
    "User": "user",
}

__all__ = sorted(_FILES)


__getattr__, __dir__ = lazy_names(__name__, _FILES)
