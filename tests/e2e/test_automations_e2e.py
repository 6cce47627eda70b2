"""An automation created through the API fires on the local stack (its runner stands in for EventBridge Scheduler)
and its run produces a schedule, through the same queue and worker as a triggered one."""
from __future__ import annotations

import json
import time

import pytest

pytestmark = pytest.mark.e2e

BATTERY = {"soc-at-start": "0 kWh", "soc-min": "0 kWh", "soc-max": "20 kWh", "power-capacity": "10 kW"}


def test_an_automation_fires_and_schedules(local_stack):
    call = local_stack.caller()

    kind = call("GET", "/assets/types").json()[0]["id"]
    asset = call("POST", "/assets", json={"name": "automated site", "generic_asset_type_id": kind}).json()
    battery = call("POST", "/sensors", json={"name": "battery", "unit": "kW", "event_resolution": "PT15M",
                                             "generic_asset_id": asset["id"]}).json()
    automation = call("POST", f"/assets/{asset['id']}/automations", json={
        "name": "every minute", "cron": "* * * * *", "timezone": "Europe/Amsterdam", "type": "scheduling",
        "parameters": {"duration": "PT2H", "flex-model": [{"sensor": battery["id"], **BATTERY}],
                       "flex-context": {"consumption-price": "30 EUR/MWh"}}}).json()

    deadline = time.monotonic() + 150  # the next minute starts within 60 s; the solve takes a second
    finished = None
    while time.monotonic() < deadline and finished is None:
        time.sleep(2)
        listed = call("GET", f"/assets/{asset['id']}/jobs").json()["jobs"]
        finished = next((j for j in listed if j["status"] == "finished"
                         and json.loads(j["metadata"]).get("automation_id") == automation["id"]), None)
    assert finished is not None, "the automation did not fire and finish a job within 150 s"
    status = call("GET", f"/jobs/{finished['job_id']}").json()
    assert status["status"] == "FINISHED" and status["automation"] == automation["id"]
    schedule = call("GET", f"/sensors/{battery['id']}/schedules/{finished['job_id']}").json()
    assert len(schedule["values"]) == 8 and all(abs(v) <= 10 + 1e-6 for v in schedule["values"])
    shown = call("GET", f"/assets/{asset['id']}/automations/{automation['id']}").json()
    assert shown["cursor"] is not None and shown["latest-job"]["job"] == finished["job_id"]
    call("DELETE", f"/assets/{asset['id']}/automations/{automation['id']}")
