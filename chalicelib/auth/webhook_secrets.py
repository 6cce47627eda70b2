"""Webhook signing secrets, derived rather than stored: HMAC-SHA256 of the deployment's token secret over the
endpoint's id and a random salt.

The secret must be available again at every delivery, so it cannot be hashed like a password; deriving it means the
table holds only the salt, which is worthless without the key in Secrets Manager (what encrypting it would also
need), and costs no cryptography library in the Lambda package. Rotating the token secret changes every
endpoint's secret: receivers then see signatures fail, and their owners register again.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from chalicelib.auth.secret import token_secret
from chalicelib.auth.webhook_signing import SECRET_PREFIX

_LABEL = "flexcloud webhook signing secret v1"


def new_salt() -> str:
    return secrets.token_urlsafe(32)


def endpoint_secret(webhook_id: int, salt: str) -> str:
    """The endpoint's signing secret (256 bits), the same at registration and at every delivery."""
    message = f"{_LABEL}\x00{int(webhook_id)}\x00{salt}".encode()
    digest = hmac.new(token_secret().encode(), message, hashlib.sha256).digest()
    return SECRET_PREFIX + base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
