"""Real responses match the OpenAPI document: a representative set of operations, their successes and the
contract's error shapes (401, 403, 404, 422), each checked against the schema documented for its status."""
from __future__ import annotations

import json

import pytest

from chalicelib.store import assets
from tests import openapi_check
from tests.api.client import Resp
from tests.factories import make_site
from tests.schedule_jobs import BATTERY, PRICES, START, run_queue

V3 = "/v3_0"


@pytest.fixture
def site(aws):
    site = make_site(admin=True, outsider=True, sensors={"power": dict(unit="kW", minutes=15)})
    assets.update(site.asset, {"sensors_to_show": [site.power.id]})
    return site


def call(api, method: str, path: str, *, token=None, ids=None, **kw):
    """Call the route table's `path` (ids filled in) and check the answer against its documentation."""
    resp = api.request(method, "/api" + path.format(**(ids or {})), token=token, **kw)
    openapi_check.check(method, path, resp)
    return resp


def test_public_operations_match(api, site):
    assert call(api, "GET", "/").status == 200
    assert call(api, "GET", V3).status == 200
    token = call(api, "POST", "/requestAuthToken", json_body={"email": site.member.user.email,
                                                              "password": "secret-password"})
    assert token.status == 200
    wrong = call(api, "POST", "/requestAuthToken", json_body={"email": site.member.user.email, "password": "x"})
    assert wrong.status == 401
    assert call(api, "GET", V3 + "/openapi.json").status == 200


def test_asset_and_sensor_operations_match(api, site):
    token, ids = site.member.token, {"id": site.asset.id}
    assert call(api, "GET", V3 + "/assets", token=token).status == 200
    assert call(api, "GET", V3 + "/assets", token=token, query={"page": 1}).status == 200
    created = call(api, "POST", V3 + "/assets", token=site.admin.token,
                   json_body={"name": "new", "generic_asset_type_id": site.asset.generic_asset_type_id})
    assert created.status == 201
    assert call(api, "GET", V3 + "/assets/{id}", token=token, ids=ids).status == 200
    assert call(api, "PATCH", V3 + "/assets/{id}", token=token, ids=ids, json_body={"name": "renamed"}).status == 200
    assert call(api, "GET", V3 + "/assets/{id}/sensors", token=token, ids=ids).status == 200
    assert call(api, "GET", V3 + "/assets/types", token=token).status == 200
    assert call(api, "GET", V3 + "/sensors", token=token).status == 200
    sensor = call(api, "POST", V3 + "/sensors", token=token, json_body={
        "name": "price", "unit": "EUR/MWh", "event_resolution": "PT1H", "generic_asset_id": site.asset.id})
    assert sensor.status == 201
    assert call(api, "GET", V3 + "/sensors/{id}", token=token, ids={"id": site.power.id}).status == 200
    assert call(api, "GET", V3 + "/users/{id}", token=token, ids={"id": site.member.id}).status == 200
    assert call(api, "GET", V3 + "/accounts/{id}", token=token, ids={"id": site.account.id}).status == 200
    assert call(api, "DELETE", V3 + "/assets/{id}", token=site.admin.token, ids={"id": created.json["id"]}).status == 204


def test_sensor_data_and_chart_operations_match(api, site):
    token, ids = site.member.token, {"id": site.power.id}
    window = {"start": "2025-01-01T00:00:00+00:00", "duration": "PT1H", "unit": "kW"}
    posted = call(api, "POST", V3 + "/sensors/{id}/data", token=token, ids=ids,
                  json_body={**window, "values": [1, -2, 3, -4]})
    assert posted.status == 200
    assert call(api, "GET", V3 + "/sensors/{id}/data", token=token, ids=ids, query=window).status == 200
    assert call(api, "GET", V3 + "/sensors/{id}/stats", token=token, ids=ids).status == 200
    assert call(api, "GET", V3 + "/sensors/{id}/status", token=token, ids=ids).status == 200
    chart_window = {"event_starts_after": "2025-01-01T00:00:00+00:00",
                    "event_ends_before": "2025-01-01T01:00:00+00:00"}
    asset = {"id": site.asset.id}
    data = call(api, "GET", V3 + "/assets/{id}/chart_data", token=token, ids=asset, query=chart_window)
    assert data.status == 200 and len(data.json) == 4
    assert call(api, "GET", V3 + "/assets/{id}/chart", token=token, ids=asset, query=chart_window).status == 200


