from __future__ import annotations

import builtins

from .._generated.enums import UserRole
from .._generated.fragments import OrganizationFields, UserFields
from .._generated.list_roles import ListRolesRoles
from .._generated.me import MeMe
from .._transport import new_idempotency_key
from ..pagination import AsyncPaginator
from ._base import Resource, coerce_enum


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

    async def roles(self) -> builtins.list[ListRolesRoles]:
        """The roles a user can have in the organization or in a project."""
        return await self._call(self._api.list_roles())

    async def set_role(self, user_id: str, role: UserRole | str) -> UserFields:
        """Changes a member's organization role (not your own). Project roles are kept and
        apply again whenever the role is NONE."""
        return await self._call(
            self._api.set_organization_role(
                user_id=user_id,
                role=coerce_enum(UserRole, role, "role"),
                idempotency_key=new_idempotency_key(),
            )
        )


class Organizations(Resource):
    """`client.organization`: the organization of the API key."""

    async def get(self) -> OrganizationFields:
        return await self._call(self._api.get_organization())
