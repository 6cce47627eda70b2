"""Scheduling triggers, schedule results and job status: the work behind the schedule routes (§7.3, §6, §11).

The scheduling core (pydantic request models, checks, choice of scheduler) loads numpy, so it is imported inside
the functions that need it: the API's cold start must not pay for it.
"""
from __future__ import annotations

import hashlib
import json
import time
from datetime import timedelta, timezone
from typing import Any, Iterator

from pydantic import ValidationError

from chalicelib import settings
from chalicelib.auth import permissions
from chalicelib.auth.access import owner_of_account, require_sensor
from chalicelib.errors import ApiError, field_error, unprocessable
from chalicelib.scheduling.flex_context import merge_flex_contexts
from chalicelib.schemas.durations import format_hours_duration
from chalicelib.schemas.results import Reply, accepted, processed
from chalicelib.schemas.validation import nest_errors
from chalicelib.services import flex_config
from chalicelib.services.job_responses import legacy_job_responses, retry_after
from chalicelib.store import asset_types, assets, jobs, queue, schedule_results, sensors
from chalicelib.store.solver_data import sensor_info
from chalicelib.timeseries import units

FLEX_KEYS = ("flex-model", "flex-context")
# [CURRENT] spelling; flexmeasures-client sends it to both triggers when given a prior.
FORCE_KEY = "force-new-job-creation"
DEFAULT_RESULT_DURATION = timedelta(hours=6)
NO_SCHEDULE = "No known schedule for this time period."
# A job item (body included) must stay under DynamoDB's 400 KB item limit.
MAX_STORED_BODY_BYTES = 300_000


def flex_error(errors: Any) -> ApiError:
    """FlexMeasures' invalid_flex_config body: a field->messages dict, or a plain string."""
    return ApiError(422, {"result": "Rejected", "status": "UNPROCESSABLE_ENTITY", "message": {"json": errors}})


def unknown_schedule(detail: str) -> ApiError:
    return ApiError(400, {"result": "Rejected", "status": "UNKNOWN_SCHEDULE", "message": f"{NO_SCHEDULE} {detail}"})


def unrecognized_job(job_id: str) -> ApiError:
    return ApiError(400, {"result": "Rejected", "status": "UNRECOGNIZED_UDI_EVENT",
                          "message": f"The requested UDI event (id = {job_id}, type = job) is not known."})


# ---- triggers -----------------------------------------------------------------------------------

JOBS_PATH = "/api/v3_0/jobs"


def trigger_reply(job_id: str, asset: Any, results_url: str | None = None) -> Reply:
    """The seed's 200 PROCESSED, or FlexMeasures 1.0.1's 202 ACCEPTED with the legacy `schedule` key (the job is
    pending, so a Retry-After comes with it)."""
    if legacy_job_responses(asset):
        return Reply(processed(schedule=job_id))
    return Reply(accepted(job_id, f"{JOBS_PATH}/{job_id}", results_url, legacy_key="schedule"), 202,
                 retry_after(asset.id if asset is not None else None, "scheduling"))


def sensor_trigger_args(raw: Any) -> tuple[dict, bool]:
    """The sensor trigger's body and its force flag, with the plain argument errors (webargs' 422) first."""
    from chalicelib.scheduling.request import TriggerArgs

    raw, force = _take_force(raw, "json", allow_seed_key=True)
    _validate_trigger(TriggerArgs, raw, "json")
    return raw, force


def trigger_for_sensor(user: Any, sensor: Any, raw: dict, force: bool) -> Reply:
    """POST /sensors/<id>/schedules/trigger -> the job (new, or cached for an identical trigger), in the reply
    style of the sensor's asset."""
    asset = assets.find(sensor.generic_asset_id)
    scheduler = _scheduler_for(asset)
    stored_model = asset.flex_model if asset is not None else None
    if stored_model and isinstance(raw.get("flex-model", {}), dict):
        # The sensor's asset's stored flex-model, under what the trigger sends (FlexMeasures 1.0.1).
        raw["flex-model"] = {**stored_model, **raw.get("flex-model", {})}
    if "flex-model" in raw:
        raw["flex-model"] = scheduler.completed_flex_model(raw["flex-model"], sensor.attributes,
                                                           asset.attributes if asset is not None else None)
    context = _merged_context(raw, asset)
    body = _validate_trigger(scheduler.trigger_body, {**raw, "flex-context": context}, "json")
    _check_resolution(body.resolution, sensor)
    request = scheduler.sensor_request(sensor.id, body)
    _check_request(user, request, {sensor.id: sensor}, scheduler)
    _require_output_writes(user, request, {sensor.id: sensor})
    stored = {**raw, "flex-context": context}
    job_id = _enqueue(user, "sensor", stored, request, force, scheduler, asset_id=sensor.generic_asset_id,
                      sensor_id=sensor.id)
    return trigger_reply(job_id, asset, f"/api/v3_0/sensors/{sensor.id}/schedules/{job_id}")


