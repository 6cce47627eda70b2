from datetime import timedelta

import pytest

from chalicelib import settings
from chalicelib.auth import secret
from chalicelib.auth.passwords import hash_password, random_password, verify_password
from chalicelib.auth.tokens import issue_token, read_token


def test_settings_follow_environment_at_call_time(monkeypatch):
    monkeypatch.setenv("FLEXCLOUD_TABLE_PREFIX", "abc")
    assert settings.table_name("users") == "abc-users"
    monkeypatch.setenv("FLEXCLOUD_TABLE_PREFIX", "xyz")
    assert settings.table_name("users") == "xyz-users"
    monkeypatch.delenv("FLEXCLOUD_TOKEN_MAX_AGE", raising=False)
    assert settings.token_max_age_seconds() == 21600
    assert settings.planning_horizon() == timedelta(hours=48)
    assert settings.max_planning_steps() == 2520
    monkeypatch.setenv("FLEXCLOUD_MAX_PLANNING_HORIZON", "x")
    with pytest.raises(settings.ConfigurationError):
        settings.max_planning_steps()


def test_missing_token_secret_is_a_configuration_error(monkeypatch):
    monkeypatch.delenv("FLEXCLOUD_TOKEN_SECRET")
    monkeypatch.delenv("FLEXCLOUD_TOKEN_SECRET_PARAMETER", raising=False)
    with pytest.raises(settings.ConfigurationError):
        secret.token_secret()


def test_passwords_hash_and_verify_both_profiles(monkeypatch):
    for profile in ("fast", "default"):
        monkeypatch.setenv("FLEXCLOUD_PASSWORD_HASH_PROFILE", profile)
        hashed = hash_password("s3cret")
        assert hashed.startswith("$argon2id$") and "s3cret" not in hashed
        assert verify_password(hashed, "s3cret") and not verify_password(hashed, "other")
    assert not verify_password(None, "x") and not verify_password("garbage", "x")
    pw = random_password()
    assert len(pw) == 24 and pw.isalpha()


def test_tokens_roundtrip_and_reject_tampering():
    token = issue_token(7, "abc")
    claims = read_token(token)
    assert (claims.user_id, claims.uniquifier) == (7, "abc")
    # Change a payload character (the signature's last base64 character may carry only padding bits).
    assert read_token(("A" if token[0] != "A" else "B") + token[1:]) is None
    assert read_token("not-a-token") is None and read_token("") is None
    assert read_token(token, max_age=-1) is None


def test_webhook_settings(monkeypatch):
    from chalicelib.workers.webhooks import backoff_seconds

    for name in ("FLEXCLOUD_WEBHOOK_BACKOFF", "FLEXCLOUD_WEBHOOKS_ALLOW_LOOPBACK", "FLEXCLOUD_STAGE",
                 "FLEXCLOUD_WEBHOOK_QUEUE", "FLEXCLOUD_WEBHOOK_DLQ"):
        monkeypatch.delenv(name, raising=False)
    assert [backoff_seconds(attempt) for attempt in range(1, 6)] == [10, 60, 300, 300, 300]
    assert settings.webhooks_allow_loopback() is False  # never by default
    assert (settings.webhook_queue_name(), settings.webhook_dlq_name()) == (
        "flexcloud-dev-webhook-deliveries", "flexcloud-dev-webhook-deliveries-dlq")
    monkeypatch.setenv("FLEXCLOUD_WEBHOOK_BACKOFF", "1,2")
    assert [backoff_seconds(attempt) for attempt in (1, 2, 3)] == [1, 2, 2]
    for bad in ("soon", "-1", "50000", "1,,2"):
        monkeypatch.setenv("FLEXCLOUD_WEBHOOK_BACKOFF", bad)
        with pytest.raises(settings.ConfigurationError):
            settings.webhook_backoff_seconds()
