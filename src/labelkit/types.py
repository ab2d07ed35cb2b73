"""Public names of the typed models labelkit returns (generated from schema.graphql)."""

from ._generated.base_model import UNSET, Upload
from ._generated.enums import (
    AnnotationImportStatus,
    AttachmentType,
    ConflictPolicy,
    ExportStatus,
    FeatureSchemaKind,
    JobStatus,
    LabelImportKind,
    LabelImportState,
    MediaType,
    MetadataKind,
    ProjectAccessFrom,
    QualityMode,
    QueueMode,
    TaskQueueType,
    TaskStatus,
    UserRole,
    WebhookDeliveryStatus,
    WebhookStatus,
    WebhookTopic,
    WorkflowStatus,
)
from ._generated.fragments import AnnotationStatusFields as AnnotationStatus
from ._generated.fragments import BatchFields as Batch
from ._generated.fragments import DataRowFields as DataRow
from ._generated.fragments import DatasetFields as Dataset
from ._generated.fragments import ExportFields as Export
from ._generated.fragments import FeatureSchemaFields as FeatureSchema
from ._generated.fragments import InviteFields as Invite
from ._generated.fragments import LabelFields as Label
from ._generated.fragments import LabelImportFields as LabelImport
from ._generated.fragments import MetadataFieldFields as MetadataField
from ._generated.fragments import OntologyFields as Ontology
from ._generated.fragments import OrganizationFields as Organization
from ._generated.fragments import PredictionFields as Prediction
from ._generated.fragments import ProjectFields as Project
from ._generated.fragments import ProjectMemberFields as ProjectMember
from ._generated.fragments import ResourceTagFields as ResourceTag
from ._generated.fragments import ReviewFields as Review
from ._generated.fragments import TaskFields as Task
from ._generated.fragments import UserFields as User
from ._generated.fragments import WebhookDeliveryFields as WebhookDelivery
from ._generated.fragments import WebhookFields as Webhook
from ._generated.get_consensus_agreement import (
    GetConsensusAgreementConsensusAgreement as ConsensusAgreement,
)
from ._generated.get_labeling_queue import GetLabelingQueueLabelingQueue as QueuedDataRow
from ._generated.list_benchmarks import ListBenchmarksBenchmarks as Benchmark
from ._generated.list_labeling_parameter_overrides import (
    ListLabelingParameterOverridesLabelingParameterOverridesEdgesNode as LabelingParameterOverride,
)
from ._generated.list_roles import ListRolesRoles as Role
from ._generated.list_task_queues import ListTaskQueuesTaskQueues as TaskQueue
from ._generated.me import MeMe as CurrentUser

__all__ = [
    "UNSET",
    "AnnotationImportStatus",
    "AnnotationStatus",
    "AttachmentType",
    "Batch",
    "Benchmark",
    "ConflictPolicy",
    "ConsensusAgreement",
    "CurrentUser",
    "DataRow",
    "Dataset",
    "Export",
    "ExportStatus",
    "FeatureSchema",
    "FeatureSchemaKind",
    "Invite",
    "JobStatus",
    "Label",
    "LabelImport",
    "LabelImportKind",
    "LabelImportState",
    "LabelingParameterOverride",
    "MediaType",
    "MetadataField",
    "MetadataKind",
    "Ontology",
    "Organization",
    "Prediction",
    "Project",
    "ProjectAccessFrom",
    "ProjectMember",
    "QualityMode",
    "QueueMode",
    "QueuedDataRow",
    "ResourceTag",
    "Review",
    "Role",
    "Task",
    "TaskQueue",
    "TaskQueueType",
    "TaskStatus",
    "Upload",
    "User",
    "UserRole",
    "Webhook",
    "WebhookDelivery",
    "WebhookDeliveryStatus",
    "WebhookStatus",
    "WebhookTopic",
    "WorkflowStatus",
]
