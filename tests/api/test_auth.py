"""Token use: raw Authorization header, tampering, expiry, revocation, inactive users."""
from __future__ import annotations

from chalicelib.errors import UNAUTHORIZED_MESSAGE

UNAUTHORIZED = {"message": UNAUTHORIZED_MESSAGE, "status": "UNAUTHORIZED"}


def _whoami_app():
    """A tiny app with one authenticated route, so these tests do not depend on resource endpoints."""
    from chalice import Chalice

    from chalicelib.api.routing import ApiRequest, Route, register

    def whoami(req: ApiRequest):
        return {"id": req.user.id}

    app = Chalice(app_name="whoami")
    register(app, [Route("GET", "/v3_0/whoami", whoami, "test")])
    return app


def _get(token, headers=None):
    from chalice.test import Client

    with Client(_whoami_app()) as client:
        h = dict(headers or {})
        if token is not None:
            h["Authorization"] = token
        return client.http.get("/v3_0/whoami", headers=h)


def test_raw_token_authenticates_and_sets_last_seen(make_user):
    from chalicelib.store import users

    actor = make_user()
    r = _get(actor.token)
    assert r.status_code == 200 and r.json_body == {"id": actor.id, "status": 200}
    assert users.get(actor.id).last_seen_at is not None


def test_missing_token(aws):
    r = _get(None)
    assert r.status_code == 401 and r.json_body == UNAUTHORIZED
    assert r.headers["Content-Type"] == "application/json"


def test_tampered_token(make_user):
    actor = make_user()
    payload, timestamp, signature = actor.token.split(".")
    tampered = ".".join([payload, timestamp, ("A" if signature[0] != "A" else "B") + signature[1:]])
    assert _get(tampered).json_body == UNAUTHORIZED


def test_bearer_prefix_is_not_accepted(make_user):
    actor = make_user()
    assert _get("Bearer " + actor.token).status_code == 401


def test_expired_token(make_user, monkeypatch):
    actor = make_user()
    monkeypatch.setenv("FLEXCLOUD_TOKEN_MAX_AGE", "-1")
    assert _get(actor.token).status_code == 401


def test_token_signed_with_another_secret(make_user, monkeypatch):
    actor = make_user()
    monkeypatch.setenv("FLEXCLOUD_TOKEN_SECRET", "another-secret")
    assert _get(actor.token).status_code == 401


def test_renewed_uniquifier_revokes_tokens(make_user):
    from chalicelib.store import users

    actor = make_user()
    users.renew_uniquifier(users.get(actor.id))
    assert _get(actor.token).status_code == 401


def test_inactive_user_is_rejected(make_user):
    from chalicelib.store.models import User

    actor = make_user()
    actor.user.update(actions=[User.active.set(False)])
    assert _get(actor.token).status_code == 401


def test_unexpected_error_is_500_json_without_trace(aws):
    import logging

    from chalice import Chalice
    from chalice.test import Client

    from chalicelib.api.routing import ApiRequest, Route, register

    def boom(req: ApiRequest):
        raise RuntimeError("secret internals")

    app = Chalice(app_name="boom")
    register(app, [Route("GET", "/v3_0/boom", boom, "test", auth=False)])
    # Chalice stops its app logger ("flexcloud") from propagating, so listen on ours directly.
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append
    logger = logging.getLogger("flexcloud.api")
    logger.addHandler(handler)
    try:
        with Client(app) as client:
            r = client.http.get("/v3_0/boom")
    finally:
        logger.removeHandler(handler)
    assert r.status_code == 500
    assert r.json_body["status"] == 500
    assert "secret internals" not in r.body.decode() and "Traceback" not in r.body.decode()
    assert "Request id" in r.json_body["message"]
    assert any(rec.exc_info and "secret internals" in str(rec.exc_info[1]) for rec in records)


def test_inactive_user_gets_token_but_cannot_use_it(api, make_user):
    make_user(email="off@example.com", password="pw-123456", active=False)
    r = api.post("/api/requestAuthToken", {"email": "off@example.com", "password": "pw-123456"})
    assert r.status == 200
    assert _get(r.json["auth_token"]).status_code == 401
