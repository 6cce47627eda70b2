"""FlexMeasures' version headers: `FlexMeasures-Version` on every /api response, `API-Version: v3_0` under
/api/v3_0, whatever the status (unknown paths over HTTP: tests/e2e/test_local_stack.py)."""
from __future__ import annotations

import re

import pytest

from chalicelib.api import health
from chalicelib.api.routes import ROUTES
from tests.factories import make_sensor, make_site


def versioned(r, api_version: bool = True) -> bool:
    return r.headers.get("flexmeasures-version") == "1.0.1" and (
        r.headers.get("api-version") == "v3_0" if api_version else "api-version" not in r.headers)


@pytest.fixture
def site(aws):
    return make_site(admin=True)


def test_every_kind_of_response_says_the_versions(api, site, monkeypatch):
    sensor = make_sensor(site.asset)
    answers = {
        200: api.get("/api/v3_0/sensors", token=site.member.token),
        204: api.delete(f"/api/v3_0/sensors/{sensor.id}", token=site.admin.token),
        400: api.request("POST", "/api/v3_0/assets", token=site.admin.token, body=b"{not json",
                         headers={"Content-Type": "application/json"}),
        401: api.get("/api/v3_0/sensors"),
        403: api.delete(f"/api/v3_0/assets/{site.asset.id}", token=site.member.token),
        404: api.get("/api/v3_0/assets/not-an-id", token=site.member.token),
        405: api.request("PUT", "/api/v3_0/sensors"),
        413: api.request("POST", "/api/v3_0/sensors/data", token=site.member.token, body=b"x" * (6 * 2 ** 20 + 1)),
        422: api.post("/api/v3_0/assets", {}, token=site.admin.token),
    }
    monkeypatch.setenv("FLEXMEASURES_API_DEFAULT_RATE_LIMIT", "1 per day")
    api.get("/api/v3_0/sensors", token=site.admin.token)
    answers[429] = api.get("/api/v3_0/sensors", token=site.admin.token)
    monkeypatch.setattr(health, "readiness", lambda: 1 / 0)  # a bug in a view
    answers[500] = api.get("/api/v3_0/health/ready")
    for status, r in answers.items():
        assert r.status == status, (status, r.json)
        assert versioned(r), status


def test_only_v3_0_responses_say_the_api_version(api, aws):
    assert versioned(api.get("/api/"), api_version=False)
    assert versioned(api.request("DELETE", "/api/"), api_version=False)
    assert versioned(api.post("/api/requestAuthToken", {"email": "x@y.z"}), api_version=False)
    assert versioned(api.get("/api/v3_0"))


def test_every_route_and_its_405s_say_the_versions(api, aws):
    """Anonymous calls of every endpoint (401s mostly) and of every method a path does not serve."""
    for route in ROUTES:
        path = "/api" + re.sub(r"\{\w+\}", "1", route.path)
        r = api.request(route.method, path)
        assert versioned(r, api_version=route.path.startswith("/v3_0")), (route.method, route.path, r.status)
    served = {}
    for route in ROUTES:
        served.setdefault(route.path, set()).add(route.method)
    for path, methods in served.items():
        for method in {"GET", "POST", "PATCH", "PUT", "DELETE"} - methods:
            r = api.request(method, "/api" + re.sub(r"\{\w+\}", "1", path))
            assert r.status == 405 and versioned(r, api_version=path.startswith("/v3_0")), (method, path)
