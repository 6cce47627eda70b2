"""Secrets kept at rest encrypted (AES-256-GCM), with a key derived from the deployment's token secret.

Webhook signing secrets must be readable again to sign deliveries, so they cannot be hashed like passwords. The
associated data binds each ciphertext to the record it belongs to, so a sealed value copied to another record
does not open there. Rotating the token secret makes sealed values unreadable: their owners register again.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from chalicelib.auth.secret import token_secret

_KEY_LABEL = b"flexcloud sealed secrets v1"
_NONCE_BYTES = 12


class SealBroken(ValueError):
    """A sealed value that does not open (another key, another record, or tampered with)."""


def _key() -> bytes:
    # HMAC-SHA256 as the key-derivation step: a separate 256-bit key, never the token secret itself.
    return hmac.new(token_secret().encode(), _KEY_LABEL, hashlib.sha256).digest()


def seal(plaintext: str, context: str) -> str:
    nonce = os.urandom(_NONCE_BYTES)
    sealed = AESGCM(_key()).encrypt(nonce, plaintext.encode(), context.encode())
    return base64.b64encode(nonce + sealed).decode()


def unseal(sealed: str, context: str) -> str:
    try:
        raw = base64.b64decode(sealed)
        return AESGCM(_key()).decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], context.encode()).decode()
    except (InvalidTag, ValueError) as exc:
        raise SealBroken(f"sealed value for {context} does not open") from exc
