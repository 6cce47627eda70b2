"""Webhook endpoints (per account) and their delivery log (per endpoint, newest first)."""
from __future__ import annotations

import time
from datetime import datetime, timezone

from chalicelib.store.ids import next_id
from chalicelib.store.models import WebhookDelivery, WebhookEndpoint

# How long an attempt stays in the delivery log.
DELIVERY_TTL_SECONDS = 30 * 24 * 3600


def new_id() -> int:
    return next_id("webhook")


def create(webhook_id: int, *, account_id: int, url: str, events: list[str], asset_ids: list[int],
           secret_salt: str, created_by: int | None) -> WebhookEndpoint:
    endpoint = WebhookEndpoint(int(account_id), int(webhook_id), url=url, events=list(events),
                               asset_ids=list(asset_ids), secret_salt=secret_salt,
                               created_at=datetime.now(timezone.utc), created_by=created_by)
    endpoint.save(condition=WebhookEndpoint.id.does_not_exist())
    return endpoint


def find(account_id: int, webhook_id: int) -> WebhookEndpoint | None:
    return WebhookEndpoint.get_or_none(int(account_id), int(webhook_id))


def list_for_account(account_id: int) -> list[WebhookEndpoint]:
    return list(WebhookEndpoint.query(int(account_id)))


def delete(endpoint: WebhookEndpoint) -> None:
    endpoint.delete()


def record_attempt(*, webhook_id: int, delivery_id: str, event: str, job_id: str, attempt: int, outcome: str,
                   started_at: datetime, status_code: int | None = None, error: str | None = None) -> WebhookDelivery:
    ended_at = datetime.now(timezone.utc)
    row = WebhookDelivery(int(webhook_id), f"{started_at.isoformat()}#{delivery_id}#{attempt:03d}",
                          delivery_id=delivery_id, event=event, job_id=job_id, attempt=attempt, outcome=outcome,
                          status_code=status_code, error=error[:1000] if error else None, started_at=started_at,
                          ended_at=ended_at, expires_at=int(time.time()) + DELIVERY_TTL_SECONDS)
    row.save()
    return row


def deliveries(webhook_id: int) -> list[WebhookDelivery]:
    """Every logged attempt of an endpoint, newest first."""
    return list(WebhookDelivery.query(int(webhook_id), scan_index_forward=False))
