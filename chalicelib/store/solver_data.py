"""The DynamoDB adapter of the scheduling core's data port: stored sensors and their latest beliefs."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from chalicelib.scheduling.sources import SensorData, SensorInfo
from chalicelib.store import beliefs, sensors
from chalicelib.store.models import Sensor


def sensor_info(sensor: Sensor) -> SensorInfo:
    """A stored sensor as the scheduling core sees it."""
    return SensorInfo(int(sensor.id), sensor.unit, timedelta(minutes=int(sensor.event_resolution_minutes or 0)),
                      dict(sensor.attributes or {}))


class StoredSensors:
    """The core's SensorData (`sensor_data`) over the store, for one job. Each sensor item is read once, on first
    use, and kept: the worker writes the job's results onto the items the solve already read."""

    def __init__(self) -> None:
        self._items: dict[int, Sensor | None] = {}
        self.sensor_data = SensorData(self.lookup, self.read)

    def item(self, sensor_id: int) -> Sensor | None:
        """The stored sensor, or None when it does not exist."""
        sensor_id = int(sensor_id)
        if sensor_id not in self._items:
            self._items[sensor_id] = sensors.find(sensor_id)
        return self._items[sensor_id]

    def lookup(self, sensor_id: int) -> SensorInfo | None:
        found = self.item(sensor_id)
        return None if found is None else sensor_info(found)

    def read(self, sensor_id: int, start: datetime, end: datetime, prior: datetime | None) -> Any:
        """The latest belief per event before `prior`, as the port's reader returns them."""
        import pandas as pd

        found = self.item(sensor_id)
        if found is None:
            return None
        latest = beliefs.read_latest(found, start, end, prior=prior)
        if not len(latest):
            return None
        return pd.Series(latest.value, index=pd.to_datetime(latest.event_start, unit="us", utc=True))
