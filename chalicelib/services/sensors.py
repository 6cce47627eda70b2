"""What the sensor endpoints do: scoped listings, create/update/delete with audit rows, stats, status."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from chalicelib.auth import permissions
from chalicelib.auth.access import owner_of_account, require_account, require_asset
from chalicelib.errors import ApiError, field_error, forbidden, http_error
from chalicelib.schemas.common import isoformat, utcnow
from chalicelib.schemas.durations import format_duration, parse_duration
from chalicelib.schemas.sensors import (DataDeletion, SensorCreate, SensorListArgs, SensorPatch,
                                        resolution_of, zone_of)
from chalicelib.services.listing import filter_terms, matches_any
from chalicelib.services import flex_config
from chalicelib.services.loaders import account_or_404, asset_or_422
from chalicelib.store import accounts, assets, audit, beliefs, sensors, sources
from chalicelib.store.errors import DuplicateError
from chalicelib.timeseries import units
from chalicelib.timeseries.stats import stats_by_source
from chalicelib.timeseries.status import specs_for, statuses


def asset_for_new_sensor(body: SensorCreate) -> Any:
    return asset_or_422(body.generic_asset_id, "json", "generic_asset_id",
                        f"Generic asset with id {body.generic_asset_id} doesn't exist.")


def create(user: Any, asset: Any, body: SensorCreate) -> Any:
    """A new sensor on `asset`; audited."""
    try:
        sensor = sensors.create(asset, body.name, body.unit, int(body.event_resolution.total_seconds() // 60),
                                body.timezone, body.attributes)
    except DuplicateError:
        raise _name_taken(body.name, asset.id) from None
    audit.record_asset_event(f"Created sensor '{sensor.name}': {sensor.id}", asset.id, user)
    return sensor


def update(user: Any, sensor: Any, body: SensorPatch) -> Any:
    """Apply the sent fields; always one audit row, even when nothing changed (contract §10)."""
    changes, notes = _sensor_changes(sensor, body)
    name_before = sensor.name
    try:
        sensors.update(sensor, changes)
    except DuplicateError:
        raise _name_taken(changes["name"], sensor.generic_asset_id) from None
    audit.record_asset_event(f"Updated sensor '{name_before}': {sensor.id}. Updated fields: " + "; ".join(notes),
                             sensor.generic_asset_id, user)
    return sensor


def delete(user: Any, sensor: Any) -> None:
    audit.record_asset_event(f"Deleted sensor '{sensor.name}': {sensor.id}", sensor.generic_asset_id, user)
    sensors.delete(sensor)
    flex_config.forget_sensor(sensor, user)


def delete_data(user: Any, sensor: Any, body: DataDeletion) -> None:
    """Delete the sensor's beliefs (of one source, in a window, when the [CURRENT] body says so); audited."""
    beliefs.delete_beliefs(sensor.id, body.source, body.start, body.until)
    scope = [f"{k}: {v.isoformat() if hasattr(v, 'isoformat') else v}"
             for k, v in (("source", body.source), ("start", body.start), ("until", body.until)) if v is not None]
    event = f"Deleted data for sensor '{sensor.name}': {sensor.id}" + (f" ({', '.join(scope)})" if scope else "")
    audit.record_asset_event(event, sensor.generic_asset_id, user)


def stats(sensor: Any, start: datetime | None, end: datetime | None, sort: bool) -> dict[str, Any]:
    """Per-source statistics, keyed "<source description> (ID: <id>)" (contract §7.1)."""
    if start is None and end is None:
        found = beliefs.read_all_beliefs(sensor.id)
    else:
        found = beliefs.read_beliefs(sensor.id, start or datetime(1970, 1, 1, tzinfo=timezone.utc),
                                     end or datetime(9999, 1, 1, tzinfo=timezone.utc))
    by_source = stats_by_source(found, resolution_of(sensor), zone_of(sensor))
    known = sources.get_many(by_source)
    out = {f"{sources.description(known[sid]) if sid in known else 'unknown source'} (ID: {sid})": block
           for sid, block in by_source.items()}
    return dict(sorted(out.items())) if sort else out


def status(sensor: Any) -> list[dict[str, Any]]:
    """Staleness per source type, with the sensor's identity and relation to its asset (contract §7.2)."""
    found = beliefs.read_all_beliefs(sensor.id)
    known = sources.get_many(set(found.source_id.tolist()))
    specs = specs_for(resolution_of(sensor), (sensor.attributes or {}).get("status_specs"), parse_duration)
    items = statuses(found, {sid: s.type for sid, s in known.items()}, resolution_of(sensor), specs, utcnow(),
                     timezone.utc)
    asset = assets.find(sensor.generic_asset_id)
    # ISO durations and times, as FlexMeasures 1.0 shows them (the seed's code humanized them).
    about = {"id": sensor.id, "name": sensor.name, "resolution": format_duration(resolution_of(sensor)),
             "asset_name": getattr(asset, "name", None), "relation": _relation(sensor, asset)}
    return [{**item, "staleness": None if item["staleness"] is None else format_duration(item["staleness"]),
             "staleness_since": isoformat(item["staleness_since"]), **about} for item in items]


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


def _name_taken(name: str, asset_id: int) -> ApiError:
    return field_error("json", "name", f"A sensor with the name '{name}' already exists under asset {asset_id}.")


def _sensor_changes(sensor: Any, body: SensorPatch) -> tuple[dict[str, Any], list[str]]:
    """Stored field changes and the audit notes ("Field name: f, Old value: o, New value: n").

    As FlexMeasures, only fields whose value differs are noted, with Python's str() of both values
    (so attributes read as a dict, not as the JSON string that was sent).
    """
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
    """GET /sensors: the account's or asset tree's sensors, filtered, each read-checked (contract §7).

    The scope depends on the arguments, so the permission checks happen here, on what the scope holds.
    """
    if args.unit is not None:
        if not units.is_valid_unit(args.unit):
            raise field_error("query", "unit", f"Invalid unit: {args.unit}")
    terms = filter_terms(args.filter)
    asset = None if args.asset_id is None else asset_or_422(args.asset_id, "query", "asset")
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
        else:
            account = account_or_404(account_id)
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
            getattr(owners.get(s.account_id), "name", None), item_id=s.id)]
    for sensor in found:
        if not permissions.sensor_permits(user, "read", owner_of_account(sensor.account_id, owners)):
            raise forbidden()
    return found
