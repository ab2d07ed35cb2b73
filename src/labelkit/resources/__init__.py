"""Resource managers: one per resource, reached as `client.<resource>`."""

from .data_rows import DataRows
from .datasets import Datasets
from .files import Files
from .global_keys import GlobalKeys
from .metadata_schema import MetadataSchema
from .projects import Projects
from .tasks import Tasks
from .users import Organizations, Users

__all__ = [
    "DataRows",
    "Datasets",
    "Files",
    "GlobalKeys",
    "MetadataSchema",
    "Organizations",
    "Projects",
    "Tasks",
    "Users",
]
