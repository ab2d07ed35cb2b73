from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from .._generated.base_model import UNSET, UnsetType
from .._generated.enums import WebhookStatus, WebhookTopic
from .._generated.fragments import WebhookDeliveryFields, WebhookFields
from .._generated.input_types import CreateWebhookInput, UpdateWebhookInput
from .._transport import new_idempotency_key
from ..pagination import AsyncPaginator
from ._base import Resource, coerce_enum


def _url(url: str) -> str:
    parts = urlsplit(url) if isinstance(url, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"url must be an http(s) URL, got {url!r}")
    return url


def _topics(topics: Iterable[WebhookTopic | str]) -> list[WebhookTopic]:
    if isinstance(topics, str):
        raise TypeError("topics must be a list, not a single string")
    values = [coerce_enum(WebhookTopic, topic, "topics") for topic in topics]
    if not values:
        raise ValueError("topics must not be empty")
    return values


class Webhooks(Resource):
    """`client.webhooks`: HTTP POSTs of label and review events.

    Each POST carries `X-Labelkit-Signature: sha256=<hex HMAC-SHA256 of the body>` keyed
    with the webhook's secret; failed deliveries are retried with backoff and every attempt
    is listed by `deliveries()`.
    """

    async def create(
        self,
        *,
        url: str,
        secret: str,
        topics: Iterable[WebhookTopic | str],
        project_id: str | None = None,
    ) -> WebhookFields:
        """A webhook for one project, or for every project when `project_id` is None."""
        if not isinstance(secret, str) or not secret:
            raise ValueError("secret must be a non-empty string")
        webhook_input = CreateWebhookInput(
            project_id=project_id, url=_url(url), secret=secret, topics=_topics(topics)
        )
        return await self._call(
            self._api.create_webhook(input=webhook_input, idempotency_key=new_idempotency_key())
        )

    async def update(
        self,
        id: str,
        *,
        url: str | UnsetType = UNSET,
        secret: str | UnsetType = UNSET,
        topics: Iterable[WebhookTopic | str] | UnsetType = UNSET,
        status: WebhookStatus | str | UnsetType = UNSET,
    ) -> WebhookFields:
        """Changes the given fields; `status` is ACTIVE or INACTIVE (no deliveries)."""
        fields: dict[str, Any] = {}
        if not isinstance(url, UnsetType):
            fields["url"] = _url(url)
        if not isinstance(secret, UnsetType):
            fields["secret"] = secret
        if not isinstance(topics, UnsetType):
            fields["topics"] = _topics(topics)
        if not isinstance(status, UnsetType):
            fields["status"] = coerce_enum(WebhookStatus, status, "status")
        if not fields:
            raise ValueError("update() needs at least one field to change")
        return await self._call(
            self._api.update_webhook(
                id=id,
                input=UpdateWebhookInput(**fields),
                idempotency_key=new_idempotency_key(),
            )
        )

    async def delete(self, id: str) -> None:
        await self._call(self._api.delete_webhook(id=id, idempotency_key=new_idempotency_key()))

    def list(
        self, *, project_id: str | None = None, page_size: int = 100
    ) -> AsyncPaginator[WebhookFields]:
        """The webhooks of a project, or all of the organization's when `project_id` is None."""
        return AsyncPaginator(
            lambda first, after: self._call(
                self._api.list_webhooks(
                    project_id=project_id if project_id is not None else UNSET,
                    first=first,
                    after=after,
                )
            ),
            page_size=page_size,
        )

    def deliveries(
        self, webhook_id: str, *, page_size: int = 100
    ) -> AsyncPaginator[WebhookDeliveryFields]:
        """The webhook's deliveries, oldest first, each with every attempt made."""
        return AsyncPaginator(
            lambda first, after: self._call(
                self._api.list_webhook_deliveries(webhook_id=webhook_id, first=first, after=after)
            ),
            page_size=page_size,
        )
