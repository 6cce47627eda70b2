"""Sensor data endpoints: post and read beliefs (by entity address or by sensor id) and upload files (§8)."""
from __future__ import annotations

from typing import Any

from chalice import Blueprint

from chalicelib.api.data_actions import (post_beliefs, read_data, sensor_by_address, upload_files,
                                         upload_form)
from chalicelib.api.routing import ApiRequest, endpoint
from chalicelib.api.sensor_actions import load_sensor
from chalicelib.schemas.sensor_data import GetData, GetDataById, PostData, PostDataById
from chalicelib.schemas.validation import validate

bp = Blueprint(__name__)


@endpoint(bp, "/v3_0/sensors/data", "POST", description="Upload sensor data", wrap=False)
def post_data(req: ApiRequest) -> Any:
    body = validate(PostData, req.json())
    return post_beliefs(req.user, sensor_by_address(body.sensor, "json"), body)


@endpoint(bp, "/v3_0/sensors/{id}/data", "POST", description="Post sensor data", wrap=False)
def post_data_by_id(req: ApiRequest, id: int) -> Any:
    body = validate(PostDataById, req.json())
    return post_beliefs(req.user, load_sensor(id), body, current=True)


@endpoint(bp, "/v3_0/sensors/data", "GET", description="Download sensor data", wrap=False)
def get_data(req: ApiRequest) -> Any:
    args = validate(GetData, req.query, location="query")
    return read_data(req.user, sensor_by_address(args.sensor, "query"), args)


@endpoint(bp, "/v3_0/sensors/{id}/data", "GET", description="Get sensor data", wrap=False)
def get_data_by_id(req: ApiRequest, id: int) -> Any:
    # [CURRENT] reads the arguments from a JSON body too; query arguments win.
    args = validate(GetDataById, {**(req.json() or {}), **req.query}, location="query")
    return read_data(req.user, load_sensor(id), args)


@endpoint(bp, "/v3_0/sensors/{id}/data/upload", "POST", description="Upload sensor data by file", wrap=False)
def upload_data(req: ApiRequest, id: int) -> Any:
    sensor = load_sensor(id)
    return upload_files(req.user, sensor, *upload_form(req))