def test_scheduling_operations_match(api, site):
    token, ids = site.member.token, {"id": site.power.id}
    trigger = call(api, "POST", V3 + "/sensors/{id}/schedules/trigger", token=token, ids=ids, json_body={
        "start": START, "duration": "PT4H", "flex-model": BATTERY, "flex-context": {"consumption-price": PRICES}})
    assert trigger.status in (200, 202)
    job = trigger.json.get("schedule") or trigger.json["job"]
    schedule_path = V3 + "/sensors/{id}/schedules/{uuid}"
    pending = call(api, "GET", schedule_path, token=token, ids={**ids, "uuid": job})
    assert pending.status in (202, 400)
    assert call(api, "GET", V3 + "/jobs/{uuid}", token=token, ids={"uuid": job}).status == 202
    run_queue()
    done = call(api, "GET", schedule_path, token=token, ids={**ids, "uuid": job})
    assert done.status == 200 and done.json["values"]
    assert call(api, "GET", V3 + "/jobs/{uuid}", token=token, ids={"uuid": job}).status == 200
    assert call(api, "GET", V3 + "/assets/{id}/jobs", token=token, ids={"id": site.asset.id}).status == 200


def test_error_shapes_match(api, site):
    asset = {"id": site.asset.id}
    assert call(api, "GET", V3 + "/assets/{id}", ids=asset).status == 401
    assert call(api, "GET", V3 + "/assets/{id}", token=site.outsider.token, ids=asset).status == 403
    assert call(api, "GET", V3 + "/assets/{id}", token=site.member.token, ids={"id": 999999}).status == 404
    bad = call(api, "PATCH", V3 + "/assets/{id}", token=site.member.token, ids=asset, json_body={"latitude": 500})
    assert bad.status == 422
    unknown_job = call(api, "GET", V3 + "/sensors/{id}/schedules/{uuid}", token=site.member.token,
                       ids={"id": site.power.id, "uuid": "no-such-job"})
    assert unknown_job.status == 400


def test_a_wrong_body_fails_the_check(api, site):
    """The check is not vacuous: a body that lost a documented field, or a status not documented, fails it."""
    resp = api.get(f"/api/v3_0/assets/{site.asset.id}", token=site.member.token)
    body = resp.json
    del body["sensors_to_show"]
    with pytest.raises(AssertionError, match="sensors_to_show"):
        openapi_check.check("GET", V3 + "/assets/{id}", Resp(200, resp.headers, json.dumps(body).encode()))
    with pytest.raises(AssertionError, match="does not list"):
        openapi_check.check("GET", V3 + "/assets/{id}", Resp(418, resp.headers, resp.body))


def test_listing_health_kpi_and_asset_trigger_operations_match(api, site, admin):
    token, asset = site.member.token, {"id": site.asset.id}
    assert call(api, "GET", V3 + "/health/ready").status == 200
    assert call(api, "GET", V3 + "/users", token=token).status == 200
    assert call(api, "GET", V3 + "/users", token=admin.token, query={"page": 1}).status == 200
    assert call(api, "GET", V3 + "/accounts", token=token).status == 200
    assert call(api, "GET", V3 + "/accounts", token=token, query={"page": 1}).status == 200
    assert call(api, "GET", V3 + "/assets/public", token=token).status == 200
    assert call(api, "GET", V3 + "/assets/{id}/auditlog", token=token, ids=asset).status == 200
    assets.update(site.asset, {"sensors_to_show_as_kpis": [{"title": "Power", "sensor": site.power.id}]})
    kpis = call(api, "GET", V3 + "/assets/{id}/kpis", token=token, ids=asset,
                query={"start": "2025-01-01T00:00:00+00:00", "end": "2025-01-02T00:00:00+00:00"})
    assert kpis.status == 200 and kpis.json["data"]
    trigger = call(api, "POST", V3 + "/assets/{id}/schedules/trigger", token=token, ids=asset, json_body={
        "start": START, "duration": "PT4H", "flex-model": [{"sensor": site.power.id, **BATTERY}],
        "flex-context": {"consumption-price": PRICES}})
    assert trigger.status in (200, 202)
    bad_trigger = call(api, "POST", V3 + "/assets/{id}/schedules/trigger", token=token, ids=asset,
                       json_body={"start": START, "flex-model": []})
    assert bad_trigger.status == 422


def test_every_api_test_answer_is_checked_by_its_route(api, site):
    """The API tests' client checks each answer (tests.api.client): the router's path is found (literal paths
    before placeholders), undocumented statuses and other methods' 405s are left alone."""
    resp = api.get(f"/api/v3_0/assets/{site.asset.id}", token=site.member.token)
    body = resp.json
    del body["name"]
    broken = Resp(200, resp.headers, json.dumps(body).encode())
    with pytest.raises(AssertionError, match="GET /v3_0/assets/{id} 200"):
        openapi_check.check_any("GET", f"/api/v3_0/assets/{site.asset.id}?page=1", broken)
    with pytest.raises(AssertionError, match="GET /v3_0/sensors/data 200"):
        openapi_check.check_any("GET", "/v3_0/sensors/data", broken)  # not /sensors/{id}
    openapi_check.check_any("PATCH", "/v3_0/assets/public", Resp(405, resp.headers, b"{}"))  # not /assets/{id}
    openapi_check.check_any("GET", f"/v3_0/assets/{site.asset.id}", Resp(500, resp.headers, b"{}"))