def asset_trigger_args(raw: Any, query: dict[str, str]) -> tuple[dict, bool]:
    """The asset trigger's query and body merged (webargs' args_and_json) and its force flag, checked."""
    from chalicelib.scheduling.request import AssetTriggerBody

    raw = _args_and_json(raw, query)
    raw, force = _take_force(raw, "args_and_json", allow_seed_key=False)
    if isinstance(raw.get("flex-model"), list):
        raw["flex-model"] = [_entry_with_sensor(entry) for entry in raw["flex-model"]]
    _validate_trigger(AssetTriggerBody, raw, "args_and_json")
    return raw, force


def _entry_with_sensor(entry: Any) -> Any:
    """FlexMeasures 1.0.1 lets a device entry name its asset instead of (or besides) its power sensor; here the
    asset's power sensor schedules it, and the asset's stored flex-model is merged in as for a sensor entry."""
    if not isinstance(entry, dict) or "asset" not in entry:
        return entry
    entry = dict(entry)
    asset_id = entry.pop("asset")
    found = assets.find(asset_id) if isinstance(asset_id, int) and not isinstance(asset_id, bool) else None
    if found is None:
        raise flex_error({"flex-model": [f"No asset found with ID {asset_id}."]})
    if "sensor" in entry:
        if _asset_of_sensor(entry["sensor"]) != found.id:
            raise flex_error({"flex-model": ["Sensor does not belong to asset."]})
        return entry
    sensor_id = _power_sensor_of(found.id)
    if sensor_id is None:
        raise flex_error({"flex-model": [f"Asset {found.id} has no power sensor to schedule."]})
    return {"sensor": sensor_id, **entry}


def trigger_for_asset(user: Any, asset: Any, raw: dict, force: bool) -> Reply:
    """POST /assets/<id>/schedules/trigger: several devices, joint or sequential, in one job (always the
    StorageScheduler: a process flex-model describes one device)."""
    from chalicelib.scheduling import choice
    from chalicelib.scheduling.request import AssetTriggerBody, ScheduleRequest

    context = _merged_context(raw, asset)
    if isinstance(raw.get("flex-model", []), list):
        raw["flex-model"] = flex_config.merged_asset_flex_model(asset, raw.get("flex-model", []), _asset_of_sensor,
                                                                _power_sensor_of)
    if not raw["flex-model"]:
        raise flex_error({"flex-model": ["No flex-model was given, and none is stored on the asset or its "
                                         "offspring."]})
    body = _validate_trigger(AssetTriggerBody, {**raw, "flex-context": context}, "args_and_json")
    devices = _device_sensors(asset, [entry.sensor for entry in body.flex_model])
    request = ScheduleRequest.from_asset_trigger(body)
    _check_request(user, request, devices, choice.STORAGE)
    _require_output_writes(user, request, devices)
    stored = {**raw, "flex-context": context}
    job_id = _enqueue(user, "asset", stored, request, force, choice.STORAGE, asset_id=asset.id, sensor_id=None)
    # FlexMeasures' asset trigger names no results-url (one job, several sensors).
    return trigger_reply(job_id, asset)


def _check_resolution(resolution: timedelta | None, sensor: Any) -> None:
    """FlexMeasures: a sensor trigger's resolution must be a whole multiple of the sensor's."""
    own = timedelta(minutes=int(sensor.event_resolution_minutes or 0))
    if resolution is not None and own > timedelta(0) and resolution % own != timedelta(0):
        raise unprocessable("json", {"resolution": [
            f"Resolution of {resolution} is incompatible with the sensor's required resolution of {own}."]})


