"""Resource managers: one per resource, reached as `client.<resource>`."""

from .data_rows import DataRows
from .datasets import Datasets
from .files import Files
from .projects import Projects
from .users import Organizations, Users

__all__ = ["DataRows", "Datasets", "Files", "Organizations", "Projects", "Users"]
