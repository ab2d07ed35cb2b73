"""The labelkit reference server: `schema.graphql` served by ariadne on Starlette.

Needs the `server` extra (`pip install labelkit[server]`). Run it with `labelkit serve`.
"""

from __future__ import annotations

from .admin import (
    create_database,
    create_organization,
    drop_database,
    temporary_postgres_database,
)
from .app import create_app
from .faults import FaultPlan
from .state import ServerState

__all__ = [
    "FaultPlan",
    "ServerState",
    "create_app",
    "create_database",
    "create_organization",
    "drop_database",
    "temporary_postgres_database",
]
