"""Shared fixtures: in-process AWS (moto), the Chalice test client, accounts and users with tokens."""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import pytest

# Offline credentials and settings for every test; set before anything builds a client.
os.environ.update({
    "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SECURITY_TOKEN": "testing",
    "AWS_SESSION_TOKEN": "testing", "AWS_DEFAULT_REGION": "eu-west-1",
    "FLEXCLOUD_TOKEN_SECRET": "test-secret-not-for-production",
    "FLEXCLOUD_PASSWORD_HASH_PROFILE": "fast",
})
for _name in ("AWS_ENDPOINT_URL", "AWS_PROFILE", "AWS_REGION"):
    os.environ.pop(_name, None)

from moto import mock_aws  # noqa: E402


def _reset_caches() -> None:
    from chalicelib import aws
    from chalicelib.store import queue

    aws.reset_clients()
    queue.reset_cache()


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
    from chalicelib.store import tables

    tables.create_tables()
    tables.create_bucket()
    tables.create_queues()
    tables.verify_mail_sender()
    yield


@dataclass
class Resp:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


class Api:
    """Calls the app through chalice.test.Client with paths as clients write them (/api/...)."""

    def __init__(self, client):
        self.client = client

    def request(self, method: str, path: str, *, json_body: Any = None, token: str | None = None,
                query: dict[str, Any] | None = None, headers: dict[str, str] | None = None,
                body: bytes | str | None = None) -> Resp:
        if path.startswith("/api"):
            path = path[len("/api"):] or "/"
        if query:
            path += "?" + urlencode(query, doseq=True)
        all_headers = {"host": "localhost:8000", **(headers or {})}
        if token:
            all_headers["Authorization"] = token
        if json_body is not None:
            body = json.dumps(json_body)
            all_headers.setdefault("Content-Type", "application/json")
        raw = self.client.http.request(method, path, headers=all_headers, body=body or b"")
        return Resp(raw.status_code, {k.lower(): v for k, v in raw.headers.items()}, raw.body)

    def get(self, path, **kw): return self.request("GET", path, **kw)
    def post(self, path, json=None, **kw): return self.request("POST", path, json_body=json, **kw)
    def patch(self, path, json=None, **kw): return self.request("PATCH", path, json_body=json, **kw)
    def delete(self, path, **kw): return self.request("DELETE", path, **kw)


@pytest.fixture
def api(aws):
    from chalice.test import Client

    from app import app

    with Client(app, stage_name="dev") as client:
        yield Api(client)


@dataclass
class Actor:
    """A user with a valid token."""

    user: Any
    token: str

    @property
    def id(self) -> int:
        return self.user.id

    @property
    def account_id(self) -> int:
        return self.user.account_id


@pytest.fixture
def make_account(aws):
    from chalicelib.store import accounts

    counter = iter(range(1, 10_000))

    def make(name: str | None = None, consultancy_account_id: int | None = None, roles=None):
        return accounts.create(name or f"Account {next(counter)}", roles or [], consultancy_account_id)

    return make


@pytest.fixture
def make_user(aws, make_account):
    """make_user(roles=[...], account=<Account>|None, password=...) -> Actor with a token."""
    from chalicelib.auth.tokens import issue_token
    from chalicelib.auth.passwords import hash_password
    from chalicelib.store import users

    counter = iter(range(1, 10_000))

    def make(roles=(), account=None, password="secret-password", email=None, active=True, username=None):
        account = account or make_account()
        n = next(counter)
        user = users.create(email or f"user{n}@example.com", hash_password(password), account.id, list(roles),
                            username or f"user{n}", active=active)
        return Actor(user, issue_token(user.id, user.fs_uniquifier))

    return make


@pytest.fixture
def admin(make_user):
    return make_user(roles=["admin"])
