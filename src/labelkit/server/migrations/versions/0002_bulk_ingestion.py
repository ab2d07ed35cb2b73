"""Bulk ingestion: tasks, metadata fields, and an index for external id lookups.

Revision ID: 0002
Revises: 0001
Create Date: 2026-02-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
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


def upgrade() -> None:
    op.create_table(
        "tasks",
        sa.Column("id", Id, primary_key=True),
        _organization_id(),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("completion_percentage", sa.Float(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("errors", sa.JSON(), nullable=False),
        sa.Column("failed_data_rows", sa.JSON(), nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("updated_at", Timestamp, nullable=False),
    )
    op.create_index("ix_tasks_org_id", "tasks", ["organization_id", "id"])
    op.create_table(
        "metadata_fields",
        sa.Column("id", Id, primary_key=True),
        _organization_id(),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.UniqueConstraint("organization_id", "name", name="uq_metadata_fields_org_name"),
    )
    op.create_index("ix_data_rows_org_external_id", "data_rows", ["organization_id", "external_id"])


def downgrade() -> None:
    op.drop_index("ix_data_rows_org_external_id", table_name="data_rows")
    op.drop_table("metadata_fields")
    op.drop_table("tasks")
