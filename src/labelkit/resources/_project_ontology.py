"""The ontology of a project, read for client-side annotation checks and kept briefly."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from ..annotations import OntologyIndex
from ._base import Resource

if TYPE_CHECKING:
    from .._generated.client import GeneratedClient

#: Seconds an ontology is reused. The server checks every write anyway; this only saves a
#: request per call in a burst of creates.
TTL = 10.0


class ProjectOntologies(Resource):
    def __init__(self, api: GeneratedClient) -> None:
        super().__init__(api)
        self._cache: dict[str, tuple[float, OntologyIndex]] = {}

    async def get(self, project_id: str) -> OntologyIndex:
        """The project's ontology; `ValueError` when it has none (nothing can be labeled)."""
        cached = self._cache.get(project_id)
        if cached is not None and time.monotonic() - cached[0] < TTL:
            return cached[1]
        project = await self._call(self._api.get_project_ontology_normalized(id=project_id))
        if project.ontology is None:
            raise ValueError(
                f"project {project_id} has no ontology; connect one with "
                "client.projects.connect_ontology(project_id, ontology_id)"
            )
        index = OntologyIndex(project.ontology.normalized)
        self._cache[project_id] = (time.monotonic(), index)
        return index
