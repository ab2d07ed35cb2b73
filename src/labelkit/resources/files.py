from __future__ import annotations

import io
import mimetypes
from pathlib import Path
from typing import IO

import anyio

from .._generated.base_model import Upload
from .._transport import new_idempotency_key
from ._base import Resource


class Files(Resource):
    """`client.files`: uploads whose URL can be used as a data row's `row_data`."""

    async def upload(
        self,
        file: str | Path | bytes | IO[bytes],
        *,
        filename: str | None = None,
        content_type: str | None = None,
    ) -> str:
        """Uploads a local path, bytes or a binary file object and returns the file's URL."""
        if isinstance(file, str | Path):
            path = Path(file)
            filename = filename or path.name
            content: IO[bytes] = io.BytesIO(await anyio.Path(path).read_bytes())
        elif isinstance(file, bytes):
            content = io.BytesIO(file)
        else:
            content = file
        filename = filename or getattr(content, "name", None) or "upload.bin"
        filename = Path(str(filename)).name
        content_type = (
            content_type or mimetypes.guess_type(filename)[0] or "application/octet-stream"
        )
        upload = Upload(filename, content, content_type)  # type: ignore[arg-type]
        return await self._call(
            self._api.upload_file(file=upload, idempotency_key=new_idempotency_key())
        )
