"""Webhooks on the local stack over HTTP: receivers on 127.0.0.1 get correctly signed webhooks for a finished and
for a failed job, and a receiver that answers 500 twice gets the event on the third try (delivery log: 3 attempts)."""
from __future__ import annotations

import json
import time

import pytest
import requests

from chalicelib.auth.webhook_signing import verify
from tests.e2e.conftest import running_local_stack
from tests.schedule_jobs import BATTERY, PRICES, START
from tests.webhook_receivers import Receiver

pytestmark = pytest.mark.e2e


def _wait_for(condition, timeout: float = 60) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if condition():
            return
        time.sleep(0.2)
    pytest.fail("timed out waiting for webhooks")


def _checked(received, secret: str) -> dict:
    """The payload of a received webhook whose signature verifies with `secret`."""
    headers = {k.lower(): v for k, v in received.headers.items()}
    assert verify(secret, headers["x-flexcloud-timestamp"], received.body, headers["x-flexcloud-signature"],
                  now=time.time())
    payload = json.loads(received.body)
    assert headers["x-flexcloud-event"] == payload["event"]
    return payload


def test_signed_webhooks_for_finished_and_failed_jobs_and_retries():
    with running_local_stack({"FLEXCLOUD_WEBHOOK_BACKOFF": "1"}) as stack, Receiver() as steady, \
            Receiver(statuses=[500, 500]) as flaky:
        api, auth = f"{stack.base_url}/v3_0", {"Authorization": stack.token()}
        account_id = stack.admin_account_id()

        def post(path, body):
            r = requests.post(api + path, json=body, headers=auth, timeout=30)
            assert r.status_code in (200, 201), r.text
            return r.json()

        asset = post("/assets", {"name": "webhook site", "account_id": account_id, "generic_asset_type_id": 1,
                                 "latitude": 52.0, "longitude": 4.0})
        sensor = post("/sensors", {"name": "battery power", "unit": "kW", "event_resolution": "PT15M",
                                   "generic_asset_id": asset["id"], "timezone": "UTC"})
        steady_hook = post(f"/accounts/{account_id}/webhooks", {"url": steady.url})
        flaky_hook = post(f"/accounts/{account_id}/webhooks", {"url": flaky.url, "events": ["job.finished"],
                                                                "assets": [asset["id"]]})
        listed = requests.get(f"{api}/accounts/{account_id}/webhooks", headers=auth, timeout=10).json()
        assert [h["id"] for h in listed] == [steady_hook["id"], flaky_hook["id"]] and "secret" not in listed[0]

        trigger = f"/sensors/{sensor['id']}/schedules/trigger"
        body = {"start": START, "duration": "PT4H", "flex-model": BATTERY}
        finished = post(trigger, {**body, "flex-context": {"consumption-price": PRICES}})["schedule"]
        failed = post(trigger, {**body, "flex-context": {}})["schedule"]  # no prices: the job fails

        _wait_for(lambda: len(steady.received) == 2 and len(flaky.received) == 3)
        by_job = {p["job"]: p for p in (_checked(r, steady_hook["secret"]) for r in steady.received)}
        done, broken = by_job[finished], by_job[failed]
        assert (done["event"], done["status"], done["asset"], done["sensors"]) == (
            "job.finished", "FINISHED", asset["id"], [sensor["id"]])
        assert done["costs"]["energy"] == pytest.approx(-9.0, abs=1e-3) and done["error"] is None
        assert (broken["event"], broken["status"], broken["results-urls"]) == ("job.failed", "FAILED", [])
        assert "UnknownPricesException" in broken["error"]
        # The URLs in the body are this API's paths: the job's status, then its schedule.
        root = stack.base_url[:-len("/api")]
        assert requests.get(root + done["job-url"], headers=auth, timeout=10).status_code == 200
        [results] = done["results-urls"]
        schedule = requests.get(root + results, headers=auth, timeout=10)
        assert schedule.status_code == 200 and len(schedule.json()["values"]) == 16

        # The flaky receiver: the same signed event three times (each try signed anew), the third accepted.
        payloads = [_checked(r, flaky_hook["secret"]) for r in flaky.received]
        assert {p["job"] for p in payloads} == {finished}
        assert len({r.headers["X-Flexcloud-Delivery"] for r in flaky.received}) == 1
        log_url = f"{api}/accounts/{account_id}/webhooks/{flaky_hook['id']}/deliveries"

        def logged():
            return requests.get(log_url, headers=auth, timeout=10).json()

        _wait_for(lambda: logged()["num-records"] == 3, timeout=10)
        assert [(d["attempt"], d["outcome"], d["status_code"]) for d in logged()["data"]] == [
            (3, "delivered", 200), (2, "failed", 500), (1, "failed", 500)]
        steady_log = requests.get(f"{api}/accounts/{account_id}/webhooks/{steady_hook['id']}/deliveries",
                                  headers=auth, timeout=10).json()["data"]
        assert sorted((d["event"], d["attempt"], d["status_code"]) for d in steady_log) == [
            ("job.failed", 1, 200), ("job.finished", 1, 200)]
