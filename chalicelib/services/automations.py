"""Automations (FlexMeasures' recurring schedules and forecasts per asset) on EventBridge Scheduler.

An automation stores a trigger's parameters; its schedule sends `{"automation_id", "scheduled_at"}` to the job queue
of its type, and the worker hands that message to `run`, which creates the job exactly as the API's trigger does,
with the creator's permissions. Rules, as FlexMeasures documents them: a backlog of missed occurrences is caught up
once (only the latest runs), a redelivered occurrence runs once (the cursor), and a run never overlaps the previous
run's job while that is still queued or running.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone
from typing import Any, Iterator

from chalicelib import settings
from chalicelib.auth import permissions
from chalicelib.auth.access import owner_of_account
from chalicelib.errors import ApiError, field_error, forbidden, not_found, unprocessable
from chalicelib.schemas.automations import (FORECASTER, AutomationCreation, AutomationUpdate, automation_json,
                                            occurrences_between)
from chalicelib.schemas.durations import DurationError, parse_duration
from chalicelib.schemas.forecasts import ForecastConfig, ForecastTrigger
from chalicelib.schemas.validation import validate
from chalicelib.services import forecasts, schedules
from chalicelib.store import assets, audit, automations, eventbridge, jobs, queue, sensors, users
from chalicelib.store.eventbridge import UnsupportedCron

log = logging.getLogger("flexcloud.automations")
PENDING = ("queued", "started", "deferred")


def queue_of(automation_type: str) -> str:
    return settings.forecast_queue_name() if automation_type == "forecasting" else settings.schedule_queue_name()


# ---- the API ---------------------------------------------------------------------------------------

def listing(asset: Any) -> dict:
    now = datetime.now(timezone.utc)
    return {"automations": [automation_json(a, now) for a in automations.list_for_asset(asset.id)]}


def automation_of(asset: Any, automation_id: int) -> Any:
    """The automation, if it belongs to `asset`; the contract's 404 otherwise."""
    automation = automations.find(automation_id)
    if automation is None or int(automation.asset_id) != int(asset.id):
        raise not_found()
    return automation


def details(automation: Any) -> dict:
    now = datetime.now(timezone.utc)
    inputs, outputs = sensors_of(automation.type, automation.parameters, automation.config)
    named = sensors.get_many(set(inputs) | set(outputs))
    latest = jobs.find(automation.last_job_id) if automation.last_job_id else None
    shown = {"config": automation.config} if automation.type == "forecasting" else {}
    return {**automation_json(automation, now), "parameters": automation.parameters, **shown,
            "input-sensors": [_sensor_ref(i, named) for i in inputs],
            "output-sensors": [_sensor_ref(i, named) for i in outputs],
            "latest-job": None if latest is None else {
                "job": latest.id, "status": latest.status.upper(),
                "enqueued-at": latest.enqueued_at.isoformat() if latest.enqueued_at else None}}


def _sensor_ref(sensor_id: int, named: dict[int, Any]) -> dict:
    sensor = named.get(sensor_id)
    return {"id": sensor_id, "name": sensor.name if sensor else None}


def create(user: Any, asset: Any, body: AutomationCreation) -> dict:
    if body.type == "scheduling":
        # A schedule automation takes its scheduler and flex config from the asset: refuse what nothing would read.
        for field, given in (("data-generator", body.data_generator), ("config", body.config)):
            if given:
                raise field_error("json", field, "A scheduling automation takes no data generator or config.")
    _check_parameters(user, asset, body.type, body.parameters, body.config)
    _eventbridge_cron_or_422(body.cron)
    zone = body.timezone or _asset_timezone(asset)
    automation = automations.create(asset_id=asset.id, type=body.type, name=body.name, cronstr=body.cron,
                                    timezone_name=zone, active=body.active, parameters=body.parameters,
                                    config=body.config, created_by=int(user.id))
    try:
        _put_schedule(automation, exists=False)
    except Exception:
        automations.delete(automation)  # no automation without its schedule
        raise
    audit.record_asset_event(f"Created {automation.type} automation '{automation.name}': {automation.id}", asset.id,
                             user)
    return details(automation)


