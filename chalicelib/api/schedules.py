"""Schedule endpoints: sensor and asset triggers, schedule results, asset jobs, job status (§7.3, §6, §11)."""
from __future__ import annotations

from typing import Any

from chalice import Blueprint

from chalicelib.api import schedule_actions as actions
from chalicelib.api.responses import processed
from chalicelib.api.routing import ApiRequest, endpoint
from chalicelib.schemas.common import Duration, QueryArgs
from chalicelib.schemas.validation import validate

bp = Blueprint(__name__)


class ScheduleArgs(QueryArgs):
    duration: Duration | None = None
    unit: str | None = None


@endpoint(bp, "/v3_0/sensors/{id}/schedules/trigger", "POST", wrap=False,
          description="Trigger scheduling job for one device")
def trigger_sensor_schedule(req: ApiRequest, id: int) -> Any:
    return processed(schedule=actions.trigger_for_sensor(req.user, id, req.json()))


@endpoint(bp, "/v3_0/assets/{id}/schedules/trigger", "POST", wrap=False,
          description="Trigger scheduling job for any number of devices")
def trigger_asset_schedule(req: ApiRequest, id: int) -> Any:
    return processed(schedule=actions.trigger_for_asset(req.user, id, req.json(), req.query))


@endpoint(bp, "/v3_0/sensors/{id}/schedules/{uuid}", "GET", description="Download schedule for one device")
def get_schedule(req: ApiRequest, id: int, uuid: str) -> Any:
    # `duration` may come in the query or, as FlexMeasures also allows, in a JSON body.
    body = req.json() if req.body_bytes.strip() else None
    raw = {**(body if isinstance(body, dict) else {}), **req.query}
    args = validate(ScheduleArgs, raw, location="query")
    return actions.schedule_result(req.user, id, uuid, args.duration, args.unit)


@endpoint(bp, "/v3_0/assets/{id}/jobs", "GET", description="Get asset jobs")
def get_asset_jobs(req: ApiRequest, id: int) -> Any:
    return actions.asset_jobs(req.user, id)


@endpoint(bp, "/v3_0/jobs/{uuid}", "GET", wrap=False, int_params=(),
          description="Get the status of a background job")
def get_job_status(req: ApiRequest, uuid: str) -> Any:
    return actions.job_status(req.user, uuid)