def _asset_of_sensor(sensor_id: int) -> int | None:
    sensor = sensors.find(sensor_id) if isinstance(sensor_id, int) else None
    return int(sensor.generic_asset_id) if sensor is not None else None


def _power_sensor_of(asset_id: int) -> int | None:
    """The sensor a stored flex-model's schedule goes to: the asset's (first) sensor with a power unit."""
    power = [s for s in sensors.list_for_asset(asset_id) if units.is_power_unit(s.unit)]
    return min(int(s.id) for s in power) if power else None


def _scheduler_for(asset: Any) -> Any:
    """The scheduler the asset's type calls for (§9)."""
    from chalicelib.scheduling import choice

    asset_type = asset_types.get(asset.generic_asset_type_id) if asset is not None else None
    return choice.for_asset_type(asset_type.name if asset_type is not None else None)


def _args_and_json(raw: Any, query: dict[str, str]) -> Any:
    """webargs' args_and_json location: query and body merged; a key in both is refused."""
    if raw is not None and not isinstance(raw, dict):
        raise unprocessable("args_and_json", {"_schema": ["Invalid input type."]})
    raw = dict(raw or {})
    twice = sorted(set(raw) & set(query))
    if twice:
        raise ApiError(422, {"result": "Rejected", "status": "UNPROCESSABLE_ENTITY",
                             "message": f"Key(s) given both in the query and in the JSON body: {', '.join(twice)}."})
    return {**query, **raw}


def _take_force(raw: Any, location: str, allow_seed_key: bool) -> tuple[dict, bool]:
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise unprocessable(location, {"_schema": ["Invalid input type."]})
    raw = dict(raw)
    if not allow_seed_key and "force_new_job_creation" in raw:
        raise unprocessable(location, {"force_new_job_creation": ["Unknown field."]})
    force = raw.pop(FORCE_KEY, False)
    if allow_seed_key:
        force = raw.pop("force_new_job_creation", False) or force
    if not isinstance(force, bool):
        raise unprocessable(location, {FORCE_KEY: ["Not a valid boolean."]})
    return raw, force


def _validate_trigger(model: Any, raw: dict, location: str) -> Any:
    """Plain argument errors first (webargs' 422), then flex-model/flex-context errors (invalid_flex_config)."""
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        errors = nest_errors(exc.errors(include_url=False))
    plain = {key: value for key, value in errors.items() if key not in FLEX_KEYS and key != "_schema"}
    if plain:
        raise unprocessable(location, plain) from None
    raise flex_error(errors) from None


# A nearer level that sets either key of a pair overrides both keys further up (the same price, two spellings).
PRICE_SPELLINGS = {"consumption-price": "consumption-price-sensor", "production-price": "production-price-sensor"}
PRICE_SPELLINGS.update({old: new for new, old in list(PRICE_SPELLINGS.items())})


def _merged_context(raw: dict, asset: Any) -> dict:
    """The request's flex-context over the asset's stored one, over its ancestors' (nearest wins)."""

    request_context = raw.get("flex-context")
    levels = [request_context if isinstance(request_context, dict) else {}]
    levels += [dict(a.flex_context or {}) for a in _asset_chain(asset)]
    seen: set[str] = set()
    for level in levels:
        for key in [k for k in level if PRICE_SPELLINGS.get(k) in seen and k not in seen]:
            del level[key]
        seen |= set(level)
    return merge_flex_contexts(*levels)


def _asset_chain(asset: Any) -> Iterator[Any]:
    seen = set()
    while asset is not None and asset.id not in seen:
        seen.add(asset.id)
        yield asset
        asset = assets.find(asset.parent_asset_id) if asset.parent_asset_id is not None else None


def _device_sensors(asset: Any, sensor_ids: list[int]) -> dict[int, Any]:
    """Each flex-model sensor must exist and sit on the asset or one of its offspring."""
    found = sensors.get_many(sensor_ids)
    family = {asset.id, *assets.offspring_ids(asset.id)}
    for sensor_id in sensor_ids:
        if sensor_id not in found:
            raise flex_error({"flex-model": [f"No sensor found with ID {sensor_id}."]})
        if found[sensor_id].generic_asset_id not in family:
            raise flex_error({"flex-model": [f"Sensor {sensor_id} does not belong to asset {asset.id} "
                                             "(or to one of its offspring)"]})
    return found


