"""Public endpoints: version list, requestAuthToken, service listing, health, error shapes."""
from __future__ import annotations

import pytest

from chalicelib.api.versions import FLEXMEASURES_VERSION
from chalicelib.errors import UNAUTHORIZED_MESSAGE

UNAUTHORIZED = {"message": UNAUTHORIZED_MESSAGE, "status": "UNAUTHORIZED"}


def test_version_list(api):
    r = api.get("/api/")
    assert r.status == 200
    assert r.headers["content-type"] == "application/json"
    assert r.json["versions"] == ["v3_0"]
    # The release whose v3_0 API is served in full: flexmeasures-client takes its current code paths for it.
    assert r.json["flexmeasures_version"] == FLEXMEASURES_VERSION == "1.0.1"
    assert r.headers["flexmeasures-version"] == FLEXMEASURES_VERSION
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
    # FlexMeasures counts only session logins: a token request leaves the login fields alone.
    assert stored.login_count == 0 and stored.last_login_at is None


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


# The seed's service table (flexmeasures-api-v3_0.txt): operation -> Description column.
SEED_SERVICES = {
    "GET ": "Obtain a service listing for this version",
    "GET /assets": "Download asset list",
    "POST /assets": "Create a new asset",
    "DELETE /assets/<id>": "Delete an asset",
    "GET /assets/<id>": "Get an asset",
    "PATCH /assets/<id>": "Update an asset",
    "GET /assets/<id>/auditlog": "Get audit log",
    "GET /assets/<id>/jobs": "Get asset jobs",
    "GET /assets/<id>/kpis": "Get asset KPIs",
    "GET /assets/<id>/sensors": "Return all sensors under an asset.",
    "POST /assets/default_asset_view": "Update the default asset view",
    "GET /assets/public": "Return all public assets.",
    "GET /assets/<id>/chart": "Download a chart with time series",
    "GET /assets/<id>/chart_data": "Download time series for use in charts",
    "POST /sensors/<id>/data/upload": "Upload sensor data by file",
    "GET /sensors/data": "Download sensor data",
    "POST /sensors/data": "Upload sensor data",
    "GET /health/ready": "Get readiness status",
    "POST /assets/<id>/schedules/trigger": "Trigger scheduling job for any number of devices",
    "GET /sensors/<id>/schedules/<uuid>": "Download schedule for one device",
    "POST /sensors/<id>/schedules/trigger": "Trigger scheduling job for one device",
    "GET /sensors": "Get list of sensors",
    "POST /sensors": "Create a new Sensor",
    "DELETE /sensors/<id>": "Delete a sensor",
    "GET /sensors/<id>": "Get a sensor",
    "PATCH /sensors/<id>": "Update a sensor",
    "DELETE /sensors/<id>/data": "Delete sensor data",
    "GET /sensors/<id>/stats": "Get sensor stats",
    "GET /sensors/<id>/status": "Get sensor status",
    "GET /users": "Download user list",
    "GET /users/<id>": "Get a user",
    "PATCH /users/<id>": "Patch data for an existing user",
    "GET /users/<id>/auditlog": "Get audit log",
    "PATCH /users/<id>/password-reset": "Password reset",
}


def test_service_listing_names_and_descriptions_follow_the_seed(api):
    services = api.get("/api/v3_0").json["services"]
    listed = {s["name"]: s for s in services}
    assert {name: listed[name]["description"] for name in SEED_SERVICES if name in listed} == SEED_SERVICES
    assert listed["GET /sensors/<id>/schedules/<uuid>"]["url"] == (
        "http://localhost:8000/api/v3_0/sensors/<id>/schedules/<uuid>")
    # Routes beyond the seed (FlexMeasures' account routes, [CURRENT] ones) are listed with a description too.
    assert listed["GET /accounts/<id>"]["description"] == "Get an account"
    assert all(s["description"] and s["name"].split(" ")[0] in ("GET", "POST", "PATCH", "DELETE") for s in services)


def test_health_ready(api):
    r = api.get("/api/v3_0/health/ready")
    assert r.status == 200
    assert r.json == {"database_sql": True, "queue": True, "status": 200}


def test_health_not_ready_without_queue(api):
    from chalicelib.store import queue
    from chalicelib.aws import client

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


