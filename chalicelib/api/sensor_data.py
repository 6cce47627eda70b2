"""Sensor data endpoints: post and read beliefs (by entity address or by sensor id) and upload files (§8)."""
from __future__ import annotations

from email.parser import BytesParser
from email.policy import HTTP
from typing import Any

from chalicelib.api.routing import ApiRequest
from chalicelib.auth.access import require_sensor
from chalicelib.auth.permissions import CREATE_CHILDREN, READ
from chalicelib.errors import unprocessable
from chalicelib.schemas.sensor_data import GetData, GetDataById, PostData, PostDataById
from chalicelib.schemas.validation import validate
from chalicelib.services import sensor_data as service
from chalicelib.services.loaders import sensor_by_address_or_422, sensor_or_422
from chalicelib.timeseries.uploads import has_allowed_extension


# Every data endpoint validates the data against the sensor before it checks permissions, as FlexMeasures does.


def post_data(req: ApiRequest) -> Any:
    body = validate(PostData, req.json())
    sensor = sensor_by_address_or_422(body.sensor, "json")
    beliefs = service.beliefs_from_body(sensor, body)
    require_sensor(req.user, CREATE_CHILDREN, sensor)
    return service.save_for_user(req.user, sensor, beliefs)


def post_data_by_id(req: ApiRequest, id: int) -> Any:
    body = validate(PostDataById, req.json())
    sensor = sensor_or_422(id)
    beliefs = service.beliefs_from_body(sensor, body, current=True)
    require_sensor(req.user, CREATE_CHILDREN, sensor)
    return service.save_for_user(req.user, sensor, beliefs)


def get_data(req: ApiRequest) -> Any:
    args = validate(GetData, req.query, location="query")
    sensor = sensor_by_address_or_422(args.sensor, "query")
    resolution = service.read_resolution(sensor, args)
    require_sensor(req.user, READ, sensor)
    return service.read_data(sensor, args, resolution)


def get_data_by_id(req: ApiRequest, id: int) -> Any:
    # [CURRENT] reads the arguments from a JSON body too; query arguments win.
    args = validate(GetDataById, {**req.json_object("query"), **req.query}, location="query")
    sensor = sensor_or_422(id)
    resolution = service.read_resolution(sensor, args)
    require_sensor(req.user, READ, sensor)
    return service.read_data(sensor, args, resolution)


def upload_data(req: ApiRequest, id: int) -> Any:
    sensor = sensor_or_422(id)
    files, measured_instantly, unit = _upload_form(req)
    beliefs = service.uploaded_beliefs(sensor, files, measured_instantly, unit)
    require_sensor(req.user, CREATE_CHILDREN, sensor)
    return service.save_upload(req.user, sensor, files, beliefs)


FILES_FIELD = "uploaded-files"
INSTANT_FIELD = "belief-time-measured-instantly"
_TRUE, _FALSE = {"on", "true", "1", "t", "yes", "y"}, {"off", "false", "0", "f", "no", "n"}


def _upload_form(req: ApiRequest) -> tuple[list[tuple[str, str, bytes]], bool, str | None]:
    """The uploaded files (name, content type, bytes), the measured-instantly flag and an optional unit."""
    header = req.headers.get("content-type") or ""
    files, fields, errors = [], {}, {}
    if header.lower().startswith("multipart/form-data"):
        message = BytesParser(policy=HTTP).parsebytes(b"Content-Type: " + header.encode() + b"\r\n\r\n"
                                                      + req.body_bytes)
        for part in message.iter_parts() if message.is_multipart() else []:
            name = part.get_param("name", header="content-disposition")
            if name == FILES_FIELD and part.get_filename() is not None:
                files.append((part.get_filename(), part.get_content_type(), part.get_payload(decode=True) or b""))
            elif name in (INSTANT_FIELD, "unit"):
                fields[name] = (part.get_payload(decode=True) or b"").decode("utf-8", "replace").strip()
            else:
                errors[name or "_schema"] = ["Unknown field."]
    if not files:
        errors[FILES_FIELD] = ["Missing data for required field."]
    bad_names = {str(i): [f"Invalid filename: {name}. Only CSV or Excel files are accepted."]
                 for i, (name, _, _) in enumerate(files) if not has_allowed_extension(name)}
    if bad_names:
        errors[FILES_FIELD] = bad_names
    instantly = fields.get(INSTANT_FIELD, "false").lower()
    if instantly not in _TRUE | _FALSE:
        errors[INSTANT_FIELD] = ["Not a valid boolean."]
    if errors:
        raise unprocessable(service.UPLOAD, errors)
    return files, instantly in _TRUE, fields.get("unit")
