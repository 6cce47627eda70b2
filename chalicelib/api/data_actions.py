"""What the sensor data endpoints do: post beliefs, read them back on fixed slots, take file uploads (§8).

Routes in `sensor_data.py` parse the request and call one function here.
"""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from chalicelib.api.responses import ApiError, field_error, http_error, processed, unprocessable
from chalicelib.api.routing import ApiRequest
from chalicelib.auth.access import require_sensor
from chalicelib.schemas.common import utcnow
from chalicelib.schemas.durations import format_hours_duration
from chalicelib.schemas.sensor_data import GetDataById, PostDataById
from chalicelib.schemas.sensors import resolution_of, zone_of
from chalicelib.timeseries.resampling import MAX_SLOTS

ALREADY_RECEIVED = {"results": "PROCESSED", "status": "ALREADY_RECEIVED_AND_SUCCESSFULLY_PROCESSED",
                    "message": "Some of the data has already been received and successfully processed."}
INVALID_REPLACEMENT = {"results": "Rejected", "status": "INVALID_REPLACEMENT",
                       "message": "Some of the data represents a replacement, which is reserved for customized "
                                  "servers. Such servers set FLEXMEASURES_ALLOW_DATA_OVERWRITE=True. Otherwise, "
                                  "post the new beliefs with a later prior (or a shorter horizon)."}


# ---- posting ----------------------------------------------------------------------------------------

def post_beliefs(user: Any, sensor: Any, body: PostDataById, current: bool = False) -> Any:
    """Validate the series against the sensor, check permission, save under the user's source."""
    from chalicelib.timeseries.posting import PostingError, to_beliefs

    try:
        beliefs = to_beliefs(body, sensor_spec(sensor), utcnow(), current=current)
    except PostingError as error:
        raise field_error("json", error.field, error.message) from None
    require_sensor(user, "create-children", sensor)
    return save_for_user(user, sensor, beliefs)


def save_for_user(user: Any, sensor: Any, beliefs: Any) -> tuple[dict, int]:
    """Save beliefs under the user's source and answer as FlexMeasures does (§8.1 responses)."""
    from chalicelib import settings
    from chalicelib.store import beliefs as store
    from chalicelib.store import sources

    if not len(beliefs):
        return ALREADY_RECEIVED, 200
    source = sources.user_source(user)
    try:
        result = store.save(sensor.id, source.id, beliefs, resolution_of(sensor), settings.allow_data_overwrite())
    except store.ReplacementRefused:
        raise ApiError(403, INVALID_REPLACEMENT) from None
    except store.WriteConflict:
        raise http_error(503, "Too many concurrent writes to this sensor; please retry.") from None
    if result.unchanged or not result.added and not result.replaced:
        return ALREADY_RECEIVED, 200
    return processed(), 200


def sensor_spec(sensor: Any):
    from chalicelib.schemas.durations import DurationError, parse_duration
    from chalicelib.timeseries.posting import SensorSpec

    frequency = (sensor.attributes or {}).get("frequency")
    try:
        frequency = parse_duration(frequency) if isinstance(frequency, str) else None
    except DurationError:
        frequency = None
    return SensorSpec(unit=sensor.unit, resolution=resolution_of(sensor), timezone=sensor.timezone or "UTC",
                      frequency=frequency)


def sensor_by_address(address: str, location: str) -> Any:
    from chalicelib.schemas.entity_address import EntityAddressError, parse
    from chalicelib.store import sensors

    try:
        sensor = sensors.find(parse(address))
    except EntityAddressError as error:
        raise field_error(location, "sensor", str(error)) from None
    if sensor is None:
        raise field_error(location, "sensor", f"sensor with entity address {address} doesn't exist.")
    return sensor


# ---- reading ----------------------------------------------------------------------------------------

def read_data(user: Any, sensor: Any, args: GetDataById) -> dict:
    """The sensor's most recent beliefs on exactly duration/resolution slots, in the requested unit (§8.2)."""
    import numpy as np

    from chalicelib.store import beliefs as store
    from chalicelib.store import sources
    from chalicelib.timeseries import units
    from chalicelib.timeseries.resampling import default_resolution

    if not units.is_valid_unit(args.unit) or not units.is_convertible(sensor.unit, args.unit):
        raise field_error("query", "_schema", f"Required unit for this sensor is {sensor.unit}, got incompatible "
                                              f"unit: {args.unit}")
    if args.source is not None and sources.find(args.source) is None:
        raise field_error("query", "source", f"No data source found with id {args.source}.")
    resolution = args.resolution or default_resolution(resolution_of(sensor), args.duration)
    _check_window(args, resolution)
    require_sensor(user, "read", sensor)
    end = args.start + args.duration
    values = store.read_values(sensor, args.start, end, resolution, prior=args.prior, horizon=args.horizon,
                               source_id=args.source)
    values = units.convert(values, sensor.unit, args.unit, resolution)
    return {"values": [None if np.isnan(v) else float(v) for v in values], "start": args.start.isoformat(),
            "duration": format_hours_duration(args.duration), "unit": args.unit,
            "resolution": format_hours_duration(resolution), **processed()}


