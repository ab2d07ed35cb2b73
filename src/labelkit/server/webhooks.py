"""Webhook events: `emit` queues them, `WebhookWorker` POSTs them, signed, with retries.

Deliveries are rows of `webhook_deliveries`, written in the transaction of the change that
causes them, so an event exists exactly when its change commits, and pending deliveries
survive a restart. The worker runs in every server process; a lease on each delivery keeps
two processes from sending the same one at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import logging
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import ColumnElement, CursorResult, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from .ids import new_id
from .models import Webhook, WebhookDelivery, utcnow

__all__ = [
    "SIGNATURE_HEADER",
    "TOPICS",
    "WebhookWorker",
    "emit",
    "sign",
]

logger = logging.getLogger("labelkit.server.webhooks")

TOPICS = frozenset(
    {
        "LABEL_CREATED",
        "LABEL_UPDATED",
        "LABEL_DELETED",
        "REVIEW_CREATED",
        "REVIEW_UPDATED",
        "REVIEW_DELETED",
    }
)
SIGNATURE_HEADER = "X-Labelkit-Signature"
_LEASE = timedelta(seconds=60)
_MAX_ERROR_LENGTH = 500


def sign(secret: str, body: bytes) -> str:
    """The signature header's value: `sha256=<hex HMAC-SHA256 of the body keyed by secret>`."""
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


async def emit(
    session: AsyncSession,
    *,
    organization_id: str,
    project_id: str | None,
    topic: str,
    data: Any,
) -> list[str]:
    """Queues an event for every active webhook subscribed to `topic` in the project (or in
    the whole organization), inside the caller's transaction; returns the delivery ids.

    The body sent is `{id, topic, organizationId, projectId, createdAt, data}`; `data` must be
    JSON-serializable (e.g. the label as the API returns it).
    """
    if topic not in TOPICS:
        raise ValueError(f"unknown webhook topic {topic!r}")
    scope: ColumnElement[bool] = Webhook.project_id.is_(None)
    if project_id is not None:
        scope = or_(scope, Webhook.project_id == project_id)
    webhooks = await session.scalars(
        select(Webhook).where(
            Webhook.organization_id == organization_id, Webhook.status == "ACTIVE", scope
        )
    )
    now = utcnow()
    ids = []
    for webhook in webhooks:
        if topic not in webhook.topics:
            continue
        delivery_id = new_id("wdl")
        body = {
            "id": delivery_id,
            "topic": topic,
            "organizationId": organization_id,
            "projectId": project_id,
            "createdAt": now.isoformat(),
            "data": data,
        }
        session.add(
            WebhookDelivery(
                id=delivery_id,
                organization_id=organization_id,
                webhook_id=webhook.id,
                topic=topic,
                body=json.dumps(body, separators=(",", ":")),
                status="PENDING",
                attempts=[],
                next_attempt_at=now,
                created_at=now,
                updated_at=now,
            )
        )
        ids.append(delivery_id)
    await session.flush()
    return ids


