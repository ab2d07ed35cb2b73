"""Initial schema.

Revision ID: 0001
Revises:
Create Date: 2026-01-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

Id = sa.String(32).with_variant(sa.String(32, collation="C"), "postgresql")
Timestamp = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "organizations",
        sa.Column("id", Id, primary_key=True),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("updated_at", Timestamp, nullable=False),
    )
    op.create_table(
        "users",
        sa.Column("id", Id, primary_key=True),
        sa.Column(
            "organization_id",
            Id,
            sa.ForeignKey("organizations.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("email", sa.String(255), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.UniqueConstraint("organization_id", "email", name="uq_users_org_email"),
    )
    op.create_index("ix_users_organization_id", "users", ["organization_id"])
    op.create_table(
        "api_keys",
        sa.Column("key_hash", sa.String(64), primary_key=True),
        sa.Column(
            "organization_id",
            Id,
            sa.ForeignKey("organizations.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("user_id", Id, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
    )
    op.create_index("ix_api_keys_organization_id", "api_keys", ["organization_id"])
    op.create_index("ix_api_keys_user_id", "api_keys", ["user_id"])
    op.create_table(
        "projects",
        sa.Column("id", Id, primary_key=True),
        sa.Column(
            "organization_id",
            Id,
            sa.ForeignKey("organizations.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("media_type", sa.String(32), nullable=False),
        sa.Column("queue_mode", sa.String(32), nullable=False),
        sa.Column("quality_mode", sa.String(32), nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("updated_at", Timestamp, nullable=False),
        sa.Column("last_activity_time", Timestamp, nullable=True),
        sa.Column("created_by_id", Id, sa.ForeignKey("users.id"), nullable=False),
    )
    op.create_index("ix_projects_org_id", "projects", ["organization_id", "id"])
    op.create_index("ix_projects_created_by_id", "projects", ["created_by_id"])
    op.create_table(
        "datasets",
        sa.Column("id", Id, primary_key=True),
        sa.Column(
            "organization_id",
            Id,
            sa.ForeignKey("organizations.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("row_count", sa.Integer(), nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("updated_at", Timestamp, nullable=False),
        sa.Column("created_by_id", Id, sa.ForeignKey("users.id"), nullable=False),
    )
    op.create_index("ix_datasets_org_id", "datasets", ["organization_id", "id"])
    op.create_index("ix_datasets_created_by_id", "datasets", ["created_by_id"])
    op.create_table(
        "data_rows",
        sa.Column("id", Id, primary_key=True),
        sa.Column(
            "organization_id",
            Id,
            sa.ForeignKey("organizations.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "dataset_id", Id, sa.ForeignKey("datasets.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("row_data", sa.Text(), nullable=False),
        sa.Column("global_key", sa.String(255), nullable=True),
        sa.Column("external_id", sa.String(255), nullable=True),
        sa.Column("media_type", sa.String(32), nullable=True),
        sa.Column("metadata", sa.JSON(), nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("updated_at", Timestamp, nullable=False),
        sa.UniqueConstraint("organization_id", "global_key", name="uq_data_rows_org_global_key"),
    )
    op.create_index("ix_data_rows_dataset_id", "data_rows", ["dataset_id", "id"])
    op.create_table(
        "attachments",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "data_row_id", Id, sa.ForeignKey("data_rows.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(32), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("name", sa.String(255), nullable=True),
    )
    op.create_index("ix_attachments_data_row_id", "attachments", ["data_row_id"])
    op.create_table(
        "files",
        sa.Column("id", Id, primary_key=True),
        sa.Column(
            "organization_id",
            Id,
            sa.ForeignKey("organizations.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("content_type", sa.String(255), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
    )
    op.create_index("ix_files_org_id", "files", ["organization_id", "id"])
    op.create_table(
        "idempotency_keys",
        sa.Column(
            "organization_id",
            Id,
            sa.ForeignKey("organizations.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("key", sa.String(255), primary_key=True),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("response_body", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", Timestamp, nullable=False),
    )
    op.create_index("ix_idempotency_keys_created_at", "idempotency_keys", ["created_at"])


def downgrade() -> None:
    for table in (
        "idempotency_keys",
        "files",
        "attachments",
        "data_rows",
        "datasets",
        "projects",
        "api_keys",
        "users",
        "organizations",
    ):
        op.drop_table(table)
