from __future__ import annotations

import re

from .._generated.fragments import ResourceTagFields
from .._transport import new_idempotency_key
from ._base import Resource

_COLOR = re.compile(r"[0-9a-fA-F]{6}")


class ResourceTags(Resource):
    """`client.resource_tags`: the organization's tags; set them on projects with
    `client.projects.set_resource_tags`."""

    async def create(self, text: str, color: str) -> ResourceTagFields:
        """A tag; `color` is six hex digits without '#', e.g. "008856"."""
        if not isinstance(text, str) or not text.strip():
            raise ValueError("text must be a non-empty string")
        if not isinstance(color, str) or not _COLOR.fullmatch(color):
            raise ValueError(f"color must be six hex digits without '#', got {color!r}")
        return await self._call(
            self._api.create_resource_tag(
                text=text, color=color, idempotency_key=new_idempotency_key()
            )
        )

    async def list(self) -> list[ResourceTagFields]:
        """Every tag of the organization, oldest first."""
        return await self._call(self._api.list_resource_tags())