def _check_request(user: Any, request: Any, devices: dict[int, Any], scheduler: Any) -> None:
    """The scheduler's synchronous checks; sensors the user may not read count as unknown."""
    errors = scheduler.trigger_errors(request, _readable_lookup(user, devices),
                                      default_duration=settings.planning_horizon(),
                                      max_steps=settings.max_planning_steps())
    if errors:
        raise flex_error(errors)


def _require_output_writes(user: Any, request: Any, known: dict[int, Any]) -> None:
    """The job writes each device's schedule and its state-of-charge series: every such sensor needs the permission
    a direct post of that data needs (create-children), or the trigger is a 403 (after the flex-config checks,
    which answer for sensors the user may not even read)."""
    models = [device.model for device in getattr(request, "devices", ())]
    soc_ids = [soc.sensor for soc in (getattr(m, "state_of_charge", None) for m in models) if soc is not None]
    for sensor_id in [*request.sensor_ids, *soc_ids]:
        sensor = known.get(sensor_id) or sensors.find(sensor_id)
        if sensor is not None:
            require_sensor(user, permissions.CREATE_CHILDREN, sensor)


def _readable_lookup(user: Any, known: dict[int, Any]):
    """A core `lookup` over stored sensors: None for unknown sensors and those `user` may not read."""

    found = dict(known)
    owners: dict[int | None, Any] = {}  # the checks look sensors up repeatedly, mostly of one account

    def lookup(sensor_id: int):
        if sensor_id not in found:
            found[sensor_id] = sensors.find(sensor_id)
        sensor = found[sensor_id]
        if sensor is None:
            return None
        if sensor.account_id not in owners:
            owners[sensor.account_id] = owner_of_account(sensor.account_id)
        if not permissions.sensor_permits(user, permissions.READ, owners[sensor.account_id]):
            return None
        return sensor_info(sensor)

    return lookup


def _enqueue(user: Any, trigger: str, stored: dict, request: Any, force: bool, scheduler: Any, *, asset_id: int,
             sensor_id: int | None) -> str:
    if len(json.dumps(stored)) > MAX_STORED_BODY_BYTES:
        raise ApiError(413, {"result": "Rejected", "status": "PAYLOAD_TOO_LARGE", "message": (
            "The trigger body is too large to keep with its job (over 300 kB). Refer to sensors for long time "
            "series (e.g. {\"sensor\": <id>} for prices) instead of listing them inline.")})
    fingerprint = _fingerprint(trigger, sensor_id or asset_id, stored, request, settings.planning_horizon(),
                               scheduler.name)
    if not force:
        cached = jobs.cached_job(fingerprint)
        if cached is not None:
            return cached.id
    job = jobs.create(asset_id=asset_id, sensor_id=sensor_id, sensor_ids=request.sensor_ids,
                      request={"trigger": trigger, "body": stored, "user_id": int(user.id),
                               "scheduler": scheduler.name},
                      meta=scheduler.info)
    # The cache entry is written only if no identical trigger holds it (a conditional write): of concurrent
    # identical triggers, one queues its job; the others drop theirs and answer with that one.
    holder = jobs.remember(fingerprint, job.id, replace=force)
    if holder != job.id:
        jobs.discard(job)
        return holder
    try:
        queue.send_job(job.id)
    except Exception:
        jobs.fail(job, "QueueError: The scheduling job could not be queued.")
        jobs.forget(fingerprint, job.id)
        raise
    return job.id


def _fingerprint(trigger: str, target: int, stored: dict, request: Any, horizon: timedelta, scheduler: str) -> str:
    """Same scheduler, target, window, prior, flex-model and flex-context -> the same key (FlexMeasures' job
    cache)."""
    start = request.start.astimezone(timezone.utc)
    key = {"trigger": trigger, "scheduler": scheduler, "target": target, "start": start.isoformat(),
           "duration": (request.duration or horizon).total_seconds(),
           "prior": request.prior.astimezone(timezone.utc).isoformat() if request.prior else None,
           "flex-model": stored.get("flex-model"), "flex-context": stored.get("flex-context"),
           "sequential": bool(stored.get("sequential", False)),
           "resolution": request.resolution.total_seconds() if request.resolution else None}
    return hashlib.sha256(json.dumps(key, sort_keys=True, default=str).encode()).hexdigest()


# ---- results --------------------------------------------------------------------------------------

