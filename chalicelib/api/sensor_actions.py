"""What the sensor endpoints do: scope and check listings, create/update/delete with audit rows, stats, status.

Routes in `sensors.py` parse the request and call one function here.
"""
from __future__ import annotations

from typing import Any

from chalicelib.api.query import filter_terms, matches_any
from chalicelib.api.responses import ApiError, field_error, forbidden, http_error, not_found
from chalicelib.auth.access import require_account, require_asset, require_sensor
from chalicelib.schemas.sensors import (DataDeletion, SensorCreate, SensorListArgs, SensorPatch, StatsArgs,
                                        humanized_resolution, resolution_of, zone_of)


def load_sensor(sensor_id: int) -> Any:
    """The sensor, or the contract's 422 on the path id (sensors use 422 where assets use 404)."""
    from chalicelib.store import sensors

    sensor = sensors.find(sensor_id)
    if sensor is None:
        raise field_error("path", "id", f"No sensor found with ID {sensor_id}.")
    return sensor


def sensor_for(user: Any, sensor_id: int, action: str) -> Any:
    sensor = load_sensor(sensor_id)
    require_sensor(user, action, sensor)
    return sensor


def create(user: Any, body: SensorCreate) -> Any:
    """A new sensor on an existing asset the user may add to; audited."""
    from chalicelib.store import assets, audit, sensors

    asset = assets.find(body.generic_asset_id)
    if asset is None:
        raise field_error("json", "generic_asset_id", f"Generic asset with id {body.generic_asset_id} doesn't exist.")
    require_asset(user, "create-children", asset)
    try:
        sensor = sensors.create(asset, body.name, body.unit, int(body.event_resolution.total_seconds() // 60),
                                body.timezone, body.attributes)
    except sensors.DuplicateError:
        raise _name_taken(body.name, asset.id) from None
    audit.record_asset_event(f"Created sensor '{sensor.name}': {sensor.id}", asset.id, user)
    return sensor


def update(user: Any, sensor_id: int, body: SensorPatch) -> Any:
    """Apply the sent fields; always one audit row, even when nothing changed (contract §10)."""
    from chalicelib.store import audit, sensors

    sensor = sensor_for(user, sensor_id, "update")
    changes, notes = _sensor_changes(sensor, body)
    name_before = sensor.name
    try:
        sensors.update(sensor, changes)
    except sensors.DuplicateError:
        raise _name_taken(changes["name"], sensor.generic_asset_id) from None
    audit.record_asset_event(f"Updated sensor '{name_before}': {sensor.id}. Updated fields: " + "; ".join(notes),
                             sensor.generic_asset_id, user)
    return sensor


def delete(user: Any, sensor_id: int) -> None:
    from chalicelib.store import audit, sensors

    sensor = sensor_for(user, sensor_id, "delete")
    audit.record_asset_event(f"Deleted sensor '{sensor.name}': {sensor.id}", sensor.generic_asset_id, user)
    sensors.delete(sensor)


def delete_data(user: Any, sensor_id: int, body: DataDeletion) -> None:
    """Delete the sensor's beliefs (of one source, in a window, when the [CURRENT] body says so); audited."""
    from chalicelib.store import audit, beliefs, sources

    sensor = load_sensor(sensor_id)
    if body.source is not None and sources.find(body.source) is None:
        raise field_error("json", "source", f"No data source found with id {body.source}.")
    require_sensor(user, "delete", sensor)
    beliefs.delete_beliefs(sensor.id, body.source, body.start, body.until)
    scope = [f"{k}: {v.isoformat() if hasattr(v, 'isoformat') else v}"
             for k, v in (("source", body.source), ("start", body.start), ("until", body.until)) if v is not None]
    event = f"Deleted data for sensor '{sensor.name}': {sensor.id}" + (f" ({', '.join(scope)})" if scope else "")
    audit.record_asset_event(event, sensor.generic_asset_id, user)


def stats(user: Any, sensor_id: int, args: StatsArgs) -> dict[str, Any]:
    """Per-source statistics, keyed "<source description> (ID: <id>)" (contract §7.1)."""
    from chalicelib.store import beliefs, sources
    from chalicelib.timeseries.stats import stats_by_source

    sensor = load_sensor(sensor_id)
    zone = zone_of(sensor)
    start = _free_datetime(args.event_start_time, zone, "event_start_time")
    end = _free_datetime(args.event_end_time, zone, "event_end_time")
    require_sensor(user, "read", sensor)
    if start is None and end is None:
        found = beliefs.read_all_beliefs(sensor.id)
    else:
        from datetime import datetime, timezone

        found = beliefs.read_beliefs(sensor.id, start or datetime(1970, 1, 1, tzinfo=timezone.utc),
                                     end or datetime(9999, 1, 1, tzinfo=timezone.utc))
    by_source = stats_by_source(found, resolution_of(sensor), zone)
    known = sources.get_many(by_source)
    out = {f"{sources.description(known[sid]) if sid in known else 'unknown source'} (ID: {sid})": block
           for sid, block in by_source.items()}
    return dict(sorted(out.items())) if args.sort else out


def status(user: Any, sensor_id: int) -> list[dict[str, Any]]:
    """Staleness per source type, with the sensor's identity and relation to its asset (contract §7.2)."""
    from datetime import timezone

    from chalicelib.schemas.common import utcnow
    from chalicelib.schemas.durations import parse_duration
    from chalicelib.store import assets, beliefs, sources
    from chalicelib.timeseries.status import specs_for, statuses

    sensor = sensor_for(user, sensor_id, "read")
    found = beliefs.read_all_beliefs(sensor.id)
    known = sources.get_many(set(found.source_id.tolist()))
    specs = specs_for(resolution_of(sensor), (sensor.attributes or {}).get("status_specs"), parse_duration)
    items = statuses(found, {sid: s.type for sid, s in known.items()}, resolution_of(sensor), specs, utcnow(),
                     timezone.utc)
    asset = assets.find(sensor.generic_asset_id)
    about = {"id": sensor.id, "name": sensor.name, "resolution": humanized_resolution(sensor),
             "asset_name": getattr(asset, "name", None), "relation": _relation(sensor, asset)}
    return [{**item, **about} for item in items]


# ---- helpers ---------------------------------------------------------------------------------------

def _relation(sensor: Any, asset: Any) -> str:
    """How the sensor relates to its asset: always owned by it, and maybe referenced in its flex-context."""
    relations = ["sensor belongs to this asset"]
    for field, value in ((getattr(asset, "flex_context", None) or {}).items()):
        if field == "inflexible-device-sensors" and isinstance(value, list) and sensor.id in value:
            relations.append("flex context (inflexible device)")
        elif value == {"sensor": sensor.id} or (field.endswith("-sensor") and value == sensor.id):
            relations.append(f"flex context ({field})")
    return ";".join(relations)


def _free_datetime(text: str | None, zone: Any, field: str) -> Any:
    """A free-form datetime string (naive ones in the sensor's timezone)."""
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


def _name_taken(name: str, asset_id: int) -> ApiError:
    return field_error("json", "name", f"A sensor with the name '{name}' already exists under asset {asset_id}.")


def _sensor_changes(sensor: Any, body: SensorPatch) -> tuple[dict[str, Any], list[str]]:
    """Stored field changes and the audit notes ("Field name: f, Old value: o, New value: n").

    As FlexMeasures, only fields whose value differs are noted, with Python's str() of both values
    (so attributes read as a dict, not as the JSON string that was sent).
    """
    from datetime import timedelta

    changes: dict[str, Any] = {}
    notes = []
    for field in [f for f in type(body).model_fields if f in body.model_fields_set]:
        new = getattr(body, field)
        if new is None:
            raise field_error("json", field, "Field may not be null.")
        if field == "event_resolution":
            old = timedelta(minutes=int(sensor.event_resolution_minutes or 0))
            changes["event_resolution_minutes"] = int(new.total_seconds() // 60)
        else:
            old = getattr(sensor, field)
            changes[field] = new
        if old != new:
            notes.append(f"Field name: {field}, Old value: {old}, New value: {new}")
    return changes, notes


def sensors_in_scope(user: Any, args: SensorListArgs) -> list[Any]:
    """GET /sensors: the account's or asset tree's sensors, filtered, each read-checked (contract §7)."""
    from chalicelib.auth import permissions
    from chalicelib.auth.access import owner_of_account
    from chalicelib.store import accounts, assets, sensors

    if args.unit is not None:
        from chalicelib.timeseries.units import is_valid_unit

        if not is_valid_unit(args.unit):
            raise field_error("query", "unit", f"Invalid unit: {args.unit}")
    terms = filter_terms(args.filter)
    asset = None
    if args.asset_id is not None:
        asset = assets.find(args.asset_id)
        if asset is None:
            raise field_error("query", "asset_id", f"No asset found with ID {args.asset_id}.")
    account_id = args.account_id
    if asset is not None and account_id is not None:
        if asset.account_id != account_id:
            raise http_error(422, "Please provide either an account or an asset ID, not both")
        account_id = None
    if asset is not None:
        require_asset(user, "read", asset)
        found = sensors.list_for_assets([asset.id, *assets.offspring_ids(asset.id)])
    else:
        account = None
        if account_id is None:
            account_id = user.account_id
        elif (account := accounts.find(account_id)) is None:
            raise not_found(f"Account {account_id} not found")
        require_account(user, "read", account_id, account)
        account_ids = [account_id]
        if args.include_consultancy_clients and "consultant" in permissions.roles_of(user):
            account_ids += [a.id for a in accounts.clients_of(account_id)]
        found = [s for a in account_ids for s in sensors.list_for_account(a)]
    if args.include_public_assets:
        found += sensors.list_for_assets(a.id for a in assets.list_for_account(None))
    found = sorted({s.id: s for s in found}.values(), key=lambda s: s.id)
    if args.unit is not None:
        found = [s for s in found if s.unit == args.unit]
    owners = accounts.get_many(s.account_id for s in found)
    if terms:
        asset_by_id = sensors.assets_of(found)
        found = [s for s in found if matches_any(
            terms, s.name, getattr(asset_by_id.get(s.generic_asset_id), "name", None),
            getattr(owners.get(s.account_id), "name", None))]
    for sensor in found:
        if not permissions.sensor_permits(user, "read", owner_of_account(sensor.account_id, owners)):
            raise forbidden()
    return found
