"""Public names of the typed models labelkit returns (generated from schema.graphql)."""

from ._generated.base_model import UNSET, Upload
from ._generated.enums import (
    AttachmentType,
    ConflictPolicy,
    JobStatus,
    MediaType,
    MetadataKind,
    QualityMode,
    QueueMode,
    TaskStatus,
    UserRole,
)
from ._generated.fragments import DataRowFields as DataRow
from ._generated.fragments import DatasetFields as Dataset
from ._generated.fragments import MetadataFieldFields as MetadataField
from ._generated.fragments import OrganizationFields as Organization
from ._generated.fragments import ProjectFields as Project
from ._generated.fragments import TaskFields as Task
from ._generated.fragments import UserFields as User
from ._generated.me import MeMe as CurrentUser

__all__ = [
    "UNSET",
    "AttachmentType",
    "ConflictPolicy",
    "CurrentUser",
    "DataRow",
    "Dataset",
    "JobStatus",
    "MediaType",
    "MetadataField",
    "MetadataKind",
    "Organization",
    "Project",
    "QualityMode",
    "QueueMode",
    "Task",
    "TaskStatus",
    "Upload",
    "User",
    "UserRole",
]
