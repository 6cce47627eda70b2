"""What the sensor data endpoints do: post beliefs, read them back on fixed slots, take file uploads (§8)."""
from __future__ import annotations

from datetime import timedelta
from typing import Any, Iterable

from chalicelib import settings
from chalicelib.errors import ApiError, field_error, http_error, unprocessable
from chalicelib.schemas.common import utcnow
from chalicelib.schemas.durations import DurationError, format_hours_duration, parse_duration
from chalicelib.schemas.results import processed
from chalicelib.schemas.sensor_data import GetDataById, PostDataById
from chalicelib.schemas.sensors import resolution_of, zone_of
from chalicelib.services.loaders import source_or_422
from chalicelib.store import audit, beliefs, sources
from chalicelib.store import files as file_store
from chalicelib.store.errors import ReplacementRefused, StorageUnavailable, WriteConflict
from chalicelib.timeseries import units
from chalicelib.timeseries.beliefs import Beliefs
from chalicelib.timeseries.posting import PostingError, SensorSpec, to_beliefs
from chalicelib.timeseries.resampling import MAX_SLOTS, default_resolution
from chalicelib.timeseries.uploads import UploadError, read_table, to_sensor_beliefs

ALREADY_RECEIVED = {"results": "PROCESSED", "status": "ALREADY_RECEIVED_AND_SUCCESSFULLY_PROCESSED",
                    "message": "Some of the data has already been received and successfully processed."}
INVALID_REPLACEMENT = {"results": "Rejected", "status": "INVALID_REPLACEMENT",
                       "message": "Some of the data represents a replacement, which is reserved for customized "
                                  "servers. Such servers set FLEXMEASURES_ALLOW_DATA_OVERWRITE=True. Otherwise, "
                                  "post the new beliefs with a later prior (or a shorter horizon)."}


# ---- posting ----------------------------------------------------------------------------------------

def beliefs_from_body(sensor: Any, body: PostDataById, current: bool = False) -> Beliefs:
    """The posted series as beliefs about the sensor's events, or the contract's 422 on the body."""
    try:
        return to_beliefs(body, sensor_spec(sensor), utcnow(), current=current)
    except PostingError as error:
        raise field_error("json", error.field, error.message) from None


def save_for_user(user: Any, sensor: Any, new: Beliefs) -> tuple[dict, int]:
    """Save beliefs under the user's source and answer as FlexMeasures does (§8.1 responses)."""
    if not len(new):
        return ALREADY_RECEIVED, 200
    source = sources.user_source(user)
    try:
        result = beliefs.save(sensor.id, source.id, new, resolution_of(sensor), settings.allow_data_overwrite())
    except ReplacementRefused:
        raise ApiError(403, INVALID_REPLACEMENT) from None
    except WriteConflict:
        raise http_error(503, "Too many concurrent writes to this sensor; please retry.") from None
    if result.unchanged or not result.added and not result.replaced:
        return ALREADY_RECEIVED, 200
    return processed(), 200


def sensor_spec(sensor: Any) -> SensorSpec:
    frequency = (sensor.attributes or {}).get("frequency")
    try:
        frequency = parse_duration(frequency) if isinstance(frequency, str) else None
    except DurationError:
        frequency = None
    return SensorSpec(unit=sensor.unit, resolution=resolution_of(sensor), timezone=sensor.timezone or "UTC",
                      frequency=frequency)


# ---- reading ----------------------------------------------------------------------------------------

def read_resolution(sensor: Any, args: GetDataById) -> timedelta:
    """The slots a read answers on, after checking unit, source and window against the sensor (422s)."""
    if not units.is_valid_unit(args.unit) or not units.is_convertible(sensor.unit, args.unit):
        raise field_error("query", "_schema", f"Required unit for this sensor is {sensor.unit}, got incompatible "
                                              f"unit: {args.unit}")
    if args.source is not None:
        source_or_422(args.source, "query")
    resolution = args.resolution or default_resolution(resolution_of(sensor), args.duration)
    _check_window(args, resolution)
    return resolution


def read_data(sensor: Any, args: GetDataById, resolution: timedelta) -> dict:
    """The sensor's most recent beliefs on exactly duration/resolution slots, in the requested unit (§8.2)."""
    import numpy as np

    end = args.start + args.duration
    values = beliefs.read_values(sensor, args.start, end, resolution, prior=args.prior, horizon=args.horizon,
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


def uploaded_beliefs(sensor: Any, files: list[tuple[str, str, bytes]], measured_instantly: bool,
                     unit: str | None) -> Beliefs:
    """Every file parsed and checked against the sensor (a 422 naming each bad file), as one set of beliefs."""
    zone = zone_of(sensor)
    if unit is not None and (not units.is_valid_unit(unit) or not units.is_convertible(unit, sensor.unit)):
        raise field_error(UPLOAD, "unit", f"Required unit for this sensor is {sensor.unit}, got incompatible unit: "
                                          f"{unit}")
    now = utcnow()
    parsed, errors = [], {}
    for i, (name, _, content) in enumerate(files):
        try:
            found = to_sensor_beliefs(*read_table(name, content, zone), resolution_of(sensor), now,
                                      measured_instantly, zone)
            if unit is not None:
                found.value = units.convert(found.value, unit, sensor.unit, resolution_of(sensor))
            parsed.append(found)
        except UploadError as error:
            errors[str(i)] = f"Invalid content in file: {name}. Failed with: {error}"
    if errors:
        raise unprocessable(UPLOAD, errors)
    return Beliefs.concat(parsed)


def save_upload(user: Any, sensor: Any, uploads: list[tuple[str, str, bytes]], parsed: Beliefs) -> tuple[dict, int]:
    """Keep the raw files in S3, save the beliefs, and audit what was new (§8.5). A file that cannot be kept
    stops the upload before any data is written."""
    try:
        for name, content_type, content in uploads:
            file_store.save_upload(sensor.id, name, content, content_type)
    except StorageUnavailable:
        raise http_error(503, "The uploaded file could not be stored, so nothing was saved; please retry.") from None
    answer = save_for_user(user, sensor, parsed)
    if answer[0] is not ALREADY_RECEIVED:  # a re-upload of known data changed nothing: nothing to audit
        audit.record_asset_event(f"Data from {join_english(n for n, _, _ in uploads)} uploaded to sensor "
                                 f"'{sensor.name}': {sensor.id}", sensor.generic_asset_id, user)
    return answer


def join_english(names: Iterable[str]) -> str:
    """'a', 'a and b', 'a, b and c' (how FlexMeasures lists file names in audit texts)."""
    names = list(names)
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]
