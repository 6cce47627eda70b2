"""Forecast triggers and results: the work behind POST /sensors/<id>/forecasts/trigger and its GET (FlexMeasures 1.0.1).

A trigger validates its timing against the sensor, checks that the user may read every regressor, stores the
job and sends it to the forecast queue; the forecaster worker (chalicelib/workers/forecasting.py) does the rest.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from chalicelib import settings
from chalicelib.auth.access import require_sensor
from chalicelib.auth.permissions import READ
from chalicelib.errors import ApiError, field_error, unprocessable
from chalicelib.forecasting.plan import ForecastPlan, PlanError, plan_forecasts
from chalicelib.schemas.durations import format_hours_duration
from chalicelib.schemas.forecasts import MODEL, ForecastTrigger, forecast_result
from chalicelib.schemas import results
from chalicelib.schemas.results import Reply, processed
from chalicelib.services.job_responses import legacy_job_responses, retry_after
from chalicelib.services.schedules import status_detail
from chalicelib.store import assets, beliefs, jobs, queue, sensors

KIND = "forecasting"


def trigger(user: Any, sensor: Any, args: ForecastTrigger) -> str:
    """Queue a forecasting job for `sensor` (its own beliefs are the target); returns the job id."""
    plan = _plan(sensor, args)
    future, past = args.config.regressor_ids()
    _require_regressors(user, future + past)
    config = args.config
    request = {
        "sensor_id": int(sensor.id), "user_id": int(user.id), "plan": plan.to_json(),
        "prior": _iso(args.prior), "future_regressors": future, "past_regressors": past,
        "train_start": _iso(config.train_start), "train_period_s": config.training_period().total_seconds(),
        "max_training_period_s": (config.max_training_period or timedelta(days=365)).total_seconds(),
        "missing_threshold": config.missing_threshold,
        "lower": 0.0 if config.ensure_positive and config.lower is None else config.lower, "upper": config.upper,
        "model": MODEL,
    }
    job = jobs.create(asset_id=sensor.generic_asset_id, sensor_id=sensor.id, sensor_ids=[sensor.id],
                      request=request, meta={"sensor_id": int(sensor.id), "start": plan.start.isoformat(),
                                             "end": plan.end.isoformat()}, kind=KIND)
    try:
        queue.send_job(job.id, settings.forecast_queue_name())
    except Exception:
        jobs.fail(job, "QueueError: The forecasting job could not be queued.")
        raise
    return job.id


def accepted(sensor: Any, job_id: str) -> Reply:
    """FlexMeasures 1.0.1's 202, with `forecast` as the legacy key for the job id; or, where the deployment (or the
    asset's client version) asks for the legacy job responses, 200 PROCESSED with `forecast`."""
    if legacy_job_responses(assets.find(sensor.generic_asset_id)):
        return Reply(processed(forecast=job_id))
    return Reply(results.accepted(job_id, f"/api/v3_0/jobs/{job_id}",
                                  f"/api/v3_0/sensors/{sensor.id}/forecasts/{job_id}", legacy_key="forecast",
                                  message="Forecasting job has been queued."), 202,
                 retry_after(sensor.generic_asset_id, KIND))


def _plan(sensor: Any, args: ForecastTrigger) -> ForecastPlan:
    try:
        return plan_forecasts(
            resolution=timedelta(minutes=int(sensor.event_resolution_minutes or 0)),
            now=datetime.now(timezone.utc), default_duration=settings.planning_horizon(), start=args.start,
            end=args.end, duration=args.duration, prior=args.prior, max_forecast_horizon=args.max_forecast_horizon,
            forecast_frequency=args.forecast_frequency)
    except PlanError as exc:
        if exc.field is None:
            raise unprocessable("json", {"_schema": [str(exc)]}) from None
        raise field_error("json", exc.field, str(exc)) from None


def _require_regressors(user: Any, sensor_ids: list[int]) -> None:
    found = sensors.get_many(sensor_ids)
    for sensor_id in sensor_ids:
        if sensor_id not in found:
            raise field_error("json", "config", f"No sensor found with id {sensor_id}.")
        require_sensor(user, READ, found[sensor_id])


# ---- results --------------------------------------------------------------------------------------

def result(sensor: Any, job_id: str) -> Reply:
    """GET /sensors/<id>/forecasts/<uuid>: pending 202 (legacy style: 400), failed 422 (legacy: 400), finished 200
    with the values."""
    job = jobs.find(job_id)
    if job is None or job.kind != KIND:
        raise _rejected(f"Job {job_id} not found.")
    if job.sensor_id is None or int(job.sensor_id) != int(sensor.id):
        raise _rejected(f"Sensor ID mismatch: job {job_id} is for sensor {job.sensor_id}, not sensor {sensor.id}.")
    if job.status != "finished":
        if legacy_job_responses(assets.find(sensor.generic_asset_id)):
            raise unknown_forecast(status_detail(job))
        if job.status == "failed":
            return Reply({"status": "FAILED", "message": status_detail(job)}, 422)
        return Reply({"status": job.status.upper(), "message": status_detail(job)}, 202,
                     retry_after(job.asset_id, job.kind))
    source_id = ((job.meta or {}).get("data_source_info") or {}).get("id")
    found = _stored_forecast(sensor, job, source_id)
    if found is None:
        raise unknown_forecast("A forecasting job has been processed with your job ID, but the forecast was not "
                               "found in the database.")
    start, duration, values = found
    return Reply(forecast_result(start, format_hours_duration(duration), values, sensor.unit))


def unknown_forecast(message: str) -> ApiError:
    return ApiError(400, {"result": "Rejected", "status": "UNKNOWN_FORECAST", "message": message})


def _stored_forecast(sensor: Any, job: Any, source_id: int | None) -> tuple[datetime, timedelta, list] | None:
    """The most recent forecast per event of the job's source over the job's window, first to last event."""
    import numpy as np

    if source_id is None:
        return None
    plan = ForecastPlan.from_json(job.request["plan"])
    values = beliefs.read_values(sensor, plan.start, plan.end, plan.resolution, source_id=int(source_id))
    known = np.flatnonzero(~np.isnan(values))
    if known.size == 0:
        return None
    first, last = int(known[0]), int(known[-1])
    shown = [None if np.isnan(v) else round(float(v), 6) + 0.0 for v in values[first:last + 1]]
    start = plan.start + first * plan.resolution
    return start.astimezone(timezone.utc), (last - first + 1) * plan.resolution, shown


def _rejected(message: str) -> ApiError:
    return ApiError(422, {"result": "Rejected", "status": "UNPROCESSABLE_ENTITY", "message": message})


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None
