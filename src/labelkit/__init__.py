"""labelkit: async-first Python SDK for a data-labeling platform's GraphQL API."""

from . import annotations, errors, types
from ._transport import RetryPolicy
from ._version import __version__
from .bulk import BulkProgress, BulkReport, RowError
from .client import Client
from .errors import (
    AnnotationValidationError,
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    ConflictError,
    ExportFailedError,
    GraphQLError,
    InvalidResponseError,
    LabelkitError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    ValidationError,
)
from .export_formats import LabelStudioOptions
from .identifiers import GlobalKey
from .ontology import Classification, OntologyBuilder, Option, Tool
from .pagination import AsyncPaginator, Page
from .resources.exports import ExportTask
from .resources.imports import AnnotationImport
from .types import (
    AttachmentType,
    MediaType,
    QualityMode,
    QueueMode,
    TaskQueueType,
    Upload,
    UserRole,
    WebhookStatus,
    WebhookTopic,
)
from .webhook_signature import verify_webhook_signature

__all__ = [
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "AnnotationImport",
    "AnnotationValidationError",
    "AsyncPaginator",
    "AttachmentType",
    "AuthenticationError",
    "BulkProgress",
    "BulkReport",
    "Classification",
    "Client",
    "ConflictError",
    "ExportFailedError",
    "ExportTask",
    "GlobalKey",
    "GraphQLError",
    "InvalidResponseError",
    "LabelStudioOptions",
    "LabelkitError",
    "MediaType",
    "NotFoundError",
    "OntologyBuilder",
    "Option",
    "Page",
    "PermissionDeniedError",
    "QualityMode",
    "QueueMode",
    "RateLimitError",
    "RetryPolicy",
    "RowError",
    "ServerError",
    "TaskQueueType",
    "Tool",
    "Upload",
    "UserRole",
    "ValidationError",
    "WebhookStatus",
    "WebhookTopic",
    "__version__",
    "annotations",
    "errors",
    "types",
    "verify_webhook_signature",
]
