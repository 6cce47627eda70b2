"""The forecaster's job: its stored trigger -> history and regressors -> forecasts as beliefs -> the finished meta.

Each viewpoint trains on the sensor's history before it and forecasts the plan's horizon; the forecasts are stored
as beliefs of the forecaster's source, formed at the viewpoint (or at the trigger's `prior`), so charts, status and
the scheduler's belief selection read them like any forecast. A viewpoint still in the future believes now, when the
forecast is really made (FlexMeasures would stamp it with the future viewpoint, hiding it from schedules made now).
"""
from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from typing import Any

from chalicelib.forecasting.plan import ForecastPlan
from chalicelib.schemas.forecasts import MODEL
from chalicelib.store import beliefs, sensors, sources
from chalicelib.store.models import Job
from chalicelib.workers import automations, runner

SOURCE_VERSION = "1"  # bump when the model changes what it predicts: its forecasts then get a new source
ABANDONED = ("WorkerError: The forecasting job failed repeatedly (its worker crashed or timed out) and was "
             "abandoned.")


def handle_message(body: str, receipt_handle: str | None = None) -> None:
    """One message of the forecast queue (the forecaster Lambda's handler), held while it runs."""
    if automations.handled(body):
        return
    runner.handle_message(body, forecast_job, receipt_handle)


def handle_dead_letter(body: str) -> None:
    """One message of the forecast queue's dead-letter queue."""
    runner.handle_dead_letter(body, ABANDONED)


def forecast_job(job: Job) -> dict[str, Any]:
    from chalicelib.forecasting.errors import ForecastError

    request = job.request or {}
    target = sensors.find(int(request["sensor_id"]))
    if target is None:
        raise runner.JobFailed(f"ValueError: Sensor {request['sensor_id']} no longer exists.")
    regressors = sensors.get_many(request["future_regressors"] + request["past_regressors"])
    missing = sorted(set(request["future_regressors"] + request["past_regressors"]) - set(regressors))
    if missing:
        raise runner.JobFailed(f"ValueError: Regressor sensor(s) {missing} no longer exist.")
    plan = ForecastPlan.from_json(request["plan"])
    now = datetime.now(timezone.utc)
    source = sources.forecaster_source(model=MODEL, version=SOURCE_VERSION)
    began = time.perf_counter()
    stored = 0
    for viewpoint in plan.viewpoints():
        try:
            forecast = _forecast_from(viewpoint, plan, target, regressors, request)
        except ForecastError as exc:
            raise runner.JobFailed(exc.reason) from None
        beliefs.write_beliefs(target, source, [t.to_pydatetime() for t in forecast.index], forecast.tolist(),
                              belief_time=plan.belief_time or min(viewpoint, now))
        stored += len(forecast)
    return {"data_source_info": {"name": source.name, "model": source.model, "version": source.version,
                                 "id": int(source.id)},
            "viewpoints": len(plan.viewpoints()), "forecasts": stored,
            "timings": {"total": round(time.perf_counter() - began, 3)}}


def _forecast_from(viewpoint: datetime, plan: Any, target: Any, regressors: dict[int, Any], request: dict) -> Any:
    """One viewpoint's forecast (a pandas Series by event start), trained on what was known before it."""
    from chalicelib.forecasting.forecaster import forecast

    steps = min(plan.horizon, plan.end - viewpoint) // plan.resolution
    prior = datetime.fromisoformat(request["prior"]) if request.get("prior") else None
    train_from = _training_start(viewpoint, request)
    ahead = viewpoint + steps * plan.resolution

    def series(sensor: Any, until: datetime) -> Any:
        return beliefs.read_series(sensor, train_from, until, plan.resolution, prior=prior)

    return forecast(
        series(target, viewpoint), start=viewpoint, horizon_steps=steps, resolution=plan.resolution,
        future_regressors={str(i): series(regressors[i], ahead) for i in request["future_regressors"]},
        past_regressors={str(i): series(regressors[i], viewpoint) for i in request["past_regressors"]},
        timezone=target.timezone or "UTC", lower=request.get("lower"), upper=request.get("upper"),
        max_missing_fraction=request.get("missing_threshold", 1.0))


def _training_start(viewpoint: datetime, request: dict) -> datetime:
    """train-start when given, else train-period before the viewpoint; never more than max-training-period."""
    longest = viewpoint - timedelta(seconds=request["max_training_period_s"])
    if request.get("train_start"):
        return max(datetime.fromisoformat(request["train_start"]), longest)
    return max(viewpoint - timedelta(seconds=request["train_period_s"]), longest)
