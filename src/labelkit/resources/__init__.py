"""Resource managers: one per resource, reached as `client.<resource>`."""

from .batches import Batches
from .data_rows import DataRows
from .datasets import Datasets
from .exports import Exports
from .feature_schemas import FeatureSchemas
from .files import Files
from .global_keys import GlobalKeys
from .imports import Imports
from .invites import Invites
from .labels import Labels
from .metadata_schema import MetadataSchema
from .ontologies import Ontologies
from .predictions import Predictions
from .projects import Projects
from .resource_tags import ResourceTags
from .tasks import Tasks
from .users import Organizations, Users
from .webhooks import Webhooks

__all__ = [
    "Batches",
    "DataRows",
    "Datasets",
    "Exports",
    "FeatureSchemas",
    "Files",
    "GlobalKeys",
    "Imports",
    "Invites",
    "Labels",
    "MetadataSchema",
    "Ontologies",
    "Organizations",
    "Predictions",
    "Projects",
    "ResourceTags",
    "Tasks",
    "Users",
    "Webhooks",
]
