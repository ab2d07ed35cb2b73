"""Labels API: label columns, reviews, predictions, annotation imports, exports.

Revision ID: 0004
Revises: 0003
Create Date: 2026-03-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
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


def _project_id(*, nullable: bool = False) -> sa.Column[str]:
    return sa.Column(
        "project_id", Id, sa.ForeignKey("projects.id", ondelete="CASCADE"), nullable=nullable
    )


def upgrade() -> None:
    # Plain columns (no foreign key): SQLite cannot add a constrained column in place.
    op.add_column("labels", sa.Column("seconds_to_label", sa.Float(), nullable=True))
    op.add_column(
        "labels",
        sa.Column(
            "is_benchmark_reference", sa.Boolean(), nullable=False, server_default=sa.false()
        ),
    )
    op.add_column("labels", sa.Column("benchmark_created_at", Timestamp, nullable=True))
    op.add_column("labels", sa.Column("import_id", Id, nullable=True))
    # One label (or pre-label) per data row and import; NULLs (no import) never collide.
    op.create_index("ix_labels_import_id", "labels", ["import_id", "data_row_id"], unique=True)
    op.create_index("ix_labels_project_id", "labels", ["project_id", "id"])
    # Exports walk a project's rows in data row order.
    op.create_index("ix_batch_rows_project_data_row", "batch_rows", ["project_id", "data_row_id"])

    op.create_table(
        "reviews",
        sa.Column("id", Id, primary_key=True),
        _organization_id(),
        _project_id(),
        sa.Column("label_id", Id, sa.ForeignKey("labels.id", ondelete="CASCADE"), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("created_by_id", Id, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("updated_at", Timestamp, nullable=False),
    )
    op.create_index("ix_reviews_label_id", "reviews", ["label_id", "id"])

    op.create_table(
        "predictions",
        sa.Column("id", Id, primary_key=True),
        _organization_id(),
        _project_id(),
        sa.Column(
            "data_row_id", Id, sa.ForeignKey("data_rows.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("model_version", sa.String(255), nullable=True),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("import_id", Id, nullable=True),
        sa.Column("created_by_id", Id, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
    )
    op.create_index("ix_predictions_project_id", "predictions", ["project_id", "id"])
    op.create_index("ix_predictions_project_data_row", "predictions", ["project_id", "data_row_id"])
    op.create_index("ix_predictions_data_row_id", "predictions", ["data_row_id"])
    op.create_index(
        "ix_predictions_import_id", "predictions", ["import_id", "data_row_id"], unique=True
    )

    op.create_table(
        "label_imports",
        sa.Column("id", Id, primary_key=True),
        _organization_id(),
        _project_id(),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("task_id", Id, sa.ForeignKey("tasks.id", ondelete="CASCADE"), nullable=False),
        sa.Column("annotation_count", sa.Integer(), nullable=False),
        sa.Column("success_count", sa.Integer(), nullable=False),
        sa.Column("failure_count", sa.Integer(), nullable=False),
        sa.Column("errors", sa.JSON(), nullable=False),
        sa.Column("created_by_id", Id, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("updated_at", Timestamp, nullable=False),
    )
    op.create_index("ix_label_imports_project_id", "label_imports", ["project_id", "id"])

    op.create_table(
        "annotation_statuses",
        sa.Column(
            "import_id",
            Id,
            sa.ForeignKey("label_imports.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("idx", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("uuid", sa.String(64), nullable=True),
        sa.Column("data_row_id", Id, nullable=True),
        sa.Column("global_key", sa.String(255), nullable=True),
        sa.Column("name", sa.String(255), nullable=True),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("errors", sa.JSON(), nullable=True),
    )
    op.create_index(
        "ix_annotation_statuses_status", "annotation_statuses", ["import_id", "status", "idx"]
    )

    op.create_table(
        "exports",
        sa.Column("id", Id, primary_key=True),
        _organization_id(),
        _project_id(nullable=True),
        sa.Column(
            "dataset_id", Id, sa.ForeignKey("datasets.id", ondelete="CASCADE"), nullable=True
        ),
        sa.Column("title", sa.String(255), nullable=True),
        sa.Column("snapshot", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("row_count", sa.Integer(), nullable=True),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("filters", sa.JSON(), nullable=False),
        sa.Column("errors", sa.JSON(), nullable=False),
        sa.Column("created_by_id", Id, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("finished_at", Timestamp, nullable=True),
    )
    op.create_index("ix_exports_org_id", "exports", ["organization_id", "id"])


def downgrade() -> None:
    for table in ("exports", "annotation_statuses", "label_imports", "predictions", "reviews"):
        op.drop_table(table)
    op.drop_index("ix_batch_rows_project_data_row", table_name="batch_rows")
    op.drop_index("ix_labels_project_id", table_name="labels")
    op.drop_index("ix_labels_import_id", table_name="labels")
    with op.batch_alter_table("labels") as batch:
        batch.drop_column("import_id")
        batch.drop_column("benchmark_created_at")
        batch.drop_column("is_benchmark_reference")
        batch.drop_column("seconds_to_label")
