"""Database tables. Every tenant-owned row carries `organization_id`.

Ids are strings generated in Python (see `ids.py`). On PostgreSQL they use the "C" collation
so that index order is byte order, the order the ids are generated in.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

__all__ = [
    "ApiKey",
    "Attachment",
    "Base",
    "DataRow",
    "Dataset",
    "IdempotencyKey",
    "MetadataField",
    "Organization",
    "Project",
    "StoredFile",
    "Task",
    "User",
    "utcnow",
]
__all__ += [
    "Batch",
    "BatchRow",
    "FeatureSchema",
    "Invite",
    "Label",
    "LabelFeature",
    "LabelingOverride",
    "Ontology",
    "OntologyFeature",
    "ProjectMembership",
    "ProjectResourceTag",
    "ResourceTag",
    "Webhook",
    "WebhookDelivery",
]
__all__ += [
    "AnnotationStatusRow",
    "Export",
    "LabelImport",
    "Prediction",
    "Review",
]

IdType = String(32).with_variant(String(32, collation="C"), "postgresql")
Timestamp = DateTime(timezone=True)


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    pass


class Organization(Base):
    __tablename__ = "organizations"

    id: Mapped[str] = mapped_column(IdType, primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(Timestamp)
    updated_at: Mapped[datetime] = mapped_column(Timestamp)


class User(Base):
    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("organization_id", "email", name="uq_users_org_email"),)

    id: Mapped[str] = mapped_column(IdType, primary_key=True)
    organization_id: Mapped[str] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    email: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(Timestamp)


class ApiKey(Base):
    __tablename__ = "api_keys"

    # sha256 hex of the key: the key itself is never stored.
    key_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    organization_id: Mapped[str] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(Timestamp)


class Project(Base):
    __tablename__ = "projects"
    __table_args__ = (Index("ix_projects_org_id", "organization_id", "id"),)

    id: Mapped[str] = mapped_column(IdType, primary_key=True)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(Text)
    media_type: Mapped[str] = mapped_column(String(32))
    queue_mode: Mapped[str] = mapped_column(String(32))
    quality_mode: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(Timestamp)
    updated_at: Mapped[datetime] = mapped_column(Timestamp)
    last_activity_time: Mapped[datetime | None] = mapped_column(Timestamp)
    created_by_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    # Project workflow (migration 0003); ontology_id has no foreign key, see the migration.
    ontology_id: Mapped[str | None] = mapped_column(IdType, index=True)
    number_of_labels: Mapped[int] = mapped_column(Integer, server_default="1")
    coverage_percentage: Mapped[float] = mapped_column(Float, server_default="1.0")

    created_by: Mapped[User] = relationship(lazy="raise")


class Dataset(Base):
    __tablename__ = "datasets"
    __table_args__ = (Index("ix_datasets_org_id", "organization_id", "id"),)

    id: Mapped[str] = mapped_column(IdType, primary_key=True)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(Text)
    # Kept exact by the same transactions that insert or delete rows.
    row_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(Timestamp)
    updated_at: Mapped[datetime] = mapped_column(Timestamp)
    created_by_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)

    created_by: Mapped[User] = relationship(lazy="raise")


class DataRow(Base):
    __tablename__ = "data_rows"
    __table_args__ = (
        Index("ix_data_rows_dataset_id", "dataset_id", "id"),
        Index("ix_data_rows_org_external_id", "organization_id", "external_id"),
        # NULL keys never collide, so rows without a global key are unconstrained.
        UniqueConstraint("organization_id", "global_key", name="uq_data_rows_org_global_key"),
    )

    id: Mapped[str] = mapped_column(IdType, primary_key=True)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    dataset_id: Mapped[str] = mapped_column(ForeignKey("datasets.id", ondelete="CASCADE"))
    row_data: Mapped[str] = mapped_column(Text)
    global_key: Mapped[str | None] = mapped_column(String(255))
    external_id: Mapped[str | None] = mapped_column(String(255))
    media_type: Mapped[str | None] = mapped_column(String(32))
    # `metadata` is reserved on declarative classes; the column keeps the API's name.
    meta: Mapped[Any] = mapped_column("metadata", JSON)
    created_at: Mapped[datetime] = mapped_column(Timestamp)
    updated_at: Mapped[datetime] = mapped_column(Timestamp)

    attachments: Mapped[list[Attachment]] = relationship(
        lazy="raise", order_by="Attachment.position", passive_deletes=True
    )


class Attachment(Base):
    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    data_row_id: Mapped[str] = mapped_column(
        ForeignKey("data_rows.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    type: Mapped[str] = mapped_column(String(32))
    value: Mapped[str] = mapped_column(Text)
    name: Mapped[str | None] = mapped_column(String(255))


class StoredFile(Base):
    __tablename__ = "files"
    __table_args__ = (Index("ix_files_org_id", "organization_id", "id"),)

    id: Mapped[str] = mapped_column(IdType, primary_key=True)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(255))
    size: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(Timestamp)


class IdempotencyKey(Base):
    __tablename__ = "idempotency_keys"

    organization_id: Mapped[str] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    # NULL while the first request with this key is still running.
    status_code: Mapped[int | None] = mapped_column(Integer)
    response_body: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(Timestamp, index=True)


class MetadataField(Base):
    """A custom metadata field; the reserved ones (`metadata.RESERVED_FIELDS`) are not stored."""

    __tablename__ = "metadata_fields"
    __table_args__ = (
        UniqueConstraint("organization_id", "name", name="uq_metadata_fields_org_name"),
    )

    id: Mapped[str] = mapped_column(IdType, primary_key=True)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(16))
    options: Mapped[list[str]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(Timestamp)


class Task(Base):
    __tablename__ = "tasks"
    __table_args__ = (Index("ix_tasks_org_id", "organization_id", "id"),)

    id: Mapped[str] = mapped_column(IdType, primary_key=True)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(16))
    completion_percentage: Mapped[float] = mapped_column(Float)
    result: Mapped[Any] = mapped_column(JSON, nullable=True)
    errors: Mapped[list[str]] = mapped_column(JSON)
    failed_data_rows: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(Timestamp)
    updated_at: Mapped[datetime] = mapped_column(Timestamp)


# --- Project workflow (migration 0003) -------------------------------------------------------


class FeatureSchema(Base):
    """A root tool or classification; nested nodes live inside `normalized`."""

    __tablename__ = "feature_schemas"
    __table_args__ = (Index("ix_feature_schemas_org_id", "organization_id", "id"),)

    id: Mapped[str] = mapped_column(IdType, primary_key=True)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(16))
    color: Mapped[str | None] = mapped_column(String(32))
    normalized: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(Timestamp)
    updated_at: Mapped[datetime] = mapped_column(Timestamp)


class Ontology(Base):
    __tablename__ = "ontologies"
    __table_args__ = (Index("ix_ontologies_org_id", "organization_id", "id"),)

    id: Mapped[str] = mapped_column(IdType, primary_key=True)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(Text)
    media_type: Mapped[str] = mapped_column(String(32))
    instructions_file_id: Mapped[str | None] = mapped_column(ForeignKey("files.id"))
    created_at: Mapped[datetime] = mapped_column(Timestamp)
    updated_at: Mapped[datetime] = mapped_column(Timestamp)
    created_by_id: Mapped[str] = mapped_column(ForeignKey("users.id"))


class OntologyFeature(Base):
    __tablename__ = "ontology_features"

    ontology_id: Mapped[str] = mapped_column(
        ForeignKey("ontologies.id", ondelete="CASCADE"), primary_key=True
    )
    feature_schema_id: Mapped[str] = mapped_column(
        ForeignKey("feature_schemas.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    archived: Mapped[bool] = mapped_column(Boolean)


class Batch(Base):
    __tablename__ = "batches"
    __table_args__ = (
        Index("ix_batches_project_id", "project_id", "id"),
        UniqueConstraint("project_id", "name", name="uq_batches_project_name"),
    )

    id: Mapped[str] = mapped_column(IdType, primary_key=True)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(255))
    priority: Mapped[int] = mapped_column(Integer)
    size: Mapped[int] = mapped_column(Integer)
    consensus_settings: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    archived: Mapped[bool] = mapped_column(Boolean)
    failed_data_rows: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(Timestamp)
    updated_at: Mapped[datetime] = mapped_column(Timestamp)
    created_by_id: Mapped[str] = mapped_column(ForeignKey("users.id"))


class BatchRow(Base):
    """A data row of a batch, with the workflow step (`queue`) it is in."""

    __tablename__ = "batch_rows"
    __table_args__ = (
        # A row is in at most one active batch of a project.
        Index(
            "uq_batch_rows_active",
            "project_id",
            "data_row_id",
            unique=True,
            sqlite_where=text("active"),
            postgresql_where=text("active"),
        ),
        Index("ix_batch_rows_project_data_row", "project_id", "data_row_id"),
    )

    batch_id: Mapped[str] = mapped_column(
        ForeignKey("batches.id", ondelete="CASCADE"), primary_key=True
    )
    data_row_id: Mapped[str] = mapped_column(
        ForeignKey("data_rows.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    # No foreign key: the batch's own cascades it, and it would cost a check per row.
    project_id: Mapped[str] = mapped_column(IdType)
    active: Mapped[bool] = mapped_column(Boolean)
    queue: Mapped[str] = mapped_column(String(32))


class LabelingOverride(Base):
    __tablename__ = "labeling_overrides"

    project_id: Mapped[str] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True
    )
    data_row_id: Mapped[str] = mapped_column(
        ForeignKey("data_rows.id", ondelete="CASCADE"), primary_key=True
    )
    priority: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(Timestamp)


class Label(Base):
    """A label of one data row in one project; `payload` is its list of annotations."""

    __tablename__ = "labels"
    __table_args__ = (
        Index("ix_labels_project_data_row", "project_id", "data_row_id"),
        Index("ix_labels_project_id", "project_id", "id"),
        Index("ix_labels_import_id", "import_id", "data_row_id", unique=True),
    )

    id: Mapped[str] = mapped_column(IdType, primary_key=True)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    data_row_id: Mapped[str] = mapped_column(
        ForeignKey("data_rows.id", ondelete="CASCADE"), index=True
    )
    created_by_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(Timestamp)
    updated_at: Mapped[datetime] = mapped_column(Timestamp)
    payload: Mapped[Any] = mapped_column(JSON)
    # Labels API (migration 0004); import_id has no foreign key, see the migration.
    seconds_to_label: Mapped[float | None] = mapped_column(Float)
    is_benchmark_reference: Mapped[bool] = mapped_column(Boolean, server_default=false())
    benchmark_created_at: Mapped[datetime | None] = mapped_column(Timestamp)
    import_id: Mapped[str | None] = mapped_column(IdType)


class LabelFeature(Base):
    """Which feature schemas (root or nested) a label uses."""

    __tablename__ = "label_features"

    label_id: Mapped[str] = mapped_column(
        ForeignKey("labels.id", ondelete="CASCADE"), primary_key=True
    )
    feature_schema_id: Mapped[str] = mapped_column(IdType, primary_key=True, index=True)


class ProjectMembership(Base):
    __tablename__ = "project_memberships"

    project_id: Mapped[str] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[str] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    role: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(Timestamp)


class Invite(Base):
    __tablename__ = "invites"
    __table_args__ = (Index("ix_invites_org_id", "organization_id", "id"),)

    id: Mapped[str] = mapped_column(IdType, primary_key=True)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(32))
    project_roles: Mapped[list[dict[str, str]]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(Timestamp)
    invited_by_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))


class ResourceTag(Base):
    __tablename__ = "resource_tags"
    __table_args__ = (
        UniqueConstraint("organization_id", "text", name="uq_resource_tags_org_text"),
    )

    id: Mapped[str] = mapped_column(IdType, primary_key=True)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(String(255))
    color: Mapped[str] = mapped_column(String(6))
    created_at: Mapped[datetime] = mapped_column(Timestamp)


class ProjectResourceTag(Base):
    __tablename__ = "project_resource_tags"

    project_id: Mapped[str] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True
    )
    tag_id: Mapped[str] = mapped_column(
        ForeignKey("resource_tags.id", ondelete="CASCADE"), primary_key=True
    )


class Webhook(Base):
    __tablename__ = "webhooks"
    __table_args__ = (Index("ix_webhooks_org_id", "organization_id", "id"),)

    id: Mapped[str] = mapped_column(IdType, primary_key=True)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    project_id: Mapped[str | None] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    url: Mapped[str] = mapped_column(Text)
    secret: Mapped[str] = mapped_column(Text)
    topics: Mapped[list[str]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(Timestamp)
    updated_at: Mapped[datetime] = mapped_column(Timestamp)


class WebhookDelivery(Base):
    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        Index("ix_webhook_deliveries_webhook_id", "webhook_id", "id"),
        Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
    )

    id: Mapped[str] = mapped_column(IdType, primary_key=True)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    webhook_id: Mapped[str] = mapped_column(ForeignKey("webhooks.id", ondelete="CASCADE"))
    topic: Mapped[str] = mapped_column(String(32))
    # The exact bytes signed and sent, as UTF-8 text.
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    next_attempt_at: Mapped[datetime | None] = mapped_column(Timestamp)
    lease_until: Mapped[datetime | None] = mapped_column(Timestamp)
    created_at: Mapped[datetime] = mapped_column(Timestamp)
    updated_at: Mapped[datetime] = mapped_column(Timestamp)


# --- Labels, imports and exports (migration 0004) --------------------------------------------


class Review(Base):
    __tablename__ = "reviews"
    __table_args__ = (Index("ix_reviews_label_id", "label_id", "id"),)

    id: Mapped[str] = mapped_column(IdType, primary_key=True)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    label_id: Mapped[str] = mapped_column(ForeignKey("labels.id", ondelete="CASCADE"))
    score: Mapped[float] = mapped_column(Float)
    created_by_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(Timestamp)
    updated_at: Mapped[datetime] = mapped_column(Timestamp)


class Prediction(Base):
    """A model's annotations for a data row; pre-labels are predictions written by an import."""

    __tablename__ = "predictions"
    __table_args__ = (
        Index("ix_predictions_project_id", "project_id", "id"),
        Index("ix_predictions_project_data_row", "project_id", "data_row_id"),
        Index("ix_predictions_import_id", "import_id", "data_row_id", unique=True),
    )

    id: Mapped[str] = mapped_column(IdType, primary_key=True)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    data_row_id: Mapped[str] = mapped_column(
        ForeignKey("data_rows.id", ondelete="CASCADE"), index=True
    )
    model_version: Mapped[str | None] = mapped_column(String(255))
    score: Mapped[float | None] = mapped_column(Float)
    payload: Mapped[Any] = mapped_column(JSON)
    import_id: Mapped[str | None] = mapped_column(IdType)
    created_by_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(Timestamp)


