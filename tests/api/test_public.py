"""Public endpoints: version list, requestAuthToken, service listing, health, error shapes."""
from __future__ import annotations

import pytest

from chalicelib.api.responses import FORBIDDEN_MESSAGE, UNAUTHORIZED_MESSAGE

UNAUTHORIZED = {"message": UNAUTHORIZED_MESSAGE, "status": "UNAUTHORIZED"}


def test_version_list(api):
    r = api.get("/api/")
    assert r.status == 200
    assert r.headers["content-type"] == "application/json"
    assert r.json["versions"] == ["v3_0"]
    assert r.json["status"] == 200
    assert "/api/requestAuthToken" in r.json["message"]


def test_token_for_valid_credentials(api, make_user):
    actor = make_user(email="alice@example.com", password="correct-horse")
    r = api.post("/api/requestAuthToken", {"email": "alice@example.com", "password": "correct-horse"})
    assert r.status == 200
    assert r.json["user_id"] == actor.id and r.json["status"] == 200
    token = r.json["auth_token"]
    me = api.get("/api/v3_0/health/ready", token=token)
    assert me.status == 200
    from chalicelib.store import users

    stored = users.get(actor.id)
    assert stored.login_count == 1 and stored.last_login_at is not None


@pytest.mark.parametrize("body,status,message", [
    ({"password": "x"}, 400, "Please provide the 'email' parameter."),
    ({"email": "alice@example.com"}, 400, "Please provide the 'password' parameter."),
    ({"email": "nobody@example.com", "password": "x"}, 404, "User with email 'nobody@example.com' does not exist"),
    ({"email": "alice@example.com", "password": "wrong"}, 401, "User password does not match."),
])
def test_token_errors(api, make_user, body, status, message):
    make_user(email="alice@example.com", password="correct-horse")
    r = api.post("/api/requestAuthToken", body)
    assert r.status == status
    assert r.json == {"errors": [message], "status": status}


def test_token_requires_json(api):
    r = api.request("POST", "/api/requestAuthToken", body="email=a", headers={"Content-Type": "text/plain"})
    assert r.status == 400
    assert r.json == {"errors": ["Content-type of request must be application/json"], "status": 400}


def test_service_listing_is_sorted_and_complete(api):
    r = api.get("/api/v3_0")
    assert r.status == 200
    assert r.json["status"] == "PROCESSED" and r.json["version"] == "3.0"
    services = r.json["services"]
    urls = [s["url"] for s in services]
    assert urls == sorted(urls)
    names = {s["name"]: s for s in services}
    assert names["GET "]["description"] == "Obtain a service listing for this version"
    assert names["GET "]["url"] == "http://localhost:8000/api/v3_0"
    assert "GET /health/ready" in names
    from app import app

    # Every route under /v3_0 (bar the 405 fallbacks) is listed.
    expected = sum(
        1 for path, entries in app.routes.items() if path.startswith("/v3_0")
        for view in {e.view_function for m, e in entries.items() if not getattr(e.view_function, "is_fallback", 0)}
    )
    assert len(services) == expected


def test_health_ready(api):
    r = api.get("/api/v3_0/health/ready")
    assert r.status == 200
    assert r.json == {"database_sql": True, "queue": True, "status": 200}


def test_health_not_ready_without_queue(api):
    from chalicelib.store import queue
    from chalicelib.store.aws import client

    client("sqs").delete_queue(QueueUrl=queue.queue_url())
    queue.reset_cache()
    r = api.get("/api/v3_0/health/ready")
    assert r.status == 503
    assert r.json == {"database_sql": True, "queue": False, "status": 503}


def test_wrong_method_gives_405_json(api):
    r = api.request("DELETE", "/api/v3_0")
    assert r.status == 405
    assert r.headers["content-type"] == "application/json"
    assert r.json == {"message": "The method is not allowed for the requested URL.", "status": 405}


def test_forbidden_body_constant():
    assert FORBIDDEN_MESSAGE == "You cannot be authorized for this content or functionality."
