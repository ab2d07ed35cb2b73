"""Project workflow: ontologies, batches, queue, overrides, labels, people, tags, webhooks.

Revision ID: 0003
Revises: 0002
Create Date: 2026-03-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

Id = sa.String(32).with_variant(sa.String(32, collation="C"), "postgresql")
Timestamp = sa.DateTime(timezone=True)


def _organization_id() -> sa.Column[str]:
    return sa.Column(
        "organization_id",
        Id,
        sa.ForeignKey("organizations.id", ondelete="CASCADE"),
        nullable=False,
    )


def _project_id(*, primary_key: bool = False) -> sa.Column[str]:
    return sa.Column(
        "project_id",
        Id,
        sa.ForeignKey("projects.id", ondelete="CASCADE"),
        nullable=False,
        primary_key=primary_key,
    )


def _timestamps() -> list[sa.Column[object]]:
    return [
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("updated_at", Timestamp, nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "feature_schemas",
        sa.Column("id", Id, primary_key=True),
        _organization_id(),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("color", sa.String(32), nullable=True),
        sa.Column("normalized", sa.JSON(), nullable=False),
        *_timestamps(),
    )
    op.create_index("ix_feature_schemas_org_id", "feature_schemas", ["organization_id", "id"])
    op.create_table(
        "ontologies",
        sa.Column("id", Id, primary_key=True),
        _organization_id(),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("media_type", sa.String(32), nullable=False),
        sa.Column("instructions_file_id", Id, sa.ForeignKey("files.id"), nullable=True),
        *_timestamps(),
        sa.Column("created_by_id", Id, sa.ForeignKey("users.id"), nullable=False),
    )
    op.create_index("ix_ontologies_org_id", "ontologies", ["organization_id", "id"])
    op.create_table(
        "ontology_features",
        sa.Column(
            "ontology_id",
            Id,
            sa.ForeignKey("ontologies.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column(
            "feature_schema_id",
            Id,
            sa.ForeignKey("feature_schemas.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("archived", sa.Boolean(), nullable=False),
    )
    op.create_index(
        "ix_ontology_features_feature_schema_id", "ontology_features", ["feature_schema_id"]
    )

    # Plain columns (no foreign key): SQLite cannot add a constrained column in place.
    op.add_column("projects", sa.Column("ontology_id", Id, nullable=True))
    op.add_column(
        "projects",
        sa.Column("number_of_labels", sa.Integer(), nullable=False, server_default="1"),
    )
    op.add_column(
        "projects",
        sa.Column("coverage_percentage", sa.Float(), nullable=False, server_default="1.0"),
    )
    op.create_index("ix_projects_ontology_id", "projects", ["ontology_id"])

    op.create_table(
        "batches",
        sa.Column("id", Id, primary_key=True),
        _organization_id(),
        _project_id(),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("consensus_settings", sa.JSON(), nullable=True),
        sa.Column("archived", sa.Boolean(), nullable=False),
        sa.Column("failed_data_rows", sa.JSON(), nullable=False),
        *_timestamps(),
        sa.Column("created_by_id", Id, sa.ForeignKey("users.id"), nullable=False),
        sa.UniqueConstraint("project_id", "name", name="uq_batches_project_name"),
    )
    op.create_index("ix_batches_project_id", "batches", ["project_id", "id"])
    op.create_table(
        "batch_rows",
        sa.Column(
            "batch_id", Id, sa.ForeignKey("batches.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column(
            "data_row_id",
            Id,
            sa.ForeignKey("data_rows.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        # No foreign key: the batch's own cascades it, and it would cost a check per row.
        sa.Column("project_id", Id, nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("queue", sa.String(32), nullable=False),
    )
    # A row is in at most one active batch of a project.
    op.create_index(
        "uq_batch_rows_active",
        "batch_rows",
        ["project_id", "data_row_id"],
        unique=True,
        sqlite_where=sa.text("active"),
        postgresql_where=sa.text("active"),
    )
    op.create_index("ix_batch_rows_data_row_id", "batch_rows", ["data_row_id"])
    op.create_table(
        "labeling_overrides",
        _project_id(primary_key=True),
        sa.Column(
            "data_row_id",
            Id,
            sa.ForeignKey("data_rows.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
    )

    # Labels get their API in a later revision; the workflow rules already depend on them.
    op.create_table(
        "labels",
        sa.Column("id", Id, primary_key=True),
        _organization_id(),
        _project_id(),
        sa.Column(
            "data_row_id", Id, sa.ForeignKey("data_rows.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("created_by_id", Id, sa.ForeignKey("users.id"), nullable=False),
        *_timestamps(),
        sa.Column("payload", sa.JSON(), nullable=False),
    )
    op.create_index("ix_labels_project_data_row", "labels", ["project_id", "data_row_id"])
    op.create_index("ix_labels_data_row_id", "labels", ["data_row_id"])
    op.create_table(
        "label_features",
        sa.Column("label_id", Id, sa.ForeignKey("labels.id", ondelete="CASCADE"), primary_key=True),
        # Nested nodes have feature schema ids too, without a feature_schemas row.
        sa.Column("feature_schema_id", Id, primary_key=True),
    )
    op.create_index("ix_label_features_feature_schema_id", "label_features", ["feature_schema_id"])

    op.create_table(
        "project_memberships",
        _project_id(primary_key=True),
        sa.Column("user_id", Id, sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
    )
    op.create_index("ix_project_memberships_user_id", "project_memberships", ["user_id"])
    op.create_table(
        "invites",
        sa.Column("id", Id, primary_key=True),
        _organization_id(),
        sa.Column("email", sa.String(255), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("project_roles", sa.JSON(), nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column(
            "invited_by_id", Id, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False
        ),
    )
    op.create_index("ix_invites_org_id", "invites", ["organization_id", "id"])

    op.create_table(
        "resource_tags",
        sa.Column("id", Id, primary_key=True),
        _organization_id(),
        sa.Column("text", sa.String(255), nullable=False),
        sa.Column("color", sa.String(6), nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.UniqueConstraint("organization_id", "text", name="uq_resource_tags_org_text"),
    )
    op.create_table(
        "project_resource_tags",
        _project_id(primary_key=True),
        sa.Column(
            "tag_id",
            Id,
            sa.ForeignKey("resource_tags.id", ondelete="CASCADE"),
            primary_key=True,
        ),
    )

    op.create_table(
        "webhooks",
        sa.Column("id", Id, primary_key=True),
        _organization_id(),
        sa.Column(
            "project_id", Id, sa.ForeignKey("projects.id", ondelete="CASCADE"), nullable=True
        ),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("secret", sa.Text(), nullable=False),
        sa.Column("topics", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        *_timestamps(),
    )
    op.create_index("ix_webhooks_org_id", "webhooks", ["organization_id", "id"])
    op.create_table(
        "webhook_deliveries",
        sa.Column("id", Id, primary_key=True),
        _organization_id(),
        sa.Column(
            "webhook_id", Id, sa.ForeignKey("webhooks.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("topic", sa.String(32), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.JSON(), nullable=False),
        sa.Column("next_attempt_at", Timestamp, nullable=True),
        # Set while one worker sends it, so that another server process leaves it alone.
        sa.Column("lease_until", Timestamp, nullable=True),
        *_timestamps(),
    )
    op.create_index("ix_webhook_deliveries_webhook_id", "webhook_deliveries", ["webhook_id", "id"])
    op.create_index(
        "ix_webhook_deliveries_due", "webhook_deliveries", ["status", "next_attempt_at"]
    )


def downgrade() -> None:
    for table in (
        "webhook_deliveries",
        "webhooks",
        "project_resource_tags",
        "resource_tags",
        "invites",
        "project_memberships",
        "label_features",
        "labels",
        "labeling_overrides",
        "batch_rows",
        "batches",
    ):
        op.drop_table(table)
    op.drop_index("ix_projects_ontology_id", table_name="projects")
    with op.batch_alter_table("projects") as batch:
        batch.drop_column("coverage_percentage")
        batch.drop_column("number_of_labels")
        batch.drop_column("ontology_id")
    for table in ("ontology_features", "ontologies", "feature_schemas"):
        op.drop_table(table)
