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
from .pagination import AsyncPaginator, Page
from .types import AttachmentType, MediaType, QualityMode, QueueMode, Upload, UserRole

__all__ = [
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "AsyncPaginator",
    "AttachmentType",
    "AuthenticationError",
    "BulkProgress",
    "BulkReport",
    "Client",
    "ConflictError",
    "GraphQLError",
    "InvalidResponseError",
    "LabelkitError",
    "MediaType",
    "NotFoundError",
    "Page",
    "PermissionDeniedError",
    "QualityMode",
    "QueueMode",
    "RateLimitError",
    "RetryPolicy",
    "RowError",
    "ServerError",
    "Upload",
    "UserRole",
    "ValidationError",
    "__version__",
    "errors",
    "types",
]
