"""The in-memory adapter of the core's data port: sensors and their values given as a map (problem files, tests)."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd

from chalicelib.scheduling.sources import SensorData, SensorInfo
from chalicelib.schemas.common import parse_aware_datetime
from chalicelib.schemas.durations import parse_duration


def sensor_data_from_map(sensors: dict[str, Any]) -> SensorData:
    """SensorData answering from a map of sensor id to {"unit", "event_resolution", "start", "values",
    "step"?, "attributes"?} (a problem file's "sensors")."""
    infos: dict[int, SensorInfo] = {}
    series: dict[int, Any] = {}
    for key, spec in sensors.items():
        sensor_id = int(key)
        resolution = parse_duration(spec.get("event_resolution", "PT0M"))
        infos[sensor_id] = SensorInfo(sensor_id, spec.get("unit", ""), resolution, dict(spec.get("attributes") or {}))
        values = spec.get("values") or []
        if values:
            step = parse_duration(spec["step"]) if "step" in spec else resolution
            if step <= timedelta(0):
                raise ValueError(f"Sensor {sensor_id} is instantaneous: give its values' spacing as \"step\".")
            start = parse_aware_datetime(spec["start"])
            index = pd.date_range(start, periods=len(values), freq=step)
            series[sensor_id] = pd.Series(np.array(values, dtype=float), index=index)

    def reader(sensor_id: int, start: datetime, end: datetime, prior: datetime | None):
        data = series.get(sensor_id)
        if data is None:
            return None
        return data[(data.index >= start) & (data.index < end)]

    return SensorData(infos.get, reader)