# Every operation of FlexMeasures 1.0.1's v3_0 API, read from the route decorators of its
# flexmeasures/api/v3_0/*.py (53 operations; FlaskView route_base + @route), by module.
FLEXMEASURES_1_0_1_OPERATIONS = {
    # public.py, health.py, jobs.py, sources.py
    "GET ", "GET /health/ready", "GET /jobs/<uuid>", "GET /sources",
    # accounts.py
    "GET /accounts", "POST /accounts", "GET /accounts/<id>", "PATCH /accounts/<id>", "GET /accounts/<id>/auditlog",
    "POST /accounts/<id>/annotations",
    # assets.py (AssetTypesAPI and AssetAPI)
    "GET /assets/types", "GET /assets", "POST /assets", "GET /assets/public", "GET /assets/<id>/sensors",
    "GET /assets/<id>", "PATCH /assets/<id>", "DELETE /assets/<id>", "GET /assets/<id>/chart",
    "GET /assets/<id>/chart_data", "GET /assets/<id>/chart_annotations", "GET /assets/<id>/auditlog",
    "GET /assets/<id>/jobs", "POST /assets/default_asset_view", "POST /assets/keep_legends_below_graphs",
    "POST /assets/<id>/schedules/trigger", "GET /assets/<id>/kpis", "POST /assets/<id>/annotations",
    "POST /assets/<id>/copy",
    # deprecated.py
    "GET /sensors/data", "POST /sensors/data",
    # sensors.py
    "GET /sensors", "POST /sensors", "GET /sensors/<id>", "PATCH /sensors/<id>", "DELETE /sensors/<id>",
    "POST /sensors/<id>/data/upload", "POST /sensors/<id>/data", "GET /sensors/<id>/data",
    "DELETE /sensors/<id>/data", "POST /sensors/<id>/schedules/trigger", "GET /sensors/<id>/schedules/<uuid>",
    "GET /sensors/<id>/stats", "GET /sensors/<id>/status", "POST /sensors/<id>/annotations",
    "POST /sensors/<id>/forecasts/trigger", "GET /sensors/<id>/forecasts/<uuid>",
    # users.py
    "GET /users", "POST /users", "GET /users/<id>", "PATCH /users/<id>", "GET /users/<id>/auditlog",
    "PATCH /users/<id>/password-reset",
}
# FlexMeasures' automations, which it added after 1.0 (see the README's "Automations").
AFTER_1_0_1_OPERATIONS = {
    "GET /assets/<id>/automations", "POST /assets/<id>/automations", "GET /assets/<id>/automations/<automation_id>",
    "PATCH /assets/<id>/automations/<automation_id>", "DELETE /assets/<id>/automations/<automation_id>",
    "POST /assets/<id>/automations/<automation_id>/trigger",
}
# Ours, not FlexMeasures': the OpenAPI document and its Swagger UI page (README "API documentation").
DOCS_OPERATIONS = {"GET /openapi.json", "GET /docs", "GET /docs/static/<file>"}


def ours(name: str) -> bool:
    """Our own operations: the docs routes, and webhooks (a later branch adds them; FlexMeasures has none)."""
    return name in DOCS_OPERATIONS or "/webhooks" in name


def test_service_listing_holds_every_flexmeasures_1_0_1_operation(api):
    assert len(FLEXMEASURES_1_0_1_OPERATIONS) == 53
    listed = {s["name"] for s in api.get("/api/v3_0").json["services"]}
    assert FLEXMEASURES_1_0_1_OPERATIONS - listed == set()
    assert DOCS_OPERATIONS <= listed
    # nothing else of our own invention: the rest is FlexMeasures' newer automations
    assert {name for name in listed - FLEXMEASURES_1_0_1_OPERATIONS if not ours(name)} == AFTER_1_0_1_OPERATIONS


# FlexMeasures 1.0.1's quickref texts (its listing's descriptions) for the operations beyond the seed we added.
FLEXMEASURES_1_0_1_DESCRIPTIONS = {
    "POST /accounts": "Create an account.",
    "PATCH /accounts/<id>": "Update an account.",
    "GET /accounts/<id>/auditlog": "Get the history of actions for a specific account.",
    "POST /accounts/<id>/annotations": "Add an annotation to an account.",
    "POST /assets/<id>/annotations": "Add an annotation to an asset.",
    "POST /sensors/<id>/annotations": "Add an annotation to a sensor.",
    "GET /assets/<id>/chart_annotations": "Download annotations for use in charts",
    "POST /assets/<id>/copy": "Copy an asset to a target account and/or parent.",
    "POST /users": "Create new user",
    "GET /sources": "List accessible data sources and defined source types.",
}


def test_new_operations_are_described_as_flexmeasures_1_0_1_lists_them(api):
    listed = {s["name"]: s["description"] for s in api.get("/api/v3_0").json["services"]}
    assert {name: listed[name] for name in FLEXMEASURES_1_0_1_DESCRIPTIONS} == FLEXMEASURES_1_0_1_DESCRIPTIONS
    assert listed["POST /assets/keep_legends_below_graphs"].startswith("Toggle whether for the current user legends")
