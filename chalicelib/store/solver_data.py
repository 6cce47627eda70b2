"""The DynamoDB adapter of the scheduling core's data port: stored sensors as the core's SensorInfo."""
from __future__ import annotations

from datetime import timedelta
from typing import Any


def sensor_info(sensor: Any):
    from chalicelib.scheduling.sources import SensorInfo

    return SensorInfo(int(sensor.id), sensor.unit, timedelta(minutes=int(sensor.event_resolution_minutes or 0)),
                      dict(sensor.attributes or {}))
