"""Webhook signatures: HMAC-SHA256 over "<timestamp>.<body>" with the endpoint's secret, and their verification.

Receivers verify with the same recipe (README, "Webhooks"); the timestamp is signed too, so an old request
replayed later fails the receiver's max-age check.
"""
from __future__ import annotations

import hashlib
import hmac

SCHEME = "v1"
SECRET_PREFIX = "whsec_"
TIMESTAMP_HEADER = "X-Flexcloud-Timestamp"
SIGNATURE_HEADER = "X-Flexcloud-Signature"
EVENT_HEADER = "X-Flexcloud-Event"
DELIVERY_HEADER = "X-Flexcloud-Delivery"


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The X-Flexcloud-Signature value: "v1=<hex HMAC-SHA256 of '<timestamp>.<body>'>"."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"{SCHEME}={digest}"


def verify(secret: str, timestamp: str, body: bytes, header: str, *, now: float, max_age_seconds: int = 300) -> bool:
    """What a receiver checks: a recent timestamp and a matching signature (compared in constant time)."""
    try:
        sent_at = int(timestamp)
    except (TypeError, ValueError):
        return False
    if abs(now - sent_at) > max_age_seconds:
        return False
    return hmac.compare_digest(signature(secret, sent_at, body), header or "")
