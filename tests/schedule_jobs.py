"""Scheduling jobs for the tests: a battery trigger body, jobs queued as the triggers leave them, the worker run on
what reached the (moto) schedule queue, as the SQS event source does, and the GET of a job's schedule."""
from __future__ import annotations

import json

from chalicelib.scheduling import choice
from chalicelib.store import jobs, queue
from chalicelib.aws import client
from chalicelib.workers import scheduling

START = "2026-01-01T00:00:00+00:00"
# Cheap first 2 hours, dear next 2 hours (EUR/MWh), as an inline series.
PRICES = [{"value": "10 EUR/MWh", "start": START, "duration": "PT2H"},
          {"value": "100 EUR/MWh", "start": "2026-01-01T02:00:00+00:00", "duration": "PT2H"}]
BATTERY = {"soc-at-start": "0 kWh", "soc-min": "0 kWh", "soc-max": "100 kWh", "power-capacity": "50 kW"}
# The battery's power sensor (make_sensor's keywords).
BATTERY_POWER = dict(name="battery power", unit="kW", minutes=15)


def queue_job(request: dict, *, asset_id: int, sensor_ids: list[int], sensor_id: int | None = None) -> str:
    """A StorageScheduler job stored and queued as a trigger leaves it; its id."""
    job = jobs.create(asset_id=asset_id, sensor_id=sensor_id, sensor_ids=sensor_ids,
                      request={**request, "scheduler": choice.STORAGE.name}, meta=choice.STORAGE.info)
    queue.send_job(job.id)
    return job.id


def queue_sensor_job(sensor, **over) -> str:
    """A sensor trigger's job: the battery over 4 hours at PRICES, with `over` replacing parts of the body."""
    body = {"start": START, "duration": "PT4H", "flex-model": dict(BATTERY),
            "flex-context": {"consumption-price": PRICES}, **over}
    return queue_job({"trigger": "sensor", "body": body}, asset_id=sensor.generic_asset_id, sensor_ids=[sensor.id],
                     sensor_id=sensor.id)


def run_queue(max_messages: int = 10, *, queue_name: str | None = None, handle=scheduling.handle_message) -> list[str]:
    """Receive up to `max_messages` from a job queue (default: schedules), run its worker (`handle`) on each; the
    job ids handled."""
    sqs = client("sqs")
    url = queue.queue_url(queue_name)
    handled = []
    for _ in range(max_messages):
        received = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1).get("Messages", [])
        if not received:
            break
        message = received[0]
        handle(message["Body"])
        sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        job_id = json.loads(message["Body"]).get("job_id")  # (an automation's occurrence names no job)
        if job_id is not None:
            handled.append(job_id)
    return handled


def get_schedule(api, sensor, job_id: str, token: str, **query):
    """GET /sensors/<id>/schedules/<job_id> through the API tests' client."""
    return api.get(f"/api/v3_0/sensors/{sensor.id}/schedules/{job_id}", token=token, query=query or None)
