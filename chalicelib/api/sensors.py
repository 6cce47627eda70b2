"""Sensor endpoints: list, create, get, update, delete, delete data, stats and status (contract §7)."""
from __future__ import annotations

from typing import Any

from chalice import Blueprint

from chalicelib.api import sensor_actions as actions
from chalicelib.api.query import page_of, parse_query
from chalicelib.api.responses import respond
from chalicelib.api.routing import ApiRequest, endpoint
from chalicelib.api.sensor_actions import load_sensor  # noqa: F401 - other endpoint modules import it from here
from chalicelib.schemas.sensors import DataDeletion, SensorCreate, SensorListArgs, SensorPatch, StatsArgs, sensor_json
from chalicelib.schemas.validation import validate

bp = Blueprint(__name__)


@endpoint(bp, "/v3_0/sensors", "GET", description="Get list of sensors")
def list_sensors(req: ApiRequest) -> Any:
    args = parse_query(SensorListArgs, req.query)
    found = actions.sensors_in_scope(req.user, args)
    if args.page is None:
        return respond([sensor_json(s, req.host) for s in found], wrap=False)
    return page_of(found, args.page, args.per_page, len(found),
                   lambda page: [sensor_json(s, req.host) for s in page])


@endpoint(bp, "/v3_0/sensors", "POST", description="Create a new Sensor")
def create_sensor(req: ApiRequest) -> Any:
    body = validate(SensorCreate, req.json())
    return sensor_json(actions.create(req.user, body), req.host), 201


@endpoint(bp, "/v3_0/sensors/{id}", "GET", description="Get a sensor")
def get_sensor(req: ApiRequest, id: int) -> Any:
    return sensor_json(actions.sensor_for(req.user, id, "read"), req.host)


@endpoint(bp, "/v3_0/sensors/{id}", "PATCH", description="Update a sensor")
def update_sensor(req: ApiRequest, id: int) -> Any:
    body = validate(SensorPatch, req.json())
    return sensor_json(actions.update(req.user, id, body), req.host)


@endpoint(bp, "/v3_0/sensors/{id}", "DELETE", description="Delete a sensor")
def delete_sensor(req: ApiRequest, id: int) -> Any:
    actions.delete(req.user, id)
    return None, 204


@endpoint(bp, "/v3_0/sensors/{id}/data", "DELETE", description="Delete sensor data")
def delete_sensor_data(req: ApiRequest, id: int) -> Any:
    body = validate(DataDeletion, req.json())
    actions.delete_data(req.user, id, body)
    return None, 204


@endpoint(bp, "/v3_0/sensors/{id}/stats", "GET", description="Get sensor stats")
def sensor_stats(req: ApiRequest, id: int) -> Any:
    args = parse_query(StatsArgs, req.query)
    return actions.stats(req.user, id, args)


@endpoint(bp, "/v3_0/sensors/{id}/status", "GET", description="Get sensor status")
def sensor_status(req: ApiRequest, id: int) -> Any:
    return {"sensors_data": actions.status(req.user, id)}
