"""Webhook endpoints of an account: registration (who may, what is checked, the secret shown once), listing,
deleting, the delivery log, and the account audit rows they leave."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from chalicelib.auth.webhook_secrets import endpoint_secret
from chalicelib.store import audit, webhooks
from tests.expected import FORBIDDEN
from tests.factories import make_account, make_asset, make_site, make_user

HOOK = "https://hooks.example.com/flexcloud"


@pytest.fixture
def site(aws, fake_dns):
    return make_site(admin=True, outsider=True)


def register(api, site, token, **body):
    return api.post(f"/api/v3_0/accounts/{site.account.id}/webhooks", json={"url": HOOK, **body}, token=token)


def rejected(field, message, location="json"):
    return {"message": {location: {field: [message]}}, "result": "Rejected", "status": "UNPROCESSABLE_ENTITY"}


def test_an_account_admin_registers_and_sees_the_secret_once(api, site):
    r = register(api, site, site.admin.token, events=["job.finished"], assets=[site.asset.id])
    assert r.status == 201
    body = r.json
    secret = body.pop("secret")
    assert secret.startswith("whsec_") and len(secret) > 40
    assert body == {"id": body["id"], "account_id": site.account.id, "url": HOOK, "events": ["job.finished"],
                    "assets": [site.asset.id], "created_at": body["created_at"], "status": 201}
    listed = api.get(f"/api/v3_0/accounts/{site.account.id}/webhooks", token=site.admin.token)
    assert listed.status == 200
    assert listed.json == [{k: v for k, v in body.items() if k != "status"}]
    assert secret not in listed.body.decode()
    stored = webhooks.find(site.account.id, body["id"])
    # Only a salt is stored: the secret is derived from it, the endpoint's id and the deployment's key.
    assert secret not in str(stored.attribute_values) and len(stored.secret_salt) >= 43
    assert endpoint_secret(body["id"], stored.secret_salt) == secret
    assert endpoint_secret(body["id"] + 1, stored.secret_salt) != secret
    [row] = audit.entries_for_account(site.account.id)
    assert row.event == f"Registered webhook {body['id']} (job.finished) to {HOOK}"
    assert (row.active_user_id, row.affected_account_id) == (site.admin.id, site.account.id)
    assert register(api, site, site.admin.token).json["secret"] != secret  # every endpoint has its own


def test_events_default_to_both(api, site):
    r = register(api, site, site.admin.token)
    assert r.status == 201 and r.json["events"] == ["job.finished", "job.failed"] and r.json["assets"] == []


def test_who_may_manage_webhooks(api, site, admin, make_user):
    path = f"/api/v3_0/accounts/{site.account.id}/webhooks"
    for token in (site.member.token, site.outsider.token):
        assert register(api, site, token).json == FORBIDDEN
        assert api.get(path, token=token).json == FORBIDDEN
    other_admin = make_user(roles=["account-admin"])  # an account-admin of another account
    assert register(api, site, other_admin.token).status == 403
    reader = make_user(roles=["admin-reader"])
    assert api.get(path, token=reader.token).status == 200 and register(api, site, reader.token).status == 403
    assert register(api, site, admin.token).status == 201
    consultancy = make_account("Advisors")
    client = make_account("Client", consultancy_account_id=consultancy.id)
    consultant = make_user(roles=["consultant"], account=consultancy)
    r = api.post(f"/api/v3_0/accounts/{client.id}/webhooks", json={"url": HOOK}, token=consultant.token)
    assert r.status == 201
    assert register(api, site, consultant.token).status == 403  # not ACME's consultancy
    assert api.post(path, json={"url": HOOK}).status == 401
    assert api.post("/api/v3_0/accounts/9999/webhooks", json={"url": HOOK}, token=admin.token).json == {
        "message": "Account 9999 not found", "status": 404}


@pytest.mark.parametrize("url, message", [
    ("http://hooks.example.com/x", "Only https URLs are allowed."),
    ("ftp://hooks.example.com/x", "Not a valid URL: use https://<host>/<path>."),
    ("https://user:pw@hooks.example.com/x", "Credentials in the URL are not allowed."),
    ("https://internal.example.com/x", "The host internal.example.com resolves to 10.1.2.3, a private address; "
                                       "webhooks go to public addresses only."),
    ("https://169.254.169.254/latest", "The host 169.254.169.254 resolves to 169.254.169.254, a link-local "
                                       "address; webhooks go to public addresses only."),
    ("https://127.0.0.1:8443/x", "The host 127.0.0.1 resolves to 127.0.0.1, a loopback address; webhooks go to "
                                 "public addresses only."),
    ("https://[::1]/x", "The host ::1 resolves to ::1, a loopback address; webhooks go to public addresses only."),
    ("https://nowhere.invalid/x", "The host nowhere.invalid could not be resolved."),
])
def test_urls_are_checked(api, site, url, message):
    r = register(api, site, site.admin.token, url=url)
    assert (r.status, r.json) == (422, rejected("url", message))
    assert webhooks.list_for_account(site.account.id) == [] and audit.entries_for_account(site.account.id) == []


def test_loopback_only_when_the_setting_allows_it(api, site, monkeypatch):
    assert register(api, site, site.admin.token, url="http://127.0.0.1:9/x").status == 422
    monkeypatch.setenv("FLEXCLOUD_WEBHOOKS_ALLOW_LOOPBACK", "1")
    assert register(api, site, site.admin.token, url="http://127.0.0.1:9/x").status == 201
    r = register(api, site, site.admin.token, url="http://hooks.example.com/x")  # plain http: loopback only
    assert r.json == rejected("url", "Only https URLs are allowed.")


def test_bodies_are_validated(api, site):
    token = site.admin.token
    assert register(api, site, token, events=["job.started"]).json["message"] == {"json": {"events": {"0": [
        "Must be one of: job.finished, job.failed."]}}}
    assert register(api, site, token, events=[]).json == rejected("events", "Shorter than minimum length 1.")
    assert register(api, site, token, secret="mine").json == rejected("secret", "Unknown field.")
    assert register(api, site, token, assets=["1"]).json["message"] == {"json": {"assets": {"0": [
        "Not a valid integer."]}}}
    other = make_asset(account=make_account("Other"), name="theirs")
    assert register(api, site, token, assets=[other.id]).json == rejected(
        "assets", f"Asset {other.id} does not belong to account {site.account.id}.")
    assert register(api, site, token, assets=[999]).json == rejected("assets", "No asset found with ID 999.")
    assert api.post(f"/api/v3_0/accounts/{site.account.id}/webhooks", json={}, token=token).json == rejected(
        "url", "Missing data for required field.")
    assert webhooks.list_for_account(site.account.id) == []


def test_an_account_has_at_most_ten(api, site):
    for _ in range(10):
        assert register(api, site, site.admin.token).status == 201
    r = register(api, site, site.admin.token)
    assert r.status == 422 and r.json["message"] == {"json": {"_schema": [
        f"Account {site.account.id} has 10 webhooks already, the most it may have."]}}


def test_delete(api, site):
    hook_id = register(api, site, site.admin.token).json["id"]
    path = f"/api/v3_0/accounts/{site.account.id}/webhooks/{hook_id}"
    assert api.delete(path, token=site.member.token).json == FORBIDDEN
    r = api.delete(path, token=site.admin.token)
    assert r.status == 204 and r.body == b""
    assert api.delete(path, token=site.admin.token).json == {"message": f"Webhook {hook_id} not found",
                                                             "status": 404}
    assert api.get(f"/api/v3_0/accounts/{site.account.id}/webhooks", token=site.admin.token).json == []
    assert [e.event for e in audit.entries_for_account(site.account.id)] == [
        f"Registered webhook {hook_id} (job.finished, job.failed) to {HOOK}",
        f"Deleted webhook {hook_id} to {HOOK}"]
    # Another account's id in the path does not reach this account's webhook.
    other_hook = register(api, site, site.admin.token).json["id"]
    other = make_account("Other")
    admin = make_user(roles=["admin"])
    assert api.delete(f"/api/v3_0/accounts/{other.id}/webhooks/{other_hook}", token=admin.token).status == 404


def test_delivery_log_is_paginated_newest_first(api, site):
    hook_id = register(api, site, site.admin.token).json["id"]
    path = f"/api/v3_0/accounts/{site.account.id}/webhooks/{hook_id}/deliveries"
    assert api.get(path, token=site.admin.token).json == {"data": [], "num-records": 0, "filtered-records": 0,
                                                         "status": 200}
    t0 = datetime(2026, 1, 1, tzinfo=timezone.utc)
    for attempt, (status, error) in enumerate([(500, "HTTP 500"), (None, "ConnectionRefusedError: refused"),
                                               (200, None)], start=1):
        webhooks.record_attempt(webhook_id=hook_id, delivery_id="d1", event="job.finished", job_id="j1",
                                attempt=attempt, outcome="delivered" if status == 200 else "failed",
                                started_at=t0 + timedelta(seconds=attempt), status_code=status, error=error)
    r = api.get(path, token=site.admin.token, query={"per_page": 2})
    assert r.status == 200 and (r.json["num-records"], r.json["filtered-records"]) == (3, 3)
    assert [(d["attempt"], d["outcome"], d["status_code"], d["error"]) for d in r.json["data"]] == [
        (3, "delivered", 200, None), (2, "failed", None, "ConnectionRefusedError: refused")]
    first = r.json["data"][0]
    assert (first["delivery"], first["event"], first["job"]) == ("d1", "job.finished", "j1")
    assert first["started_at"] == (t0 + timedelta(seconds=3)).isoformat()
    page2 = api.get(path, token=site.admin.token, query={"per_page": 2, "page": 2}).json["data"]
    assert [d["attempt"] for d in page2] == [1]
    assert api.get(path, token=site.admin.token, query={"page": 3, "per_page": 2}).status == 404
    assert api.get(path, token=site.member.token).json == FORBIDDEN
    assert api.get(f"/api/v3_0/accounts/{site.account.id}/webhooks/999/deliveries",
                   token=site.admin.token).status == 404
