from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, inspect, text

from labelkit.server.db import create_engine, migrate
from labelkit.server.models import Base

from .conftest import discard_database, fresh_database_url


def schema_diff(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, Base.metadata))


def describe(connection: Connection) -> dict[str, Any]:
    inspector = inspect(connection)
    return {
        table: (
            [column["name"] for column in inspector.get_columns(table)],
            sorted(index["name"] or "" for index in inspector.get_indexes(table)),
        )
        for table in inspector.get_table_names()
    }


async def test_migrations_build_the_models_schema_and_rerun_as_no_op(
    backend: str, tmp_path: Path
) -> None:
    url = await fresh_database_url(backend, tmp_path)
    engine = create_engine(url)
    try:
        await migrate(engine)
        async with engine.connect() as connection:
            assert await connection.run_sync(schema_diff) == []
            before = await connection.run_sync(describe)
            version = await connection.scalar(text("SELECT version_num FROM alembic_version"))
        assert version == "0004"
        assert {
            "organizations",
            "users",
            "api_keys",
            "projects",
            "datasets",
            "data_rows",
            "attachments",
            "files",
            "idempotency_keys",
            "tasks",
            "metadata_fields",
        } <= set(before)
        assert "ix_data_rows_org_external_id" in before["data_rows"][1]
        assert "metadata" in before["data_rows"][0]

        await migrate(engine)
        async with engine.connect() as connection:
            assert await connection.run_sync(describe) == before
            versions = (
                await connection.execute(text("SELECT version_num FROM alembic_version"))
            ).all()
        assert [tuple(row) for row in versions] == [("0004",)]
    finally:
        await engine.dispose()
        await discard_database(backend, url)
