"""Uploaded files: bytes on disk under the data directory, one folder per organization."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import FileResponse, Response

from .errors import ErrorCode, error_body
from .models import StoredFile
from .request_id import request_info

__all__ = ["MAX_UPLOAD_BYTES", "FileStore", "serve_file"]

MAX_UPLOAD_BYTES = 50 * 1024 * 1024


class FileStore:
    """Stores files as `<root>/<organization id>/<file id>`.

    Without a root (non-SQLite databases with no data directory configured) a temporary
    directory is made on first use.
    """

    def __init__(self, root: Path | None) -> None:
        self._root = root

    @property
    def root(self) -> Path:
        if self._root is None:
            self._root = Path(tempfile.mkdtemp(prefix="labelkit-data-"))
        return self._root

    def path(self, organization_id: str, file_id: str) -> Path:
        return self.root / organization_id / file_id

    async def save(self, organization_id: str, file_id: str, source: BinaryIO) -> int:
        """Copies `source` to the store and returns its size in bytes."""
        return await asyncio.to_thread(self._save, self.path(organization_id, file_id), source)

    async def delete(self, organization_id: str, file_id: str) -> None:
        await asyncio.to_thread(self.path(organization_id, file_id).unlink, missing_ok=True)

    @staticmethod
    def _save(target: Path, source: BinaryIO) -> int:
        target.parent.mkdir(parents=True, exist_ok=True)
        source.seek(0)
        with target.open("wb") as out:
            shutil.copyfileobj(source, out, length=1024 * 1024)
            return out.tell()


async def serve_file(request: Request) -> Response:
    """GET /files/{file_id}: the file, if it belongs to the caller's organization."""
    info = request_info(request.scope)
    principal = info.principal
    assert principal is not None, "AuthMiddleware runs before this endpoint"
    state = request.app.state.labelkit
    file_id = request.path_params["file_id"]
    async with state.sessions() as session:
        stored = await session.scalar(
            select(StoredFile).where(
                StoredFile.id == file_id, StoredFile.organization_id == principal.organization_id
            )
        )
    path = state.files.path(principal.organization_id, file_id) if stored else None
    if stored is None or path is None or not path.is_file():
        body = error_body(ErrorCode.NOT_FOUND, f"File {file_id!r} not found", info.request_id)
        return Response(body, status_code=404, media_type="application/json")
    return FileResponse(
        path,
        media_type=stored.content_type,
        filename=stored.filename,
        content_disposition_type="inline",
    )
