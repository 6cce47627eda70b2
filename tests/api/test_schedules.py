"""Scheduling API: triggers, the solver worker fed from SQS, schedule results, asset jobs, job status."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from chalicelib.scheduling import worker
from chalicelib.store import beliefs, jobs, queue, sources
from chalicelib.store.aws import client
from tests.api.sensor_helpers import make_asset, make_sensor

START = "2026-01-01T00:00:00+00:00"
# Cheap first 2 hours, dear next 2 hours (EUR/MWh), as an inline series.
PRICES = [{"value": "10 EUR/MWh", "start": START, "duration": "PT2H"},
          {"value": "100 EUR/MWh", "start": "2026-01-01T02:00:00+00:00", "duration": "PT2H"}]
BATTERY = {"soc-at-start": "0 kWh", "soc-min": "0 kWh", "soc-max": "100 kWh", "power-capacity": "50 kW"}


@pytest.fixture
def site(make_account, make_user):
    account = make_account(name="ACME")
    asset = make_asset(account.id, "ACME site")
    battery = make_sensor(asset, "battery power", "kW", 15)
    return {"account": account, "asset": asset, "battery": battery,
            "member": make_user(account=account), "outsider": make_user()}


def trigger(api, sensor, token, **over):
    body = {"start": START, "duration": "PT4H", "flex-model": dict(BATTERY),
            "flex-context": {"consumption-price": PRICES}, **over}
    return api.post(f"/api/v3_0/sensors/{sensor.id}/schedules/trigger", body, token=token)


def run_queue(max_messages: int = 10) -> list[str]:
    """Receive what the triggers sent to the (moto) schedule queue and run the worker on each message."""
    sqs = client("sqs")
    handled = []
    for _ in range(max_messages):
        received = sqs.receive_message(QueueUrl=queue.queue_url(), MaxNumberOfMessages=1).get("Messages", [])
        if not received:
            break
        message = received[0]
        worker.handle_message(message["Body"])
        sqs.delete_message(QueueUrl=queue.queue_url(), ReceiptHandle=message["ReceiptHandle"])
        handled.append(json.loads(message["Body"])["job_id"])
    return handled


def get_schedule(api, sensor, job_id, token, **query):
    return api.get(f"/api/v3_0/sensors/{sensor.id}/schedules/{job_id}", token=token, query=query or None)


def test_sensor_trigger_worker_and_schedule_round_trip(api, site):
    r = trigger(api, site["battery"], site["member"].token)
    assert r.status == 200
    job_id = r.json["schedule"]
    assert r.json == {"schedule": job_id, "status": "PROCESSED", "message": "Request has been processed."}

    pending = get_schedule(api, site["battery"], job_id, site["member"].token)
    assert pending.status == 400
    assert pending.json == {"result": "Rejected", "status": "UNKNOWN_SCHEDULE",
                            "message": "No known schedule for this time period. Scheduling job waiting to be "
                                       "processed. StorageScheduler was used."}

    assert run_queue() == [job_id]
    r = get_schedule(api, site["battery"], job_id, site["member"].token, duration="PT4H")
    assert r.status == 200, r.json
    values = r.json["values"]
    assert len(values) == 16 and r.json["start"] == START and r.json["duration"] == "PT4H"
    assert r.json["unit"] == "kW" and r.json["status"] == "PROCESSED"
    assert r.json["scheduler_info"] == {"scheduler": "StorageScheduler"}
    assert r.json["message"] == "Request has been processed. StorageScheduler was used."
    # Charge 100 kWh while cheap (consumption positive), sell it all while dear.
    assert sum(values[:8]) / 4 == pytest.approx(100) and all(v >= 0 for v in values[:8])
    assert sum(values[8:]) / 4 == pytest.approx(-100)
    assert all(abs(v) <= 50 + 1e-6 for v in values)
    costs = r.json["costs"]
    assert costs["currency"] == "EUR"
    assert costs["energy"] == pytest.approx(0.1 * 10 - 0.1 * 100, abs=1e-3)

    # Stored as beliefs of the scheduler's source, consumption negative in the database (§10.3).
    stored = beliefs.read_latest(site["battery"], datetime(2026, 1, 1, tzinfo=timezone.utc),
                                 datetime(2026, 1, 1, 4, tzinfo=timezone.utc))
    source = sources.find(int(stored.source_id[0]))
    assert (source.type, source.model, source.name) == ("scheduler", "StorageScheduler", "Seita")
    assert [-v for v in stored.value] == pytest.approx(values)

    # The default duration is 6 hours, trimmed to the available data; a unit converts the values.
    r = get_schedule(api, site["battery"], job_id, site["member"].token, unit="MW")
    assert r.json["duration"] == "PT4H" and r.json["unit"] == "MW"
    assert r.json["values"] == pytest.approx([v / 1000 for v in values])
    r = get_schedule(api, site["battery"], job_id, site["member"].token, duration="PT1H")
    assert r.json["values"] == values[:4] and r.json["duration"] == "PT1H"
