"""The 4.2.1 module classes: one per resource, each built from the resource table."""

from .dark_run import DarkRun
from .data_file import DataFile
from .data_group import DataGroup
from .data_group_repository import DataGroupRepository
from .data_group_type import DataGroupType
from .data_source_group import DataSourceGroup
from .data_source_group_version import DataSourceGroupVersion
from .data_type import DataType
from .dataset_file import DatasetFile
from .experiment import Experiment
from .experiment_type import ExperimentType
from .instrument import Instrument
from .instrument_cycle import InstrumentCycle
from .parameter import Parameter
from .parameter_type import ParameterType
from .proposal import Proposal
from .proposal_technique import ProposalTechnique
from .report import Report
from .repository import Repository
from .run import Run
from .sample import Sample
from .technique import Technique
from .unit import Unit
from .user import User

__all__ = [
    "DarkRun",
    "DataFile",
    "DataGroup",
    "DataGroupRepository",
    "DataGroupType",
    "DataSourceGroup",
    "DataSourceGroupVersion",
    "DataType",
    "DatasetFile",
    "Experiment",
    "ExperimentType",
    "Instrument",
    "InstrumentCycle",
    "Parameter",
    "ParameterType",
    "Proposal",
    "ProposalTechnique",
    "Report",
    "Repository",
    "Run",
    "Sample",
    "Technique",
    "Unit",
    "User",
]
