"""uploadFile: stores the bytes for the caller's organization and returns their URL."""

from __future__ import annotations

from graphql import GraphQLResolveInfo
from starlette.datastructures import UploadFile

from ..errors import validation
from ..files import MAX_UPLOAD_BYTES
from ..ids import new_id
from ..models import StoredFile, utcnow
from .common import context, mutation

__all__ = ["bindables"]

_DEFAULT_CONTENT_TYPE = "application/octet-stream"


@mutation.field("uploadFile")
async def resolve_upload_file(_: None, info: GraphQLResolveInfo, file: UploadFile) -> str:
    ctx = context(info)
    if not isinstance(file, UploadFile):
        raise validation("file must be sent as a multipart upload")
    if file.size is not None and file.size > MAX_UPLOAD_BYTES:
        raise validation(f"Files may be at most {MAX_UPLOAD_BYTES // (1024 * 1024)} MB")
    file_id = new_id("fil")
    store = ctx.state.files
    size = await store.save(ctx.organization_id, file_id, file.file)
    try:
        if size > MAX_UPLOAD_BYTES:
            raise validation(f"Files may be at most {MAX_UPLOAD_BYTES // (1024 * 1024)} MB")
        async with ctx.transaction() as session:
            session.add(
                StoredFile(
                    id=file_id,
                    organization_id=ctx.organization_id,
                    filename=(file.filename or file_id)[-255:],
                    content_type=(file.content_type or _DEFAULT_CONTENT_TYPE)[:255],
                    size=size,
                    created_at=utcnow(),
                )
            )
    except BaseException:
        await store.delete(ctx.organization_id, file_id)
        raise
    return f"{str(ctx.request.base_url).rstrip('/')}/files/{file_id}"


bindables: list[object] = []
