"""The 4.2.1 ``ParameterType`` module class, derived from the resource table."""

from ._build import build

ParameterType = build("parameter_types", __name__)
