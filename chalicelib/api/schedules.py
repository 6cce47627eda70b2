"""Schedule endpoints: sensor and asset triggers, schedule results, asset jobs, job status (§7.3, §6, §11)."""
from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from chalicelib.api.responses import render_reply
from chalicelib.api.routing import ApiRequest
from chalicelib.auth.access import require_asset, require_sensor
from chalicelib.auth.permissions import CREATE_CHILDREN, READ
from chalicelib.schemas.common import Duration, QueryArgs
from chalicelib.schemas.validation import validate
from chalicelib.services import schedules as service
from chalicelib.services.loaders import asset_or_422, job_with_asset_or_404, sensor_or_422


class ScheduleArgs(QueryArgs):
    duration: Duration | None = None
    unit: str | None = None
    sign_convention: Literal["consumption-positive", "production-positive", "wysiwyg"] = Field(
        "consumption-positive", alias="sign-convention")


def trigger_sensor_schedule(req: ApiRequest, id: int) -> Any:
    # FlexMeasures validates the trigger's arguments before it looks the sensor up.
    raw, force = service.sensor_trigger_args(req.json())
    sensor = sensor_or_422(id)
    require_sensor(req.user, CREATE_CHILDREN, sensor)
    return render_reply(service.trigger_for_sensor(req.user, sensor, raw, force), wrap=False)


def trigger_asset_schedule(req: ApiRequest, id: int) -> Any:
    # FlexMeasures validates the trigger's arguments before it looks the asset up.
    raw, force = service.asset_trigger_args(req.json(), req.query)
    asset = asset_or_422(id)
    require_asset(req.user, CREATE_CHILDREN, asset)
    return render_reply(service.trigger_for_asset(req.user, asset, raw, force), wrap=False)


def get_schedule(req: ApiRequest, id: int, uuid: str) -> Any:
    # `duration` may come in the query or, as FlexMeasures also allows, in a JSON body.
    body = req.json() if req.body_bytes.strip() else None
    raw = {**(body if isinstance(body, dict) else {}), **req.query}
    args = validate(ScheduleArgs, raw, location="query")
    sensor = sensor_or_422(id)
    require_sensor(req.user, READ, sensor)
    return render_reply(service.schedule_result(sensor, uuid, args.duration, args.unit, args.sign_convention))


def get_asset_jobs(req: ApiRequest, id: int) -> Any:
    asset = asset_or_422(id)
    require_asset(req.user, READ, asset)
    return service.asset_jobs(asset)


def get_job_status(req: ApiRequest, uuid: str) -> Any:
    job, asset = job_with_asset_or_404(uuid)
    require_asset(req.user, READ, asset)
    return render_reply(service.job_status(job))
