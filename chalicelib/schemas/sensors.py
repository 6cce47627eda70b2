"""Sensor bodies and query arguments, and `sensor_json`, the one mapping from a stored sensor to its JSON."""
from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from pydantic import Field, field_validator

from chalicelib.errors import field_error
from chalicelib.schemas.common import AwareDatetime, Duration, JsonString, QueryArgs, StrictBody
from chalicelib.schemas.durations import format_duration
from chalicelib.schemas.entity_address import build
from chalicelib.schemas.listing import ListingArgs
from chalicelib.timeseries.calendar import zone_or_utc
from chalicelib.timeseries.units import is_valid_unit


def _check_unit(value: str) -> str:
    if not is_valid_unit(value):
        raise ValueError(f"Unit '{value}' cannot be handled.")
    return value


def _check_resolution(value: timedelta) -> timedelta:
    if value < timedelta(0):
        raise ValueError("Event resolution must not be negative.")
    return value


def _check_attributes(value: Any) -> dict:
    if not isinstance(value, dict):
        raise ValueError("Attributes should be a JSON object.")
    return value


class SensorFields(StrictBody):
    """What POST and PATCH share; PATCH makes every field optional."""

    @field_validator("unit", check_fields=False)
    @classmethod
    def _unit(cls, value):
        return value if value is None else _check_unit(value)

    @field_validator("event_resolution", check_fields=False)
    @classmethod
    def _resolution(cls, value):
        return value if value is None else _check_resolution(value)

    @field_validator("attributes", check_fields=False)
    @classmethod
    def _attributes(cls, value):
        return value if value is None else _check_attributes(value)


class SensorCreate(SensorFields):
    name: str = Field(min_length=1)
    unit: str
    event_resolution: Duration
    generic_asset_id: int
    timezone: str = "UTC"
    attributes: JsonString = None


class SensorPatch(SensorFields):
    name: str | None = Field(None, min_length=1)
    unit: str | None = None
    timezone: str | None = None
    event_resolution: Duration | None = None
    attributes: JsonString = None


class SensorListArgs(ListingArgs):
    RENAMED = {**ListingArgs.RENAMED, "account_id": "account", "asset_id": "asset"}
    account_id: int | None = None
    asset_id: int | None = None
    include_consultancy_clients: bool = False
    include_public_assets: bool = False
    unit: str | None = None


class StatsArgs(QueryArgs):
    sort: bool = True
    event_start_time: str | None = None
    event_end_time: str | None = None


class DataDeletion(StrictBody):
    """DELETE /sensors/<id>/data body ([CURRENT], sent by flexmeasures-client): all optional."""

    source: int | None = None
    start: AwareDatetime | None = None
    until: AwareDatetime | None = None


def free_datetime(text: str | None, zone: Any, field: str) -> Any:
    """A free-form datetime query argument (the stats window), naive ones in the sensor's timezone; 422 otherwise."""
    if text is None:
        return None
    import pandas as pd

    try:
        stamp = pd.Timestamp(text.replace(" ", "+") if "T" in text else text)
    except (ValueError, TypeError):
        raise field_error("query", field, "Not a valid datetime.") from None
    if pd.isna(stamp):
        raise field_error("query", field, "Not a valid datetime.")
    return (stamp.tz_localize(zone) if stamp.tzinfo is None else stamp).to_pydatetime()


def resolution_of(sensor: Any) -> timedelta:
    return timedelta(minutes=int(sensor.event_resolution_minutes or 0))


def zone_of(sensor: Any) -> Any:
    """The sensor's timezone; UTC when it is unknown ([SEED] does not validate sensor timezones)."""
    return zone_or_utc(sensor.timezone)


def sensor_json(sensor: Any, host: str) -> dict[str, Any]:
    """A sensor as the API shows it (attributes as a JSON string, entity address for `host`)."""

    return {
        "id": sensor.id,
        "name": sensor.name,
        "unit": sensor.unit,
        "timezone": sensor.timezone,
        "event_resolution": format_duration(resolution_of(sensor)),
        "entity_address": build(sensor.id, host),
        "attributes": json.dumps(sensor.attributes or {}),
        "generic_asset_id": sensor.generic_asset_id,
    }