def update(user: Any, asset: Any, automation: Any, body: AutomationUpdate) -> dict:
    changes = {key: value for key, value in {"name": body.name, "cronstr": body.cron, "timezone": body.timezone,
                                             "active": body.active}.items() if value is not None}
    if "cronstr" in changes:
        _eventbridge_cron_or_422(changes["cronstr"])
    automations.update(automation, changes)
    automation.refresh()
    _put_schedule(automation, exists=True)
    if changes:
        shown = ", ".join(f"{key.replace('cronstr', 'cron')}: {value}" for key, value in sorted(changes.items()))
        audit.record_asset_event(f"Updated automation '{automation.name}': {automation.id}; {shown}", asset.id, user)
    return details(automation)


def delete(user: Any, asset: Any, automation: Any) -> None:
    eventbridge.delete_schedule(automation.id)
    automations.delete(automation)
    audit.record_asset_event(f"Deleted automation '{automation.name}': {automation.id}", asset.id, user)


def _put_schedule(automation: Any, *, exists: bool) -> None:
    try:
        eventbridge.put_schedule(automation, eventbridge.queue_arn(queue_of(automation.type)), exists=exists)
    except UnsupportedCron as exc:
        raise field_error("json", "cron", str(exc)) from None


def _eventbridge_cron_or_422(cronstr: str) -> None:
    try:
        eventbridge.eventbridge_expression(cronstr)
    except UnsupportedCron as exc:
        raise field_error("json", "cron", str(exc)) from None


def _asset_timezone(asset: Any) -> str:
    """FlexMeasures' default: the asset's timezone attribute, else one of its sensors', else the server's."""
    zone = (asset.attributes or {}).get("timezone")
    if isinstance(zone, str) and zone:
        return zone
    found = sensors.list_for_asset(asset.id)
    return found[0].timezone if found and found[0].timezone else "UTC"


# ---- parameters and the sensors they name ------------------------------------------------------------

def _check_parameters(user: Any, asset: Any, automation_type: str, parameters: dict, config: dict) -> None:
    """Valid for the type, and the creator may read every sensor it reads and record on every sensor it writes.
    Errors name the part of the request at fault: `parameters` or `config`."""
    if automation_type == "forecasting":
        if not isinstance(parameters.get("sensor"), int) or isinstance(parameters.get("sensor"), bool):
            raise unprocessable("json", {"parameters": {"sensor": ["Missing data for required field."]}})
        if "config" in parameters:
            raise unprocessable("json", {"parameters": {"config": ["Give the forecaster's config as the "
                                                                   "automation's `config`."]}})
        _nested("config", lambda: validate(ForecastConfig, config))
        _nested("parameters", lambda: validate(ForecastTrigger, _forecast_body(parameters)))
    else:
        _nested("parameters", lambda: schedules.asset_trigger_args(_schedule_body(parameters, _now()), {}))
    inputs, outputs = sensors_of(automation_type, parameters, config)
    found = sensors.get_many(set(inputs) | set(outputs))
    family = {asset.id, *assets.offspring_ids(asset.id)}
    for sensor_id in outputs:
        sensor = found.get(sensor_id)
        if sensor is None:
            raise field_error("json", "parameters", f"No sensor found with id {sensor_id}.")
        if not _may(user, permissions.CREATE_CHILDREN, sensor):
            raise _refused(f"You may not record data on sensor {sensor_id}.")
        if sensor.generic_asset_id not in family:
            raise field_error("json", "parameters", f"Sensor {sensor_id} must belong to asset {asset.id} (or to one "
                                                    "of its offspring).")
    for sensor_id in inputs:
        sensor = found.get(sensor_id)
        if sensor is None:
            raise field_error("json", "parameters", f"No sensor found with id {sensor_id}.")
        if not _may(user, permissions.READ, sensor):
            raise _refused(f"You may not read sensor {sensor_id}.")


def _nested(key: str, check) -> Any:
    """Run a body check; its 422 names the fields under `key` (the automation's `parameters`)."""
    try:
        return check()
    except ApiError as exc:
        message = exc.body.get("message") if isinstance(exc.body, dict) else None
        if exc.status_code == 422 and isinstance(message, dict) and len(message) == 1:
            (location, errors), = message.items()
            raise unprocessable("json", {key: errors}) from None
        raise


