"""Administrative helpers: the first-run bootstrap, extra organizations, test databases."""

from __future__ import annotations

import asyncio
import contextlib
import re
import secrets
from collections.abc import Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from sqlalchemy import select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from .auth import hash_key, new_api_key
from .db import create_engine, create_sessionmaker
from .ids import new_id
from .models import ApiKey, Organization, User, utcnow

__all__ = [
    "bootstrap",
    "create_database",
    "create_organization",
    "drop_database",
    "temporary_postgres_database",
]

T = TypeVar("T")

DEFAULT_ORGANIZATION_NAME = "Default organization"
_DATABASE_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


async def _add_organization(
    session: AsyncSession, name: str, api_key: str, admin_email: str
) -> str:
    now = utcnow()
    organization = Organization(id=new_id("org"), name=name, created_at=now, updated_at=now)
    session.add(organization)
    await session.flush()  # rows below reference it; flush order is by dependency
    admin = User(
        id=new_id("usr"),
        organization_id=organization.id,
        email=admin_email,
        name="Admin",
        role="ADMIN",
        created_at=now,
    )
    session.add(admin)
    await session.flush()
    session.add(
        ApiKey(
            key_hash=hash_key(api_key),
            organization_id=organization.id,
            user_id=admin.id,
            created_at=now,
        )
    )
    return organization.id


async def bootstrap(sessions: async_sessionmaker[AsyncSession], dev_key: str | None) -> str | None:
    """Makes sure the database has an organization, an admin and an API key.

    On an empty database it creates all three, with `dev_key` as the key when given, and
    returns the key when it was generated. On an existing database a given `dev_key` is added
    for the first admin if it is not known yet, so a rerun with the same key keeps working.
    """
    async with sessions.begin() as session:
        if await session.scalar(select(Organization.id).limit(1)) is None:
            api_key = dev_key or new_api_key()
            await _add_organization(session, DEFAULT_ORGANIZATION_NAME, api_key, "admin@localhost")
            return None if dev_key else api_key
        if dev_key is None:
            return None
        digest = hash_key(dev_key)
        if await session.scalar(select(ApiKey.key_hash).where(ApiKey.key_hash == digest)):
            return None
        admin = await session.scalar(
            select(User).where(User.role == "ADMIN").order_by(User.id).limit(1)
        )
        if admin is None:
            raise RuntimeError("The database has no admin user to attach the dev key to")
        session.add(
            ApiKey(
                key_hash=digest,
                organization_id=admin.organization_id,
                user_id=admin.id,
                created_at=utcnow(),
            )
        )
    return None


async def create_organization(
    target: str | async_sessionmaker[AsyncSession],
    name: str,
    *,
    api_key: str | None = None,
    admin_email: str = "admin@localhost",
) -> tuple[str, str]:
    """Creates an organization with an admin user and an API key; returns (org id, key).

    `target` is a database URL (migrated already) or a session factory.
    """
    api_key = api_key or new_api_key()
    if isinstance(target, str):
        engine = create_engine(target)
        try:
            return await create_organization(
                create_sessionmaker(engine), name, api_key=api_key, admin_email=admin_email
            )
        finally:
            await engine.dispose()
    async with target.begin() as session:
        organization_id = await _add_organization(session, name, api_key, admin_email)
    return organization_id, api_key


async def create_database(
    server_url: str, name: str | None = None, *, prefix: str = "labelkit_test"
) -> str:
    """Creates a fresh PostgreSQL database next to `server_url`'s and returns its URL.

    Tests use this to run against an empty database of their own; `drop_database` removes it.
    """
    name = name or f"{prefix}_{secrets.token_hex(6)}"
    if not _DATABASE_NAME.fullmatch(name):
        raise ValueError(f"Unsafe database name: {name!r}")
    url = make_url(server_url)
    engine = create_async_engine(url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            await connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        await engine.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


async def drop_database(database_url: str, *, maintenance_db: str = "postgres") -> None:
    """Drops a PostgreSQL database made by `create_database`, closing its open connections."""
    url = make_url(database_url)
    name = url.database or ""
    if not _DATABASE_NAME.fullmatch(name):
        raise ValueError(f"Unsafe database name: {name!r}")
    engine = create_async_engine(url.set(database=maintenance_db), isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        await engine.dispose()


def _run_in_thread(coroutine: Coroutine[Any, Any, T]) -> T:
    # Its own thread and loop, so that callers may already be inside a running event loop.
    with ThreadPoolExecutor(max_workers=1) as executor:
        return executor.submit(asyncio.run, coroutine).result()


@contextlib.contextmanager
def temporary_postgres_database(server_url: str, *, prefix: str = "labelkit_test") -> Iterator[str]:
    """`with temporary_postgres_database(url) as database_url:` a fresh PostgreSQL database
    for the block (e.g. a test session), dropped afterwards. Usable from sync code."""
    database_url = _run_in_thread(create_database(server_url, prefix=prefix))
    try:
        yield database_url
    finally:
        _run_in_thread(drop_database(database_url))
