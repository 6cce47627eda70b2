"""Sensors: create (name unique per asset), update, delete with their beliefs, list by asset (GSI query)."""
from __future__ import annotations

from typing import Any, Iterable

from chalicelib.store import annotations, beliefs
from chalicelib.store.ids import next_id
from chalicelib.store.models import Asset, Sensor
from chalicelib.store.uniques import claim_key, release, write_with_claims


def _name_claim(asset_id: int, name: str) -> str:
    return claim_key("sensor-name", f"{int(asset_id)}#{name}")


def find(sensor_id: int) -> Sensor | None:
    return Sensor.get_or_none(int(sensor_id))


def get_many(ids: Iterable[int]) -> dict[int, Sensor]:
    return Sensor.batch_by_id(ids)


def list_for_asset(asset_id: int) -> list[Sensor]:
    """The asset's direct sensors, id ascending."""
    return list(Sensor.by_asset.query(int(asset_id)))


def list_for_account(account_id: int) -> list[Sensor]:
    """Every sensor on the account's assets, in one paged query (the sparse by-account index), id ascending."""
    return list(Sensor.by_account.query(int(account_id)))


def list_for_assets(asset_ids: Iterable[int]) -> list[Sensor]:
    """The direct sensors of several assets (one GSI query each), id ascending."""
    return sorted((s for a in dict.fromkeys(int(i) for i in asset_ids) for s in list_for_asset(a)),
                  key=lambda s: s.id)


def create(asset: Any, name: str, unit: str, event_resolution_minutes: int, timezone: str = "UTC",
           attributes: dict | None = None) -> Sensor:
    """A new sensor on `asset`; DuplicateError when the asset already has a sensor of that name."""
    sensor = Sensor(next_id("sensor"), name=name, unit=unit, timezone=timezone,
                    event_resolution_minutes=int(event_resolution_minutes), attributes=dict(attributes or {}),
                    generic_asset_id=int(asset.id), account_id=asset.account_id)
    write_with_claims(lambda tx: tx.save(sensor), [_name_claim(asset.id, name)], owner=str(sensor.id))
    return sensor


def update(sensor: Sensor, changes: dict[str, Any]) -> Sensor:
    """Apply field changes (name, unit, timezone, event_resolution_minutes, attributes); renames keep names unique."""
    old_name = sensor.name
    for field, value in changes.items():
        setattr(sensor, field, value)
    if sensor.name != old_name:
        write_with_claims(lambda tx: tx.save(sensor), [_name_claim(sensor.generic_asset_id, sensor.name)],
                          releases=[_name_claim(sensor.generic_asset_id, old_name)], owner=str(sensor.id))
    else:
        sensor.save()
    return sensor


def delete(sensor: Sensor) -> None:
    """Delete the sensor, its beliefs, the annotations on it and its name claim."""

    beliefs.delete_all(sensor.id)
    annotations.take_all_off(annotations.subject("sensor", sensor.id))
    sensor.delete()
    release([_name_claim(sensor.generic_asset_id, sensor.name)])


def assets_of(sensors: Iterable[Sensor]) -> dict[int, Any]:
    """The assets the sensors sit on, by id (one batch read)."""
    return Asset.batch_by_id(s.generic_asset_id for s in sensors)
