"""Resource managers: one per resource, reached as `client.<resource>`."""

from .batches import Batches
from .data_rows import DataRows
from .datasets import Datasets
from .feature_schemas import FeatureSchemas
from .files import Files
from .global_keys import GlobalKeys
from .invites import Invites
from .metadata_schema import MetadataSchema
from .ontologies import Ontologies
from .projects import Projects
from .resource_tags import ResourceTags
from .tasks import Tasks
from .users import Organizations, Users
from .webhooks import Webhooks

__all__ = [
    "Batches",
    "DataRows",
    "Datasets",
    "FeatureSchemas",
    "Files",
    "GlobalKeys",
    "Invites",
    "MetadataSchema",
    "Ontologies",
    "Organizations",
    "Projects",
    "ResourceTags",
    "Tasks",
    "Users",
    "Webhooks",
]