class LabelImport(Base):
    __tablename__ = "label_imports"
    __table_args__ = (Index("ix_label_imports_project_id", "project_id", "id"),)

    id: Mapped[str] = mapped_column(IdType, primary_key=True)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16))
    task_id: Mapped[str] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"))
    annotation_count: Mapped[int] = mapped_column(Integer)
    success_count: Mapped[int] = mapped_column(Integer)
    failure_count: Mapped[int] = mapped_column(Integer)
    errors: Mapped[list[str]] = mapped_column(JSON)
    created_by_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(Timestamp)
    updated_at: Mapped[datetime] = mapped_column(Timestamp)


class AnnotationStatusRow(Base):
    """What an import did with one annotation, by its index in the import's input."""

    __tablename__ = "annotation_statuses"
    __table_args__ = (Index("ix_annotation_statuses_status", "import_id", "status", "idx"),)

    import_id: Mapped[str] = mapped_column(
        ForeignKey("label_imports.id", ondelete="CASCADE"), primary_key=True
    )
    idx: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    uuid: Mapped[str | None] = mapped_column(String(64))
    data_row_id: Mapped[str | None] = mapped_column(IdType)
    global_key: Mapped[str | None] = mapped_column(String(255))
    name: Mapped[str | None] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(8))
    errors: Mapped[list[str] | None] = mapped_column(JSON, nullable=True)


class Export(Base):
    __tablename__ = "exports"
    __table_args__ = (Index("ix_exports_org_id", "organization_id", "id"),)

    id: Mapped[str] = mapped_column(IdType, primary_key=True)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    project_id: Mapped[str | None] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    dataset_id: Mapped[str | None] = mapped_column(ForeignKey("datasets.id", ondelete="CASCADE"))
    title: Mapped[str | None] = mapped_column(String(255))
    snapshot: Mapped[bool] = mapped_column(Boolean)
    status: Mapped[str] = mapped_column(String(16))
    row_count: Mapped[int | None] = mapped_column(Integer)
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    filters: Mapped[dict[str, Any]] = mapped_column(JSON)
    errors: Mapped[list[str]] = mapped_column(JSON)
    created_by_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(Timestamp)
    finished_at: Mapped[datetime | None] = mapped_column(Timestamp)
