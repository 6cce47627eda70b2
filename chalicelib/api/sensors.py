"""Sensor endpoints: list, create, get, update, delete, delete data, stats and status (contract §7)."""
from __future__ import annotations

from typing import Any

from chalicelib.api.query import parse_query
from chalicelib.api.responses import respond
from chalicelib.api.routing import ApiRequest
from chalicelib.auth.access import require_asset, require_sensor
from chalicelib.auth.permissions import CREATE_CHILDREN, DELETE, READ, UPDATE
from chalicelib.schemas.sensors import (DataDeletion, SensorCreate, SensorListArgs, SensorPatch, StatsArgs,
                                        free_datetime, sensor_json, zone_of)
from chalicelib.schemas.validation import validate
from chalicelib.services import sensors as service
from chalicelib.services.listing import page_of
from chalicelib.services.loaders import sensor_or_422, source_or_422


def list_sensors(req: ApiRequest) -> Any:
    args = parse_query(SensorListArgs, req.query)
    found = service.sensors_in_scope(req.user, args)
    if args.page is None:
        return respond([sensor_json(s, req.host) for s in found], wrap=False)
    return page_of(found, args.page, args.per_page, len(found),
                   lambda page: [sensor_json(s, req.host) for s in page])


def create_sensor(req: ApiRequest) -> Any:
    body = validate(SensorCreate, req.json())
    asset = service.asset_for_new_sensor(body)
    require_asset(req.user, CREATE_CHILDREN, asset)
    return sensor_json(service.create(req.user, asset, body), req.host), 201


def get_sensor(req: ApiRequest, id: int) -> Any:
    sensor = sensor_or_422(id)
    require_sensor(req.user, READ, sensor)
    return sensor_json(sensor, req.host)


def update_sensor(req: ApiRequest, id: int) -> Any:
    # FlexMeasures validates the body before it looks the sensor up.
    body = validate(SensorPatch, req.json())
    sensor = sensor_or_422(id)
    require_sensor(req.user, UPDATE, sensor)
    return sensor_json(service.update(req.user, sensor, body), req.host)


def delete_sensor(req: ApiRequest, id: int) -> Any:
    sensor = sensor_or_422(id)
    require_sensor(req.user, DELETE, sensor)
    service.delete(req.user, sensor)
    return None, 204


def delete_sensor_data(req: ApiRequest, id: int) -> Any:
    # FlexMeasures validates the body (and its source) before it checks permissions.
    body = validate(DataDeletion, req.json())
    sensor = sensor_or_422(id)
    if body.source is not None:
        source_or_422(body.source, "json")
    require_sensor(req.user, DELETE, sensor)
    service.delete_data(req.user, sensor, body)
    return None, 204


def sensor_stats(req: ApiRequest, id: int) -> Any:
    args = parse_query(StatsArgs, req.query)
    sensor = sensor_or_422(id)
    start = free_datetime(args.event_start_time, zone_of(sensor), "event_start_time")
    end = free_datetime(args.event_end_time, zone_of(sensor), "event_end_time")
    require_sensor(req.user, READ, sensor)
    return service.stats(sensor, start, end, args.sort)


def sensor_status(req: ApiRequest, id: int) -> Any:
    sensor = sensor_or_422(id)
    require_sensor(req.user, READ, sensor)
    return {"sensors_data": service.status(sensor)}
