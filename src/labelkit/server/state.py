"""Everything one server instance owns: settings, engine, caches, and the one-time startup."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy.engine import URL, make_url

from .admin import bootstrap
from .auth import KeyCache
from .db import create_engine, create_sessionmaker, migrate, sqlite_path
from .files import FileStore

__all__ = ["ServerState", "default_data_dir"]


def default_data_dir(url: URL) -> Path | None:
    """`./labelkit-data/` beside `./labelkit.db`; None (a temporary directory) otherwise."""
    database = sqlite_path(url)
    return database.with_name(f"{database.stem}-data") if database is not None else None


class ServerState:
    def __init__(
        self,
        database_url: str | URL,
        *,
        dev_key: str | None = None,
        data_dir: Path | None = None,
    ) -> None:
        self.database_url = make_url(database_url)
        self.dev_key = dev_key
        self.engine = create_engine(self.database_url)
        self.sessions = create_sessionmaker(self.engine)
        self.keys = KeyCache(self.sessions)
        self.files = FileStore(data_dir or default_data_dir(self.database_url))
        #: The API key made on first run when no dev key was given (shown once by the CLI).
        self.generated_key: str | None = None
        self._started = False
        self._lock = asyncio.Lock()

    async def ensure_started(self) -> None:
        """Migrates and bootstraps the database once; later calls return at once.

        Called from the lifespan and, lazily, by the first request, since in-process test
        transports do not run the lifespan.
        """
        if self._started:
            return
        async with self._lock:
            if self._started:
                return
            await migrate(self.engine)
            self.generated_key = await bootstrap(self.sessions, self.dev_key)
            self._started = True

    async def shutdown(self) -> None:
        await self.engine.dispose()
