"""Everything one server instance owns: settings, engine, caches, and the one-time startup."""

from __future__ import annotations

import asyncio
import contextlib
from contextlib import AbstractAsyncContextManager
from pathlib import Path

from sqlalchemy.engine import URL, make_url

from .admin import bootstrap
from .auth import KeyCache
from .db import create_engine, create_sessionmaker, is_sqlite, migrate, sqlite_path
from .files import FileStore
from .webhooks import WebhookWorker

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
        #: Sends webhook deliveries in the background once the server has started.
        self.webhooks = WebhookWorker(self.sessions)
        #: The API key made on first run when no dev key was given (shown once by the CLI).
        self.generated_key: str | None = None
        self._started = False
        self._lock = asyncio.Lock()
        self._write_lock = asyncio.Lock() if is_sqlite(self.database_url) else None

    def write_turn(self) -> AbstractAsyncContextManager[object]:
        """Wrap a hot write transaction in this to queue it behind the others in process.

        SQLite has one writer at a time, and a writer waiting for the lock sleeps in growing
        steps (1, 2, 5, 10, 15 ms ...), so under concurrent bulk imports the lock sat idle
        most of the time. Queued here, the next writer starts the moment the last one
        commits. Other databases need no queue.
        """
        return self._write_lock if self._write_lock is not None else contextlib.nullcontext()

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
            self.webhooks.start()
            self._started = True

    async def shutdown(self) -> None:
        await self.webhooks.stop()
        await self.engine.dispose()
