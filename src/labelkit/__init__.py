"""labelkit: async-first Python SDK for a data-labeling platform's GraphQL API."""

from . import errors, types
from ._transport import RetryPolicy
from ._version import __version__
from .bulk import BulkProgress, BulkReport, RowError
from .client import Client
from .errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    ConflictError,
    GraphQLError,
    InvalidResponseError,
    LabelkitError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    ValidationError,
)
from .identifiers import GlobalKey
from .ontology import Classification, OntologyBuilder, Option, Tool
from .pagination import AsyncPaginator, Page
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
    "AsyncPaginator",
    "AttachmentType",
    "AuthenticationError",
    "BulkProgress",
    "BulkReport",
    "Classification",
    "Client",
    "ConflictError",
    "GlobalKey",
    "GraphQLError",
    "InvalidResponseError",
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
    "errors",
    "types",
    "verify_webhook_signature",
]
