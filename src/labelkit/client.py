"""`labelkit.Client`: the entry point that holds the transport and the resource managers."""

from __future__ import annotations

import os
from collections.abc import Mapping
from types import TracebackType
from typing import Any

import httpx

from ._generated.client import GeneratedClient
from ._transport import DEFAULT_URL, RetryPolicy
from .errors import AuthenticationError
from .resources import (
    Batches,
    DataRows,
    Datasets,
    Exports,
    FeatureSchemas,
    Files,
    GlobalKeys,
    Imports,
    Invites,
    Labels,
    MetadataSchema,
    Ontologies,
    Organizations,
    Predictions,
    Projects,
    ResourceTags,
    Tasks,
    Users,
    Webhooks,
)
from .resources._project_ontology import ProjectOntologies

__all__ = ["Client"]


class Client:
    """Async client of a labelkit server.

    ```python
    async with labelkit.Client() as client:
        project = await client.projects.create(name="cats")
    ```

    `api_key` falls back to `LABELKIT_API_KEY`, `url` to `LABELKIT_URL`, then to the local
    reference server (`labelkit serve`). Connection errors, timeouts, 429, 502, 503 and 504 are
    retried up to `max_retries` times with backoff; `max_retries=0` turns retries off, and a
    `RetryPolicy` sets the backoff too.
    """

    def __init__(
        self,
        api_key: str | None = None,
        *,
        url: str | None = None,
        timeout: float | httpx.Timeout = 30.0,
        max_retries: int | RetryPolicy = 4,
        http_client: httpx.AsyncClient | None = None,
    ) -> None:
        api_key = api_key or os.environ.get("LABELKIT_API_KEY")
        if not api_key:
            raise AuthenticationError(
                "No API key: pass labelkit.Client(api_key=...) or set the LABELKIT_API_KEY "
                "environment variable (`labelkit serve` prints a key for the local server)."
            )
        retry = (
            max_retries
            if isinstance(max_retries, RetryPolicy)
            else RetryPolicy(max_retries=max_retries)
        )
        if retry.max_retries < 0:
            raise ValueError(f"max_retries must be >= 0, got {retry.max_retries}")
        self.url = url or os.environ.get("LABELKIT_URL") or DEFAULT_URL
        self._api = GeneratedClient(
            self.url,
            api_key=api_key,
            timeout=timeout,
            retry=retry,
            http_client=http_client,
        )
        self.projects = Projects(self._api)
        self.datasets = Datasets(self._api)
        self.data_rows = DataRows(self._api)
        self.users = Users(self._api)
        self.organization = Organizations(self._api)
        self.files = Files(self._api)
        self.tasks = Tasks(self._api)
        self.global_keys = GlobalKeys(self._api)
        self.metadata_schema = MetadataSchema(self._api)
        self.feature_schemas = FeatureSchemas(self._api)
        self.ontologies = Ontologies(self._api)
        self.batches = Batches(self._api)
        self.invites = Invites(self._api)
        self.resource_tags = ResourceTags(self._api)
        self.webhooks = Webhooks(self._api)
        # Labels, imports and exports share one short-lived cache of project ontologies.
        ontologies = ProjectOntologies(self._api)
        self.labels = Labels(self._api, ontologies)
        self.predictions = Predictions(self._api, ontologies)
        self.imports = Imports(self._api, ontologies)
        self.exports = Exports(self._api)

    async def execute(
        self,
        query: str,
        variables: Mapping[str, Any] | None = None,
        *,
        operation_name: str | None = None,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """Runs any GraphQL document through the same transport and returns its `data`.

        A mutation is retried only when `idempotency_key` is given.
        """
        response = await self._api.execute(
            query, operation_name, variables, idempotency_key=idempotency_key
        )
        return response.data

    async def aclose(self) -> None:
        await self._api.aclose()

    async def __aenter__(self) -> Client:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    def __repr__(self) -> str:
        return f"labelkit.Client(url={self.url!r})"
