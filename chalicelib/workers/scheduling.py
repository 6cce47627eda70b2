"""The solver's job: its stored trigger -> request -> schedule -> beliefs and result items -> the finished meta."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone
from typing import Any

from chalicelib import settings
from chalicelib.scheduling import choice
from chalicelib.scheduling.errors import SchedulingError
from chalicelib.scheduling.outputs import stored_sign
from chalicelib.scheduling.request import AssetTriggerBody, ScheduleRequest
from chalicelib.scheduling.schedule import ScheduleResult
from chalicelib.store import beliefs, schedule_results, sources
from chalicelib.store.models import DataSource, Job
from chalicelib.store.solver_data import StoredSensors
from chalicelib.workers import automations, runner

# FlexMeasures v0.28 stores schedules under a source of this name, the scheduler's name as its model and the
# scheduler's version (data_source_info of the job).
SOURCE_NAME = "Seita"
ABANDONED = ("WorkerError: The scheduling job failed repeatedly (its worker crashed or timed out) and was "
             "abandoned.")


def handle_message(body: str, receipt_handle: str | None = None) -> None:
    """One message of the schedule queue (the solver Lambda's handler), held while it is solved; or an
    automation's occurrence, which creates its run's job."""
    if automations.handled(body):
        return
    runner.handle_message(body, solve_job, receipt_handle)


def handle_dead_letter(body: str) -> None:
    """One message of the schedule queue's dead-letter queue."""
    runner.handle_dead_letter(body, ABANDONED)


def solve_job(job: Job) -> dict[str, Any]:
    """Solve and store a claimed job; a scheduling error fails it with its reason."""
    scheduler = choice.named((job.request or {}).get("scheduler"))
    sensors = StoredSensors()
    try:
        request = schedule_request(job, scheduler)
        result = solve(request, scheduler, sensors)
    except SchedulingError as exc:
        raise runner.JobFailed(exc.reason, scheduler.info) from None
    source = store_result(job, request, result, scheduler, sensors)
    return {**scheduler.info, **finished_meta(request, result, source),
            "result": job_result(result, lambda sensor_id: int(sensors.item(sensor_id).generic_asset_id))}


def schedule_request(job: Job, scheduler: choice.Scheduler) -> Any:
    """The job's stored trigger body as its scheduler's request, read as of `prior` (default: now)."""
    stored = job.request or {}
    body = stored.get("body") or {}
    if stored.get("trigger") == "sensor":
        request = scheduler.sensor_request(int(job.sensor_id), scheduler.trigger_body.model_validate(body))
    else:
        request = ScheduleRequest.from_asset_trigger(AssetTriggerBody.model_validate(body))
    if request.prior is None:
        request = replace(request, prior=datetime.now(timezone.utc))
    return request


def solve(request: Any, scheduler: choice.Scheduler, sensors: StoredSensors) -> ScheduleResult:
    return scheduler.compute(request, sensors.sensor_data, default_duration=settings.planning_horizon(),
                             max_steps=settings.max_planning_steps(),
                             time_limit=settings.solver_time_limit_seconds())


def store_result(job: Job, request: Any, result: ScheduleResult, scheduler: choice.Scheduler,
                 sensors: StoredSensors) -> DataSource:
    """Power (and SoC) schedules as beliefs of the scheduler's source, plus one result item per sensor. The
    sensors are the items the solve read."""
    source = sources.scheduler_source(model=scheduler.name, version=scheduler.source_version, name=SOURCE_NAME)
    items = []
    for schedule, kind in [(s, "power") for s in result.power] + [(s, "state-of-charge") for s in result.soc]:
        sign = stored_sign(schedule.sensor) if kind == "power" else 1
        beliefs.write_beliefs(sensors.item(schedule.sensor.id), source, schedule.event_starts(),
                              [sign * v for v in schedule.values], belief_time=request.prior)
        items.append(schedule_results.StoredSchedule(schedule.sensor.id, schedule.start, schedule.step,
                                                     schedule.instantaneous, schedule.sensor.unit,
                                                     schedule.values, kind))
    schedule_results.save_all(job.id, items)
    return source


def finished_meta(request: Any, result: ScheduleResult, source: DataSource) -> dict[str, Any]:
    return {
        "data_source_info": {"name": source.name, "model": source.model, "version": source.version,
                             "id": int(source.id)},
        "costs": result.costs_json(), "warnings": result.warnings, "timings": result.timings,
        "start": result.window.start.isoformat(), "end": result.window.end.isoformat(),
        "prior": request.prior.isoformat(),
    }


def job_result(result: ScheduleResult, asset_of: Any) -> dict[str, Any]:
    """FlexMeasures 1.0's return value of a scheduling job (GET /jobs/<uuid> `result`): the SoC constraint
    analysis per device's asset (`asset_of`: power sensor id -> asset id) and how many beliefs were saved."""
    count = sum(len(schedule.values) for schedule in [*result.power, *result.soc])
    return {"unresolved": [{"asset": asset_of(sensor_id), **fields} for sensor_id, fields in result.unresolved.items()],
            "resolved": [{"asset": asset_of(sensor_id), **fields} for sensor_id, fields in result.resolved.items()],
            "num-beliefs": count}
