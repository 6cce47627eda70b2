"""The webhook delivery worker: sign and POST one event to one endpoint, log the attempt, back off on failure.

A failed attempt (non-2xx, timeout, refused, an address that no longer passes the checks) is logged, its message
made invisible for the backoff of its attempt (ChangeMessageVisibility), and the handler raises, so SQS delivers
it again then; after the queue's last receive SQS moves it to the dead-letter queue, whose handler logs the final
failure.
"""
from __future__ import annotations

import http.client
import json
import logging
import time
from datetime import datetime, timezone
from typing import Any

from chalicelib import settings
from chalicelib.auth import webhook_secrets, webhook_signing
from chalicelib.services.webhook_addresses import AddressRefused, check_url
from chalicelib.store import queue, webhooks
from chalicelib.store.tables import WEBHOOK_MAX_RECEIVES
from chalicelib.workers import webhook_transport

log = logging.getLogger("flexcloud.webhooks")
USER_AGENT = "flexcloud-webhooks/1"


class DeliveryFailed(Exception):
    """Raised to have SQS deliver the message again (after the backoff this attempt set)."""


def _message(body: str) -> dict[str, Any] | None:
    try:
        message = json.loads(body)
    except ValueError:
        return None
    keys = ("account", "webhook", "delivery", "event", "job", "payload")
    return message if isinstance(message, dict) and all(k in message for k in keys) else None


def backoff_seconds(attempt: int) -> int:
    """The wait after failed attempt `attempt` (1-based): 10 s, 60 s, then 5 min by default."""
    steps = settings.webhook_backoff_seconds()
    return steps[min(attempt, len(steps)) - 1]


def signed_request(secret: str, message: dict[str, Any], now: float) -> tuple[bytes, dict[str, str]]:
    """The exact bytes sent and their headers; each attempt is signed at its own time."""
    body = json.dumps(message["payload"], separators=(",", ":")).encode()
    timestamp = int(now)
    return body, {
        "Content-Type": "application/json", "User-Agent": USER_AGENT,
        webhook_signing.TIMESTAMP_HEADER: str(timestamp),
        webhook_signing.SIGNATURE_HEADER: webhook_signing.signature(secret, timestamp, body),
        webhook_signing.EVENT_HEADER: message["event"],
        webhook_signing.DELIVERY_HEADER: message["delivery"],
    }


def handle_message(body: str, receipt_handle: str, attempt: int) -> None:
    """One message of the delivery queue; `attempt` is its receive count."""
    message = _message(body)
    if message is None:
        log.error("Dropping malformed webhook message: %r", body[:200])
        return
    endpoint = webhooks.find(message["account"], message["webhook"])
    if endpoint is None:
        log.info("Webhook %s is gone; dropping delivery %s", message["webhook"], message["delivery"])
        return
    started_at = datetime.now(timezone.utc)
    status_code, error = _attempt(endpoint, message)
    delivered = status_code is not None and 200 <= status_code < 300
    webhooks.record_attempt(webhook_id=endpoint.id, delivery_id=message["delivery"], event=message["event"],
                            job_id=message["job"], attempt=attempt, outcome="delivered" if delivered else "failed",
                            started_at=started_at, status_code=status_code, error=error)
    if delivered:
        return
    queue.delay_redelivery(settings.webhook_queue_name(), receipt_handle, backoff_seconds(attempt))
    raise DeliveryFailed(f"delivery {message['delivery']} attempt {attempt}: {error or status_code}")


def _attempt(endpoint: Any, message: dict[str, Any]) -> tuple[int | None, str | None]:
    """(status code, None) when the receiver answered, else (None, why not)."""
    secret = webhook_secrets.endpoint_secret(endpoint.id, endpoint.secret_salt)
    try:
        target = check_url(endpoint.url)  # again now: the name may resolve elsewhere than at registration
    except AddressRefused as exc:
        return None, str(exc)
    payload, headers = signed_request(secret, message, time.time())
    try:
        status = webhook_transport.post(target, payload, headers, settings.webhook_timeout_seconds())
    except (OSError, http.client.HTTPException) as exc:
        return None, f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return status, None if 200 <= status < 300 else f"HTTP {status}"


def handle_dead_letter(body: str) -> None:
    """A delivery SQS gave up on: its last word in the endpoint's delivery log."""
    message = _message(body)
    if message is None or webhooks.find(message["account"], message["webhook"]) is None:
        return
    webhooks.record_attempt(webhook_id=message["webhook"], delivery_id=message["delivery"], event=message["event"],
                            job_id=message["job"], attempt=WEBHOOK_MAX_RECEIVES, outcome="dead-lettered",
                            started_at=datetime.now(timezone.utc),
                            error=f"Gave up after {WEBHOOK_MAX_RECEIVES} attempts.")
