"""Runs one scheduling job from its SQS message: claim, solve, store, finish or fail."""
from __future__ import annotations

import json
import logging
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from typing import Any

from chalicelib.store import jobs

log = logging.getLogger("flexcloud.worker")

# FlexMeasures v0.28 stores schedules under a source of this name, the scheduler's name as its model and the
# scheduler's version (data_source_info of the job).
SOURCE_NAME = "Seita"
ABANDONED = ("WorkerError: The scheduling job failed repeatedly (its worker crashed or timed out) and was "
             "abandoned.")


def job_id_of(body: str) -> str | None:
    try:
        data = json.loads(body)
    except ValueError:
        return None
    return data.get("job_id") if isinstance(data, dict) else None


def handle_message(body: str) -> None:
    """Process one message; raising makes SQS redeliver it (and dead-letter it after 3 tries)."""
    job_id = job_id_of(body)
    if job_id is None:
        log.error("Dropping malformed schedule message: %r", body[:200])
        return
    job = jobs.find(job_id)
    if job is None:
        log.warning("Job %s is unknown or expired; acknowledging", job_id)
        return
    if not jobs.claim(job):
        log.info("Job %s already ended (%s); acknowledging redelivery", job_id, job.status)
        return
    run_job(jobs.find(job_id))


def handle_dead_letter(body: str) -> None:
    """A message SQS gave up on: its job must not stay queued or started forever."""
    job_id = job_id_of(body)
    if job_id and jobs.fail_if_pending(job_id, ABANDONED):
        log.error("Job %s dead-lettered and marked failed", job_id)


def run_job(job: Any) -> None:
    """Solve and store a claimed job. Scheduling errors and bugs fail the job with a reason; AWS faults
    propagate so SQS retries the message."""
    from chalicelib.scheduling import choice
    from chalicelib.scheduling.errors import SchedulingError

    scheduler = choice.named((job.request or {}).get("scheduler"))
    try:
        request = schedule_request(job)
        result = solve(request)
    except SchedulingError as exc:
        log.info("Job %s failed: %s", job.id, exc.reason)
        jobs.fail(job, exc.reason, scheduler.info)
        return
    except Exception as exc:  # noqa: BLE001 - a bug must fail the job, not loop through SQS for hours
        if _is_transient(exc):
            raise
        log.exception("Job %s crashed", job.id)
        jobs.fail(job, f"{type(exc).__name__}: {exc}", scheduler.info)
        return
    source = store_result(job, request, result, scheduler)
    jobs.finish(job, {**scheduler.info, **finished_meta(request, result, source)})


def _is_transient(exc: Exception) -> bool:
    from botocore.exceptions import BotoCoreError, ClientError
    from pynamodb.exceptions import PynamoDBException

    return isinstance(exc, (BotoCoreError, ClientError, PynamoDBException))


def schedule_request(job: Any):
    """The job's stored trigger body as its scheduler's request, read as of `prior` (default: now)."""
    from chalicelib.scheduling import choice
    from chalicelib.scheduling.request import AssetTriggerBody, ScheduleRequest

    stored = job.request or {}
    body = stored.get("body") or {}
    if stored.get("trigger") == "sensor":
        scheduler = choice.named(stored.get("scheduler"))
        request = scheduler.sensor_request(int(job.sensor_id), scheduler.trigger_body.model_validate(body))
    else:
        request = ScheduleRequest.from_asset_trigger(AssetTriggerBody.model_validate(body))
    if request.prior is None:
        request = replace(request, prior=datetime.now(timezone.utc))
    return request


def solve(request):
    from chalicelib import settings
    from chalicelib.scheduling import choice

    return choice.named(request.scheduler).compute(request, store_sensor_data(),
                                                   default_duration=settings.planning_horizon(),
                                                   max_steps=settings.max_planning_steps())


def store_sensor_data():
    """The core's injected data: sensors and their latest beliefs from the time-series store."""
    from chalicelib.scheduling.sources import SensorData

    items: dict[int, Any] = {}

    def item(sensor_id: int):
        from chalicelib.store import sensors

        if sensor_id not in items:
            items[sensor_id] = sensors.find(sensor_id)
        return items[sensor_id]

    def lookup(sensor_id: int):
        found = item(sensor_id)
        return None if found is None else sensor_info(found)

    def reader(sensor_id: int, start: datetime, end: datetime, prior: datetime | None):
        import pandas as pd

        from chalicelib.store import beliefs

        found = item(sensor_id)
        if found is None:
            return None
        latest = beliefs.read_latest(found, start, end, prior=prior)
        if not len(latest):
            return None
        return pd.Series(latest.value, index=pd.to_datetime(latest.event_start, unit="us", utc=True))

    return SensorData(lookup, reader)


def sensor_info(sensor: Any):
    from chalicelib.scheduling.sources import SensorInfo

    return SensorInfo(int(sensor.id), sensor.unit, timedelta(minutes=int(sensor.event_resolution_minutes or 0)),
                      dict(sensor.attributes or {}))


def store_result(job: Any, request, result, scheduler) -> Any:
    """Power (and SoC) schedules as beliefs of the scheduler's source, plus one result item per sensor."""
    from chalicelib.scheduling.outputs import stored_sign
    from chalicelib.store import beliefs, schedule_results, sensors, sources

    source = sources.scheduler_source(model=scheduler.name, version=scheduler.source_version, name=SOURCE_NAME)
    items = []
    for schedule, kind in [(s, "power") for s in result.power] + [(s, "state-of-charge") for s in result.soc]:
        sensor = sensors.find(schedule.sensor.id)
        sign = stored_sign(schedule.sensor) if kind == "power" else 1
        beliefs.write_beliefs(sensor, source, schedule.event_starts(), [sign * v for v in schedule.values],
                              belief_time=request.prior)
        items.append(schedule_results.StoredSchedule(schedule.sensor.id, schedule.start, schedule.step,
                                                     schedule.instantaneous, schedule.sensor.unit,
                                                     schedule.values, kind))
    schedule_results.save_all(job.id, items)
    return source


def finished_meta(request, result, source) -> dict[str, Any]:
    return {
        "data_source_info": {"name": source.name, "model": source.model, "version": source.version,
                             "id": int(source.id)},
        "costs": result.costs_json(), "warnings": result.warnings, "timings": result.timings,
        "start": result.window.start.isoformat(), "end": result.window.end.isoformat(),
        "prior": request.prior.isoformat(),
    }
