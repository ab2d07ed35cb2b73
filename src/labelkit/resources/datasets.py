from __future__ import annotations

from .._generated.base_model import UNSET, UnsetType
from .._generated.fragments import DatasetFields
from .._generated.input_types import CreateDatasetInput, DatasetFilter, UpdateDatasetInput
from .._transport import new_idempotency_key
from ..pagination import AsyncPaginator
from ._base import Resource, changed_fields


class Datasets(Resource):
    """`client.datasets`: create, read, list, update and delete datasets."""

    async def create(
        self, *, name: str, description: str | None = None, idempotency_key: str | None = None
    ) -> DatasetFields:
        """Creates a dataset. Safe to retry: a retry replays the first creation."""
        return await self._call(
            self._api.create_dataset(
                input=CreateDatasetInput(name=name, description=description),
                idempotency_key=idempotency_key or new_idempotency_key(),
            )
        )

    async def get(self, id: str) -> DatasetFields:
        """The dataset; `NotFoundError` if it does not exist in this organization."""
        return await self._call(self._api.get_dataset(id=id))

    def list(
        self, *, name_contains: str | None = None, page_size: int = 100
    ) -> AsyncPaginator[DatasetFields]:
        """Every dataset, oldest first; `name_contains` matches case-insensitively."""
        filter_ = DatasetFilter(name_contains=name_contains) if name_contains is not None else UNSET
        return AsyncPaginator(
            lambda first, after: self._call(
                self._api.list_datasets(first=first, after=after, filter_=filter_)
            ),
            page_size=page_size,
        )

    async def update(
        self,
        id: str,
        *,
        name: str | UnsetType = UNSET,
        description: str | None | UnsetType = UNSET,
    ) -> DatasetFields:
        """Changes the given fields only."""
        fields = changed_fields(name=name, description=description)
        return await self._call(
            self._api.update_dataset(
                id=id, input=UpdateDatasetInput(**fields), idempotency_key=new_idempotency_key()
            )
        )

    async def delete(self, id: str) -> None:
        """Deletes the dataset and all its data rows; `NotFoundError` if it does not exist."""
        await self._call(self._api.delete_dataset(id=id, idempotency_key=new_idempotency_key()))
