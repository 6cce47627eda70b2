"""Rate limits hold across API processes: a local stack and a second, API-only process on its tables (two Lambda
containers, in effect) count into the same DynamoDB items, and nothing in either process's memory decides."""
from __future__ import annotations

import secrets
import time

import pytest
import requests

from tests.e2e.conftest import running_local_stack

pytestmark = pytest.mark.e2e

LIMITS = {"FLEXMEASURES_API_DEFAULT_RATE_LIMIT": "10 per minute",
          "FLEXMEASURES_API_TRIGGER_RATE_LIMIT": "1 per 5 minutes"}
START = "2027-01-01T00:00:00+00:00"


@pytest.fixture(scope="module")
def two_apis():
    """The local stack (API a, moto, worker) and API b on its AWS emulation, with the same limits and secret."""
    shared = {**LIMITS, "FLEXCLOUD_TOKEN_SECRET": secrets.token_urlsafe(32)}
    with running_local_stack(shared) as a:
        with running_local_stack({**shared, "AWS_ENDPOINT_URL": a.moto_url}, api_only=True) as b:
            yield a, b


def test_the_default_and_trigger_limits_are_shared_by_both_processes(two_apis):
    a, b = two_apis
    token = a.token()  # logging in counts against the client's address, not the user
    headers = {"Authorization": token}
    left = 60 - time.time() % 60
    if left < 15:  # all requests in one minute's window (which is also in one 5-minute window)
        time.sleep(left + 0.1)

    def call(api, method, path, **kw):
        return requests.request(method, f"{api.base_url}{path}", headers=headers, timeout=30, **kw)

    account_id = call(a, "GET", "/v3_0/users").json()[0]["account_id"]
    asset = call(b, "POST", "/v3_0/assets", json={"name": "shared", "account_id": account_id,
                                                    "generic_asset_type_id": 1, "latitude": 52, "longitude": 4})
    assert asset.status_code == 201, asset.text
    sensor = call(a, "POST", "/v3_0/sensors", json={"name": "battery", "unit": "kW", "event_resolution": "PT15M",
                                                     "generic_asset_id": asset.json()["id"]})
    assert sensor.status_code == 201, sensor.text
    trigger = {"start": START, "duration": "PT2H",
               "flex-model": {"soc-at-start": "10 kWh", "soc-min": "0 kWh", "soc-max": "20 kWh",
                              "power-capacity": "10 kW"},
               "flex-context": {"consumption-price": "30 EUR/MWh"}}
    path = f"/v3_0/sensors/{sensor.json()['id']}/schedules/trigger"
    first = call(b, "POST", path, json=trigger)
    assert first.status_code in (200, 202), first.text
    second = call(a, "POST", path, json={**trigger, "force-new-job-creation": True})
    assert second.status_code == 429 and second.json()["message"] == (
        "You hit a rate limit. The limit you hit allows 1 per 5 minute.")

    # Five requests so far; the other five of the minute's ten, alternating, then the eleventh is refused.
    answers = [call((a, b)[i % 2], "GET", "/v3_0/sensors") for i in range(6)]
    assert [r.status_code for r in answers] == [200] * 5 + [429]
    assert [r.headers["X-RateLimit-Remaining"] for r in answers] == ["4", "3", "2", "1", "0", "0"]
    refused = answers[-1]
    assert refused.json() == {"result": "Rejected", "status": "TOO_MANY_REQUESTS",
                              "message": "You hit a rate limit. The limit you hit allows 10 per 1 minute."}
    assert 0 < int(refused.headers["Retry-After"]) <= 60 and refused.headers["FlexMeasures-Version"] == "1.0.1"
    assert call(a, "GET", "/v3_0/sensors").status_code == 429  # and from the other process, too