def _refused(message: str) -> ApiError:
    """FlexMeasures' 403, saying which sensor (by id only: its name is not the requester's to see)."""
    return ApiError(403, {**forbidden().body, "message": message})


def _may(user: Any, action: str, sensor: Any) -> bool:
    return permissions.sensor_permits(user, action, owner_of_account(sensor.account_id))


def sensors_of(automation_type: str, parameters: dict, config: dict) -> tuple[list[int], list[int]]:
    """(read, written) sensor ids: a forecast reads and writes its sensor and reads its regressors; a schedule
    writes its flex-model's sensors (power and state-of-charge) and reads every other sensor it names."""
    if automation_type == "forecasting":
        target = int(parameters["sensor"])
        regressors = [r.get("sensor") if isinstance(r, dict) else r
                      for key in ("regressors", "future-regressors", "past-regressors") for r in config.get(key, [])]
        return _unique([target, *[int(r) for r in regressors if isinstance(r, int)]]), [target]
    flex_model = parameters.get("flex-model") or []
    entries = flex_model if isinstance(flex_model, list) else [flex_model]
    outputs = [int(e["sensor"]) for e in entries if isinstance(e, dict) and isinstance(e.get("sensor"), int)]
    outputs += [int(s) for e in entries if isinstance(e, dict) for s in _refs(e.get("state-of-charge"))]
    inputs = [s for s in _refs(parameters) if s not in outputs]
    return _unique(inputs), _unique(outputs)


def _refs(value: Any) -> Iterator[int]:
    """Every {"sensor": <id>} reference and listed sensor id (inflexible-device-sensors) inside a JSON value."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "sensor" and isinstance(item, int) and not isinstance(item, bool):
                yield item
            elif key.endswith("-sensors") and isinstance(item, list):
                yield from (i for i in item if isinstance(i, int) and not isinstance(i, bool))
            else:
                yield from _refs(item)
    elif isinstance(value, list):
        for item in value:
            yield from _refs(item)


def _unique(ids: list[int]) -> list[int]:
    return list(dict.fromkeys(ids))


def _forecast_body(parameters: dict, start: datetime | None = None, config: dict | None = None) -> dict:
    """The forecast trigger of one run: without a fixed `start`, each run forecasts from its own time."""
    body = {key: value for key, value in parameters.items() if key != "sensor"}
    if start is not None and body.get("start") is None:
        body["start"] = start.isoformat()
    if config:
        body["config"] = config
    return body


def _schedule_body(parameters: dict, start: datetime) -> dict:
    """The trigger message of one run: without a fixed `start`, each run schedules from its own time, floored to
    the message's `resolution` when given and otherwise to the minute."""
    body = dict(parameters)
    if body.get("start") is None:
        step = _resolution(body.get("resolution")) or timedelta(minutes=1)
        epoch = datetime(1970, 1, 1, tzinfo=timezone.utc)
        body["start"] = (start - ((start - epoch) % step)).isoformat()
    return body


def _resolution(text: Any) -> timedelta | None:
    try:
        step = parse_duration(text) if isinstance(text, str) else None
    except DurationError:
        return None
    return step if step and step > timedelta(0) else None


def _now() -> datetime:
    return datetime.now(timezone.utc)


# ---- runs --------------------------------------------------------------------------------------------

def run(automation_id: int, scheduled_at: datetime, now: datetime | None = None) -> str | None:
    """One occurrence of an automation's schedule: the job it created, or None (skipped, with the reason logged)."""
    now = now or _now()
    automation = automations.find(automation_id)
    if automation is None or not automation.active:
        log.info("Automation %s is gone or inactive; occurrence %s dropped", automation_id, scheduled_at)
        return None
    if occurrences_between(automation, scheduled_at, now):
        log.info("Automation %s: occurrence %s superseded by a later one; caught up once", automation_id,
                 scheduled_at)
        return None
    if not automations.claim_run(automation, scheduled_at):
        log.info("Automation %s: occurrence %s already ran", automation_id, scheduled_at)
        return None
    previous = jobs.find(automation.last_job_id) if automation.last_job_id else None
    if previous is not None and previous.status in PENDING:
        log.info("Automation %s: job %s still %s; occurrence %s skipped (runs never overlap)", automation_id,
                 previous.id, previous.status, scheduled_at)
        return None
    try:
        job_id = _start_job(automation, scheduled_at)
    except ApiError as exc:
        # Parameters the trigger no longer accepts (a sensor deleted, permissions withdrawn) leave a failed job
        # that says why, so the asset's job list shows it.
        reason = exc.body.get("message") if isinstance(exc.body, dict) else None
        job = jobs.create(asset_id=automation.asset_id, sensor_ids=[], request={"automation_id": int(automation.id)},
                          kind=automation.type, meta={})
        jobs.fail(job, f"AutomationError: {reason or exc.body}")
        job_id = job.id
    _record(automation, job_id)
    return job_id


