from __future__ import annotations

from collections.abc import Iterable

from .._generated.base_model import UNSET
from .._generated.enums import UserRole
from .._generated.fragments import InviteFields
from .._generated.input_types import ProjectRoleInput
from .._transport import new_idempotency_key
from ..pagination import AsyncPaginator
from ._base import Resource, coerce_enum


class Invites(Resource):
    """`client.invites`: invitations to join the organization, with a role."""

    async def create(
        self,
        email: str,
        role: UserRole | str,
        *,
        project_roles: Iterable[tuple[str, UserRole | str]] | None = None,
    ) -> InviteFields:
        """Invites `email` with an organization `role`; with role NONE, `project_roles` gives
        `(project_id, role)` pairs instead. Inviting yourself is a `ValidationError`, an
        existing member a `ConflictError`."""
        if not isinstance(email, str) or "@" not in email:
            raise ValueError(f"email must be an email address, got {email!r}")
        role = coerce_enum(UserRole, role, "role")
        pairs = [
            ProjectRoleInput(project_id=project_id, role=coerce_enum(UserRole, r, "project role"))
            for project_id, r in project_roles or ()
        ]
        if role is UserRole.NONE and not pairs:
            raise ValueError("an invite with role NONE needs project_roles")
        if role is not UserRole.NONE and pairs:
            raise ValueError("project_roles apply only to invites with role NONE")
        return await self._call(
            self._api.create_invite(
                email=email,
                role=role,
                project_roles=pairs or UNSET,
                idempotency_key=new_idempotency_key(),
            )
        )

    def list(self, *, page_size: int = 100) -> AsyncPaginator[InviteFields]:
        """Pending invites, oldest first."""
        return AsyncPaginator(
            lambda first, after: self._call(self._api.list_invites(first=first, after=after)),
            page_size=page_size,
        )

    async def cancel(self, id: str) -> None:
        await self._call(self._api.cancel_invite(id=id, idempotency_key=new_idempotency_key()))
