from __future__ import annotations

from .._generated.fragments import OrganizationFields, UserFields
from .._generated.me import MeMe
from ..pagination import AsyncPaginator
from ._base import Resource


class Users(Resource):
    """`client.users`: the users of the API key's organization."""

    async def me(self) -> MeMe:
        """The user the API key belongs to, with their organization."""
        return await self._call(self._api.me())

    def list(self, *, page_size: int = 100) -> AsyncPaginator[UserFields]:
        return AsyncPaginator(
            lambda first, after: self._call(self._api.list_users(first=first, after=after)),
            page_size=page_size,
        )


class Organizations(Resource):
    """`client.organization`: the organization of the API key."""

    async def get(self) -> OrganizationFields:
        return await self._call(self._api.get_organization())
