"""Webhook signatures: the HMAC recipe receivers follow, and what verification refuses."""
from __future__ import annotations

import hashlib
import hmac

from chalicelib.auth import webhook_signing

SECRET = "whsec_test"
BODY = b'{"event":"job.finished","job":"abc"}'


def test_signature_is_hmac_sha256_over_timestamp_dot_body():
    expected = hmac.new(SECRET.encode(), b"1767225600." + BODY, hashlib.sha256).hexdigest()
    assert webhook_signing.signature(SECRET, 1767225600, BODY) == "v1=" + expected


def test_verify_accepts_a_fresh_correct_signature_only():
    header = webhook_signing.signature(SECRET, 1000, BODY)
    assert webhook_signing.verify(SECRET, "1000", BODY, header, now=1100)
    assert not webhook_signing.verify("whsec_other", "1000", BODY, header, now=1100)  # another secret
    assert not webhook_signing.verify(SECRET, "1000", BODY + b" ", header, now=1100)  # another body
    assert not webhook_signing.verify(SECRET, "1001", BODY, header, now=1100)  # the timestamp is signed too
    assert not webhook_signing.verify(SECRET, "1000", BODY, header, now=1000 + 301)  # too old: a replay
    assert not webhook_signing.verify(SECRET, "soon", BODY, header, now=1100)
    assert not webhook_signing.verify(SECRET, "1000", BODY, "", now=1100)


def test_secrets_are_derived_per_endpoint_salt_and_key(monkeypatch):
    from chalicelib.auth.webhook_secrets import endpoint_secret, new_salt

    salt = new_salt()
    first = endpoint_secret(1, salt)
    assert first == endpoint_secret(1, salt) and first.startswith("whsec_") and len(first) == 6 + 43
    assert len({first, endpoint_secret(2, salt), endpoint_secret(1, new_salt())}) == 3
    monkeypatch.setenv("FLEXCLOUD_TOKEN_SECRET", "a rotated key")
    assert endpoint_secret(1, salt) != first