def trigger_now(automation: Any) -> tuple[dict, int]:
    """POST .../automations/<id>/trigger: one run now, inactive or not, leaving the recurrence and cursor alone."""
    try:
        job_id = _start_job(automation, _now())
    except ApiError as exc:
        message = exc.body.get("message") if isinstance(exc.body, dict) else str(exc.body)
        raise ApiError(422, {"result": "Rejected", "status": "UNPROCESSABLE_ENTITY", "message": message}) from None
    _record(automation, job_id)
    return {"status": "ACCEPTED", "message": "The automation's run has been queued.", "job": job_id,
            "n-jobs": 1}, 202


def _record(automation: Any, job_id: str) -> None:
    jobs.record_origin(job_id, automation_id=int(automation.id))
    automations.record_job(automation, job_id)


def _start_job(automation: Any, scheduled_at: datetime) -> str:
    """The job, created as the trigger endpoint creates it, on behalf of the automation's creator (an ApiError
    says why it cannot be)."""
    asset = assets.find(automation.asset_id)
    creator = users.find(automation.created_by)
    if asset is None or creator is None or not creator.active:
        raise ApiError(403, {"message": "The automation's asset or creator no longer exists or is inactive."})
    if automation.type == "forecasting":
        sensor = sensors.find(int(automation.parameters["sensor"]))
        if sensor is None:
            raise ApiError(422, {"message": f"Sensor {automation.parameters['sensor']} no longer exists."})
        if not _may(creator, permissions.CREATE_CHILDREN, sensor):
            raise ApiError(403, {"message": f"The creator may no longer record data on sensor {sensor.id}."})
        args = validate(ForecastTrigger, _forecast_body(automation.parameters, _floored(scheduled_at, sensor),
                                                        automation.config))
        return forecasts.trigger(creator, sensor, args)
    if not permissions.asset_permits(creator, permissions.CREATE_CHILDREN, owner_of_account(asset.account_id)):
        raise ApiError(403, {"message": f"The creator may no longer schedule asset {asset.id}."})
    raw, _ = schedules.asset_trigger_args(_schedule_body(automation.parameters, scheduled_at), {})
    # force: each run is a new job. Both job-response styles carry the job id under `schedule`.
    return schedules.trigger_for_asset(creator, asset, raw, True).body["schedule"]


def _floored(moment: datetime, sensor: Any) -> datetime:
    step = timedelta(minutes=int(sensor.event_resolution_minutes or 0)) or timedelta(minutes=1)
    epoch = datetime(1970, 1, 1, tzinfo=timezone.utc)
    return moment - ((moment - epoch) % step)


def fire_due(already_sent: dict[int, datetime], now: datetime | None = None) -> list[tuple[int, datetime]]:
    """The local stack's stand-in for EventBridge Scheduler: send each due automation's latest occurrence to its
    job queue, with the same message a schedule sends, once (`already_sent` remembers what went out). What was
    sent: (automation id, occurrence)."""
    now = now or _now()
    sent = []
    for automation in automations.all_active():
        after = max(filter(None, [automation.cursor, automation.created_at, already_sent.get(int(automation.id))]))
        due = occurrences_between(automation, after, now)
        if due:
            queue.send({"automation_id": int(automation.id), "scheduled_at": due[-1].isoformat()},
                       queue_of(automation.type))
            already_sent[int(automation.id)] = due[-1]
            sent.append((int(automation.id), due[-1]))
    return sent
