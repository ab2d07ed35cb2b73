"""Public names of the typed models labelkit returns (generated from schema.graphql)."""

from ._generated.base_model import UNSET, Upload
from ._generated.enums import AttachmentType, MediaType, QualityMode, QueueMode, UserRole
from ._generated.fragments import DataRowFields as DataRow
from ._generated.fragments import DatasetFields as Dataset
from ._generated.fragments import OrganizationFields as Organization
from ._generated.fragments import ProjectFields as Project
from ._generated.fragments import UserFields as User
from ._generated.me import MeMe as CurrentUser

__all__ = [
    "UNSET",
    "AttachmentType",
    "CurrentUser",
    "DataRow",
    "Dataset",
    "MediaType",
    "Organization",
    "Project",
    "QualityMode",
    "QueueMode",
    "Upload",
    "User",
    "UserRole",
]
