"""Webhooks: webhooks, webhookDeliveries, createWebhook, updateWebhook, deleteWebhook."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from ariadne import ObjectType
from graphql import GraphQLResolveInfo
from sqlalchemy import ColumnElement, delete, select

from ..errors import validation
from ..ids import new_id
from ..models import Project, Webhook, WebhookDelivery, utcnow
from ..pagination import (
    Connection,
    check_first,
    decode_cursor,
    keyset,
    make_connection,
    resolve_total_count,
)
from ..webhooks import parse_attempt
from .common import context, count_where, find_in_organization, mutation, query

__all__ = ["MAX_SECRET_LENGTH", "MAX_URL_LENGTH", "bindables"]

MAX_URL_LENGTH = 2048
MAX_SECRET_LENGTH = 255

connections = [ObjectType("WebhookConnection"), ObjectType("WebhookDeliveryConnection")]
for _connection in connections:
    _connection.set_field("totalCount", resolve_total_count)


@dataclass(slots=True)
class DeliveryView:
    id: str
    webhook_id: str
    topic: str
    status: str
    payload: Any
    attempts: list[dict[str, Any]]
    next_attempt_at: datetime | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, delivery: WebhookDelivery) -> DeliveryView:
        return cls(
            id=delivery.id,
            webhook_id=delivery.webhook_id,
            topic=delivery.topic,
            status=delivery.status,
            payload=json.loads(delivery.body),
            attempts=[parse_attempt(record) for record in delivery.attempts],
            next_attempt_at=delivery.next_attempt_at,
            created_at=delivery.created_at,
            updated_at=delivery.updated_at,
        )


def _url(value: Any) -> str:
    if not isinstance(value, str) or len(value) > MAX_URL_LENGTH:
        raise validation(f"url must be a string of at most {MAX_URL_LENGTH} characters")
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise validation(f"url must be an http(s) URL with a host, got {value[:100]!r}")
    return value


def _secret(value: Any) -> str:
    if not isinstance(value, str) or not value or len(value) > MAX_SECRET_LENGTH:
        raise validation(f"secret must be 1 to {MAX_SECRET_LENGTH} characters")
    return value


def _topics(value: list[str]) -> list[str]:
    if not value:
        raise validation("topics must not be empty")
    return list(dict.fromkeys(value))


@query.field("webhooks")
async def resolve_webhooks(
    _: None,
    info: GraphQLResolveInfo,
    project_id: str | None = None,
    first: int | None = None,
    after: str | None = None,
) -> Connection:
    ctx = context(info)
    limit = check_first(first)
    after_id = decode_cursor(after, "whk")
    conditions: list[ColumnElement[bool]] = [Webhook.organization_id == ctx.organization_id]
    async with ctx.session() as session:
        if project_id is not None:
            await find_in_organization(session, ctx, Project, project_id)
            conditions.append(Webhook.project_id == project_id)
        webhooks = (
            await session.scalars(
                keyset(select(Webhook).where(*conditions), Webhook.id, limit, after_id)
            )
        ).all()
    return make_connection(webhooks, limit, lambda: count_where(ctx, Webhook, *conditions))


@query.field("webhookDeliveries")
async def resolve_webhook_deliveries(
    _: None,
    info: GraphQLResolveInfo,
    webhook_id: str,
    first: int | None = None,
    after: str | None = None,
) -> Connection:
    ctx = context(info)
    limit = check_first(first)
    after_id = decode_cursor(after, "wdl")
    of_webhook = WebhookDelivery.webhook_id == webhook_id
    async with ctx.session() as session:
        await find_in_organization(session, ctx, Webhook, webhook_id)
        deliveries = (
            await session.scalars(
                keyset(
                    select(WebhookDelivery).where(of_webhook), WebhookDelivery.id, limit, after_id
                )
            )
        ).all()
    return make_connection(
        [DeliveryView.of(d) for d in deliveries],
        limit,
        lambda: count_where(ctx, WebhookDelivery, of_webhook),
    )


@mutation.field("createWebhook")
async def resolve_create_webhook(
    _: None, info: GraphQLResolveInfo, input: dict[str, Any]
) -> Webhook:
    ctx = context(info)
    now = utcnow()
    webhook = Webhook(
        id=new_id("whk"),
        organization_id=ctx.organization_id,
        project_id=input.get("project_id"),
        url=_url(input.get("url")),
        secret=_secret(input.get("secret")),
        topics=_topics(input["topics"]),
        status="ACTIVE",
        created_at=now,
        updated_at=now,
    )
    async with ctx.transaction() as session:
        if webhook.project_id is not None:
            await find_in_organization(session, ctx, Project, webhook.project_id)
        session.add(webhook)
    return webhook


@mutation.field("updateWebhook")
async def resolve_update_webhook(
    _: None, info: GraphQLResolveInfo, id: str, input: dict[str, Any]
) -> Webhook:
    ctx = context(info)
    # Omitted (or null) fields stay as they are.
    changes: dict[str, Any] = {}
    if input.get("url") is not None:
        changes["url"] = _url(input["url"])
    if input.get("secret") is not None:
        changes["secret"] = _secret(input["secret"])
    if input.get("topics") is not None:
        changes["topics"] = _topics(input["topics"])
    if input.get("status") is not None:
        changes["status"] = input["status"]
    async with ctx.transaction() as session:
        webhook = await find_in_organization(session, ctx, Webhook, id)
        for attribute, value in changes.items():
            setattr(webhook, attribute, value)
        if changes:
            webhook.updated_at = utcnow()
    return webhook


@mutation.field("deleteWebhook")
async def resolve_delete_webhook(_: None, info: GraphQLResolveInfo, id: str) -> dict[str, int]:
    ctx = context(info)
    async with ctx.transaction() as session:
        webhook = await find_in_organization(session, ctx, Webhook, id)
        await session.execute(delete(Webhook).where(Webhook.id == webhook.id))
    return {"deleted_count": 1}


bindables = [*connections]
