"""Build a module class from its resource declaration."""

from typing import Any

from ..resources.classes import module_class
from ..resources.table import BY_PATH


def build(path: str, module_path: str) -> Any:
    """The 4.2.1 module class for the resource at ``path`` (typed ``Any``: it is built at import)."""
    return module_class(BY_PATH[path], module_path)
