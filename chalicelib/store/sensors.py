"""Sensors: look up and list by asset (GSI query)."""
from __future__ import annotations

from chalicelib.store.models import Sensor


def find(sensor_id: int) -> Sensor | None:
    try:
        return Sensor.get(int(sensor_id))
    except Sensor.DoesNotExist:
        return None


def list_for_asset(asset_id: int) -> list[Sensor]:
    """The asset's direct sensors, id ascending."""
    return list(Sensor.by_asset.query(int(asset_id)))
