"""Shared fixtures: in-process AWS (moto) with fresh resources per test, and the factories' accounts and users."""
from __future__ import annotations

import os

import pytest

# Offline credentials and settings for every test; set before anything builds a client.
os.environ.update({
    "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SECURITY_TOKEN": "testing",
    "AWS_SESSION_TOKEN": "testing", "AWS_DEFAULT_REGION": "eu-west-1",
    "FLEXCLOUD_TOKEN_SECRET": "test-secret-not-for-production",
    "FLEXCLOUD_PASSWORD_HASH_PROFILE": "fast",
    # As FlexMeasures' TestingConfig: every request is counted, but only tests that lower a limit hit one.
    "FLEXMEASURES_API_DEFAULT_RATE_LIMIT": "1000000 per hour",
    "FLEXMEASURES_API_TRIGGER_RATE_LIMIT": "1000000 per hour",
})
for _name in ("AWS_ENDPOINT_URL", "AWS_PROFILE", "AWS_REGION"):
    os.environ.pop(_name, None)

from moto import mock_aws  # noqa: E402

from chalicelib import aws as aws_clients  # noqa: E402
from chalicelib.services import job_responses, rate_limits  # noqa: E402
from chalicelib.store import queue, tables  # noqa: E402
from tests import factories  # noqa: E402


def _reset_caches() -> None:
    aws_clients.reset_clients()
    queue.reset_cache()
    rate_limits.forget_plans()


@pytest.fixture(scope="session")
def _moto():
    """One in-process AWS for the whole session; each test gets its own tables, bucket and queues."""
    with mock_aws():
        _reset_caches()
        yield
    _reset_caches()


_test_counter = iter(range(1, 1_000_000))


@pytest.fixture
def aws(_moto, monkeypatch):
    """Fresh, empty AWS resources for this test (unique names, so no state leaks between tests)."""
    n = next(_test_counter)
    monkeypatch.setenv("FLEXCLOUD_TABLE_PREFIX", f"t{n}")
    monkeypatch.setenv("FLEXCLOUD_UPLOADS_BUCKET", f"t{n}-uploads")
    monkeypatch.setenv("FLEXCLOUD_SCHEDULE_QUEUE", f"t{n}-schedule-jobs")
    monkeypatch.setenv("FLEXCLOUD_SCHEDULE_DLQ", f"t{n}-schedule-jobs-dlq")
    monkeypatch.setenv("FLEXCLOUD_FORECAST_QUEUE", f"t{n}-forecast-jobs")
    monkeypatch.setenv("FLEXCLOUD_FORECAST_DLQ", f"t{n}-forecast-jobs-dlq")
    monkeypatch.setenv("FLEXCLOUD_WEBHOOK_QUEUE", f"t{n}-webhooks")
    monkeypatch.setenv("FLEXCLOUD_WEBHOOK_DLQ", f"t{n}-webhooks-dlq")
    tables.create_tables()
    tables.create_bucket()
    monkeypatch.setenv("FLEXCLOUD_AUTOMATION_GROUP", f"t{n}-automations")
    tables.create_queues()
    tables.create_schedule_group()
    tables.verify_mail_sender()
    factories.reset_numbering()
    rate_limits.forget_plans()  # account ids start again at 1 in every test's tables
    job_responses.forget_retry_after()  # and asset ids
    yield


@pytest.fixture
def fake_dns(monkeypatch):
    """Webhook URLs resolve through tests/webhook_receivers.py's zone, never through real DNS."""
    from chalicelib.services import webhook_addresses
    from tests.webhook_receivers import fake_resolve

    monkeypatch.setattr(webhook_addresses, "resolve", fake_resolve)


@pytest.fixture
def make_account(aws):
    """factories.make_account over this test's tables."""
    return factories.make_account


@pytest.fixture
def make_user(aws):
    """factories.make_user over this test's tables: make_user(roles=[...], account=<Account>|None, ...) -> Actor."""
    return factories.make_user


@pytest.fixture
def admin(make_user):
    return make_user(roles=["admin"])