def _aware(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


class WebhookWorker:
    """Sends due deliveries in the background: POST, signature header, retries with backoff.

    A failed attempt (no response, or a status other than 2xx) is retried after
    `backoff * 2 ** (attempt - 1)` seconds (at most `max_backoff`), up to `max_attempts`
    attempts in all; then the delivery is FAILED.
    """

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        poll_interval: float = 0.2,
        backoff: float = 1.0,
        max_backoff: float = 300.0,
        max_attempts: int = 5,
        timeout: float = 10.0,
        batch_size: int = 20,
    ) -> None:
        self.sessions = sessions
        self.poll_interval = poll_interval
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.max_attempts = max_attempts
        self.timeout = timeout
        self.batch_size = batch_size
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self._http: httpx.AsyncClient | None = None

    def start(self) -> None:
        if self._task is None:
            self._http = httpx.AsyncClient(timeout=self.timeout, follow_redirects=False)
            self._task = asyncio.ensure_future(self._run())

    def wake(self) -> None:
        """Looks for due deliveries now instead of at the next poll."""
        self._wake.set()

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._http is not None:
            await self._http.aclose()
            self._http = None

    async def _run(self) -> None:
        while True:
            try:
                sent = await self.deliver_due()
            except asyncio.CancelledError:
                raise
            except Exception:
                # The database may be briefly unavailable; the next poll tries again.
                logger.exception("webhook delivery pass failed")
                sent = 0
            if sent == 0:
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self.poll_interval)

    async def deliver_due(self) -> int:
        """Sends the deliveries that are due now; returns how many were attempted."""
        now = utcnow()
        async with self.sessions() as session:
            due = (
                await session.execute(
                    select(WebhookDelivery.id, Webhook.url, Webhook.secret)
                    .join(Webhook, Webhook.id == WebhookDelivery.webhook_id)
                    .where(
                        WebhookDelivery.status == "PENDING",
                        WebhookDelivery.next_attempt_at <= now,
                        or_(
                            WebhookDelivery.lease_until.is_(None),
                            WebhookDelivery.lease_until < now,
                        ),
                    )
                    .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
                    .limit(self.batch_size)
                )
            ).all()
        claimed = [row for row in due if await self._claim(row[0], now)]
        await asyncio.gather(*(self._attempt(*row) for row in claimed))
        return len(claimed)

    async def _claim(self, delivery_id: str, now: datetime) -> bool:
        async with self.sessions.begin() as session:
            result = await session.execute(
                update(WebhookDelivery)
                .where(
                    WebhookDelivery.id == delivery_id,
                    WebhookDelivery.status == "PENDING",
                    or_(
                        WebhookDelivery.lease_until.is_(None),
                        WebhookDelivery.lease_until < now,
                    ),
                )
                .values(lease_until=now + _LEASE)
                .execution_options(synchronize_session=False)
            )
        return isinstance(result, CursorResult) and result.rowcount == 1

    async def _post(
        self, url: str, secret: str, body: bytes, topic: str, delivery_id: str
    ) -> tuple[int | None, str | None]:
        assert self._http is not None
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: sign(secret, body),
            "X-Labelkit-Event": topic,
            "X-Labelkit-Delivery": delivery_id,
        }
        try:
            response = await self._http.post(url, content=body, headers=headers)
        except httpx.HTTPError as error:
            return None, (f"{type(error).__name__}: {error}")[:_MAX_ERROR_LENGTH]
        if 200 <= response.status_code < 300:
            return response.status_code, None
        return response.status_code, f"HTTP {response.status_code}"

    async def _attempt(self, delivery_id: str, url: str, secret: str) -> None:
        async with self.sessions() as session:
            delivery = await session.get(WebhookDelivery, delivery_id)
        if delivery is None:
            return
        started = time.perf_counter()
        status_code, error = await self._post(
            url, secret, delivery.body.encode(), delivery.topic, delivery.id
        )
        now = utcnow()
        attempt = len(delivery.attempts) + 1
        record = {
            "attempt": attempt,
            "at": now.isoformat(),
            "statusCode": status_code,
            "error": error,
            "durationMs": round((time.perf_counter() - started) * 1000, 3),
        }
        if error is None:
            status, next_at = "SUCCEEDED", None
        elif attempt >= self.max_attempts:
            status, next_at = "FAILED", None
        else:
            delay = min(self.backoff * 2 ** (attempt - 1), self.max_backoff)
            status, next_at = "PENDING", now + timedelta(seconds=delay)
        async with self.sessions.begin() as session:
            await session.execute(
                update(WebhookDelivery)
                .where(WebhookDelivery.id == delivery_id)
                .values(
                    status=status,
                    attempts=[*delivery.attempts, record],
                    next_attempt_at=next_at,
                    lease_until=None,
                    updated_at=now,
                )
                .execution_options(synchronize_session=False)
            )
        if error is not None:
            logger.info("webhook delivery %s attempt %d failed: %s", delivery_id, attempt, error)


def parse_attempt(record: dict[str, Any]) -> dict[str, Any]:
    """A stored attempt as the API's WebhookAttempt (snake_case keys, a datetime)."""
    return {
        "attempt": record["attempt"],
        "at": _aware(datetime.fromisoformat(record["at"])),
        "status_code": record.get("statusCode"),
        "error": record.get("error"),
        "duration_ms": record.get("durationMs", 0.0),
    }