def status_detail(job: Any, current: bool = False) -> str:
    """FlexMeasures' text for a job's state, named after its queue (without the "<scheduler> was used." suffix);
    `current`: FlexMeasures 1.0's wording for a failure (the reason's own final period dropped), as GET /jobs/<uuid>
    has it."""
    noun = f"{(job.kind or 'scheduling').capitalize()} job"
    if job.status == "failed" and current:
        if not job.error:
            return f"{noun} failed, but no exception information was stored."
        return f"{noun} failed with {job.error.rstrip('.')}."
    if job.status == "failed":
        return f"{noun} failed with {job.error or 'ValueError: The job does not state why it failed'}."
    return {"started": f"{noun} in progress.", "queued": f"{noun} waiting to be processed.",
            "deferred": f"{noun} waiting for another job to be processed.",
            "finished": f"{noun} has finished."}.get(job.status, f"{noun} has an unknown status.")


PENDING = ("queued", "started", "deferred")


def schedule_result(sensor: Any, job_id: str, duration: timedelta | None, unit: str | None,
                    sign_convention: str = "consumption-positive") -> Reply:
    """GET /sensors/<id>/schedules/<uuid>: every state of §10.4, or the schedule in the sign convention asked
    for. A pending job: 400 (seed) or 202 with the job's status and a Retry-After (FlexMeasures 1.0.1)."""
    horizon = min(duration or DEFAULT_RESULT_DURATION, settings.planning_horizon())
    job = jobs.find(job_id)
    if job is None or not _of_sensor_account(job, sensor):
        # Another sensor's job (another account's, maybe) is as unknown here as a missing one: its state and
        # failure text are not this sensor's to show.
        raise unrecognized_job(job_id)
    scheduler_info = (job.meta or {}).get("scheduler_info") or {"scheduler": ""}
    used = f"{scheduler_info.get('scheduler', '')} was used."
    if job.status != "finished":
        current = not legacy_job_responses(assets.find(sensor.generic_asset_id))
        if job.status in PENDING and current:
            return Reply({"status": job.status.upper(), "message": f"{status_detail(job)} {used}"}, 202,
                         retry_after(job.asset_id, job.kind))
        raise unknown_schedule(f"{status_detail(job, current)} {used}")
    stored = schedule_results.find(job_id, sensor.id)
    if stored is None or not stored.values:
        raise unknown_schedule("A scheduling job has been processed with your job ID, but  the schedule was not "
                               f"found in the database. {used}")
    values, shown = _trimmed(stored, horizon)
    values = _signed(values, stored, sensor, sign_convention)
    values, shown_unit = _in_unit(values, stored, unit)
    start = stored.start.astimezone(timezone.utc).isoformat()
    return Reply({"scheduler_info": scheduler_info, "values": values, "start": start,
                  "duration": format_hours_duration(shown), "unit": shown_unit,
                  "costs": (job.meta or {}).get("costs"), "status": "PROCESSED",
                  "message": f"Request has been processed. {used}"})


def _signed(values: list[float], stored: Any, sensor: Any, sign_convention: str) -> list[float]:
    """Stored results are consumption positive. FlexMeasures flips schedules of power sensors only:
    production-positive negates them, wysiwyg shows them as the database holds them (the sign the sensor stores,
    §10.3)."""
    if stored.kind != "power" or sign_convention == "consumption-positive" or not units.is_power_unit(sensor.unit):
        return values  # FlexMeasures flips only sensors that measure power
    from chalicelib.scheduling.outputs import stored_sign

    sign = -1 if sign_convention == "production-positive" else stored_sign(sensor_info(sensor))
    return [sign * v + 0.0 for v in values]


def _of_sensor_account(job: Any, sensor: Any) -> bool:
    """Whether the job schedules an asset of the sensor's account (a public one for a public sensor)."""
    asset = assets.find(job.asset_id) if job.asset_id is not None else None
    return asset is not None and asset.account_id == sensor.account_id


def _trimmed(stored: Any, horizon: timedelta) -> tuple[list[float], timedelta]:
    """Events ending within [start, start + horizon]; an instantaneous schedule includes its end point."""
    if stored.instantaneous:
        count = min(len(stored.values), int(horizon / stored.step) + 1)
        return stored.values[:count], stored.step * (count - 1)
    count = min(len(stored.values), int(horizon / stored.step))
    return stored.values[:count], stored.step * count