def _check_window(args: GetDataById, resolution: timedelta) -> None:
    if resolution <= timedelta(0):
        raise field_error("query", "resolution", "Resolution must be positive.")
    if args.duration <= timedelta(0):
        raise field_error("query", "duration", "Duration must be positive.")
    if args.duration // resolution > MAX_SLOTS:
        raise field_error("query", "duration", f"The window holds more than {MAX_SLOTS} values of "
                                               f"{format_hours_duration(resolution)}; ask for a shorter one.")
    if args.duration % resolution:
        raise unprocessable("query", {"_schema": [f"Duration {format_hours_duration(args.duration)} is not a "
                                                  f"multiple of resolution {format_hours_duration(resolution)}."]})
    if args.type == "GetMeterDataRequest" and args.horizon is not None and args.horizon > timedelta(0):
        raise field_error("query", "horizon", "Meter data must lie in the past (horizon <= 0).")
    if args.type == "GetPrognosisRequest" and args.horizon is not None and args.horizon < timedelta(0):
        raise field_error("query", "horizon", "Prognoses must lie in the future (horizon >= 0).")


# ---- file upload ------------------------------------------------------------------------------------

UPLOAD = "path_and_files"
FILES_FIELD = "uploaded-files"
INSTANT_FIELD = "belief-time-measured-instantly"
_TRUE, _FALSE = {"on", "true", "1", "t", "yes", "y"}, {"off", "false", "0", "f", "no", "n"}


def upload_form(req: ApiRequest) -> tuple[list[tuple[str, str, bytes]], bool, str | None]:
    """The uploaded files (name, content type, bytes), the measured-instantly flag and an optional unit."""
    from email.parser import BytesParser
    from email.policy import HTTP

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
                 for i, (name, _, _) in enumerate(files) if not _allowed(name)}
    if bad_names:
        errors[FILES_FIELD] = bad_names
    instantly = fields.get(INSTANT_FIELD, "false").lower()
    if instantly not in _TRUE | _FALSE:
        errors[INSTANT_FIELD] = ["Not a valid boolean."]
    if errors:
        raise unprocessable(UPLOAD, errors)
    return files, instantly in _TRUE, fields.get("unit")


def _allowed(filename: str) -> bool:
    from chalicelib.timeseries.uploads import has_allowed_extension

    return has_allowed_extension(filename)


def upload_files(user: Any, sensor: Any, files: list[tuple[str, str, bytes]], measured_instantly: bool,
                 unit: str | None) -> Any:
    """Parse and check every file, then keep the raw files in S3, audit, and save the beliefs (§8.5)."""
    from chalicelib.api.responses import join_english
    from chalicelib.store import audit, files as file_store
    from chalicelib.timeseries import units
    from chalicelib.timeseries.beliefs import Beliefs
    from chalicelib.timeseries.uploads import UploadError, read_table, to_sensor_beliefs

    zone = zone_of(sensor)
    if unit is not None and (not units.is_valid_unit(unit) or not units.is_convertible(unit, sensor.unit)):
        raise field_error(UPLOAD, "unit", f"Required unit for this sensor is {sensor.unit}, got incompatible unit: "
                                          f"{unit}")
    now = utcnow()
    parsed, errors = [], {}
    for i, (name, _, content) in enumerate(files):
        try:
            beliefs = to_sensor_beliefs(*read_table(name, content, zone), resolution_of(sensor), now,
                                        measured_instantly)
            if unit is not None:
                beliefs.value = units.convert(beliefs.value, unit, sensor.unit, resolution_of(sensor))
            parsed.append(beliefs)
        except UploadError as error:
            errors[str(i)] = f"Invalid content in file: {name}. Failed with: {error}"
    if errors:
        raise unprocessable(UPLOAD, errors)
    require_sensor(user, "create-children", sensor)
    for name, content_type, content in files:
        file_store.save_upload(sensor.id, name, content, content_type)
    audit.record_asset_event(f"Data from {join_english(n for n, _, _ in files)} uploaded to sensor "
                             f"'{sensor.name}': {sensor.id}", sensor.generic_asset_id, user)
    return save_for_user(user, sensor, Beliefs.concat(parsed))
