"""Assets and sensors for the sensor and sensor-data tests, made through the store (not the API under test)."""
from __future__ import annotations

from chalicelib.store import asset_types, assets, sensors


def make_asset(account_id: int | None, name: str = "site", parent_asset_id: int | None = None):
    kind = asset_types.create(f"type for {name} {account_id} {parent_asset_id}")
    return assets.create(name=name, generic_asset_type_id=kind.id, account_id=account_id,
                         parent_asset_id=parent_asset_id)


def make_sensor(asset, name: str = "power", unit: str = "kW", minutes: int = 15, timezone: str = "UTC",
                attributes: dict | None = None):
    return sensors.create(asset, name, unit, minutes, timezone, attributes)