def _in_unit(values: list[float], stored: Any, unit: str | None) -> tuple[list[float], str]:
    if not unit or unit == stored.unit:
        return values, stored.unit
    import numpy as np

    try:
        step = None if stored.instantaneous else stored.step
        converted = units.convert(np.asarray(values, dtype=float), stored.unit, unit, step)
    except units.UnitError:
        raise field_error("query", "unit", f"Cannot convert {stored.unit} to {unit}.") from None
    return [round(float(v), 6) + 0.0 for v in converted], unit


# ---- jobs -----------------------------------------------------------------------------------------

def asset_jobs(asset: Any) -> dict:
    """GET /assets/<id>/jobs: the asset's scheduling jobs and its direct sensors' (durable, from DynamoDB)."""
    found = jobs.list_for_asset(asset.id)
    names = sensors.get_many(job.sensor_id for job in found if job.sensor_id is not None)
    return {"jobs": [_job_item(job, asset, names) for job in found], "redis_connection_err": None}


def _job_item(job: Any, asset: Any, sensor_items: dict[int, Any]) -> dict:
    sensor = sensor_items.get(job.sensor_id) if job.sensor_id is not None else None
    if job.sensor_id is not None:
        entity = f"sensor: {sensor.name if sensor else ''} (Id: {job.sensor_id})"
    else:
        entity = f"asset: {asset.name} (Id: {asset.id})"
    metadata = json.dumps({**(job.meta or {}), "job_id": job.id}, indent=4, default=str)
    kind = job.kind or "scheduling"
    return {"job_id": job.id, "metadata": metadata, "queue": kind,
            "asset_or_sensor_type": "sensor" if job.sensor_id is not None else "asset", "entity": entity,
            "status": job.status, "err": f"{kind.capitalize()} job failed with {job.error}" if job.status == "failed" else None,
            "enqueued_at": job.enqueued_at.isoformat() if job.enqueued_at else None,
            "metadata_hash": hashlib.sha256(metadata.encode()).hexdigest()}


WORKER_FUNCTIONS = {"scheduling": "flexcloud.workers.scheduling.solve_job",
                    "forecasting": "flexcloud.workers.forecasting.forecast_job"}
# FlexMeasures' status codes for GET /jobs/<uuid> ([CURRENT]): done, failed, anything else is pending.
JOB_STATUS_CODES = {"finished": 200, "failed": 422}


# How often a held GET /jobs/<uuid> reads the job again (one GetItem each time).
JOB_STATUS_POLL_SECONDS = 0.05


def job_status(job: Any) -> Reply:
    """GET /jobs/<uuid> as FlexMeasures 1.0.1 reports it (flexmeasures-client's wait_for_job), in both styles:
    hyphenated fields and their underscore twins; a pending job (202) comes with a Retry-After. A pending job may
    first be waited for, up to settings.job_status_wait_seconds (long polling; 0 by default)."""
    job = _waited_for(job, settings.job_status_wait_seconds())
    body = {
        "status": job.status.upper(), "message": status_detail(job, current=True),
        "result": (job.meta or {}).get("result"),
        "origin": job.kind or "scheduling",
        "func-name": WORKER_FUNCTIONS.get(job.kind, WORKER_FUNCTIONS["scheduling"]),
        "enqueued-at": _iso(job.enqueued_at), "started-at": _iso(job.started_at), "ended-at": _iso(job.ended_at),
        "exc-info": job.error if job.status == "failed" else None,
        **({"automation": int((job.meta or {})["automation_id"])} if (job.meta or {}).get("automation_id") else {}),
    }
    body.update({key.replace("-", "_"): body[key] for key in UNDERSCORE_TWINS})
    code = JOB_STATUS_CODES.get(job.status, 202)
    return Reply(body, code, retry_after(job.asset_id, job.kind) if code == 202 else None)


UNDERSCORE_TWINS = ("func-name", "enqueued-at", "started-at", "ended-at", "exc-info")


def _waited_for(job: Any, seconds: float) -> Any:
    deadline = time.monotonic() + seconds
    while job.status in PENDING and time.monotonic() < deadline:
        time.sleep(JOB_STATUS_POLL_SECONDS)
        job = jobs.find(job.id) or job
    return job


def _iso(moment: Any) -> str | None:
    return moment.isoformat() if moment is not None else None
