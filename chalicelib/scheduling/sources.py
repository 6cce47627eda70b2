"""What the scheduling core needs from storage, injected: sensor metadata and sensor data readers."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Callable, Optional

from chalicelib.scheduling.errors import UnknownSensorError

if TYPE_CHECKING:
    import numpy as np


@dataclass(frozen=True)
class SensorInfo:
    id: int
    unit: str
    resolution: timedelta  # event resolution; timedelta(0) for instantaneous sensors
    # Read: consumption_is_positive, capacity_in_mw, is_strictly_non_positive, is_strictly_non_negative,
    # soc_in_mwh + soc_datetime, min_soc_in_mwh, max_soc_in_mwh (FlexMeasures v0.28's legacy attributes).
    attributes: dict = field(default_factory=dict)

    def attribute(self, name: str, default: Any = None) -> Any:
        return self.attributes.get(name, default)


# lookup(sensor_id) -> SensorInfo, or None if the sensor does not exist (or is not the caller's to use).
Lookup = Callable[[int], Optional[SensorInfo]]
# reader(sensor_id, start, end, prior) -> pandas Series (or None when there is no data) indexed by tz-aware event
# start, holding the latest belief per event recorded before `prior` (None: now), values in the sensor's own
# unit, for the events starting in [start, end). The core asks from one sensor resolution before the window
# (an event covering its start) and, for state-type readings, up to one step after its end.
Reader = Callable[[int, datetime, datetime, Optional[datetime]], Any]


@dataclass(frozen=True)
class SensorData:
    lookup: Lookup
    reader: Reader

    def sensor(self, sensor_id: int, field: str) -> SensorInfo:
        """The sensor's metadata; UnknownSensorError on `field` when it does not exist."""
        info = self.lookup(sensor_id)
        if info is None:
            raise UnknownSensorError(field, sensor_id)
        return info

    def events(self, sensor_id: int, start: datetime, end: datetime,
               prior: datetime | None) -> tuple[np.ndarray, np.ndarray]:
        """(event starts as UTC epoch ns, float values) from the injected reader."""
        # numpy only here: the API's trigger checks import this port (through store/solver_data.py) for SensorInfo.
        import numpy as np

        series = self.reader(sensor_id, start, end, prior)
        if series is None or len(series) == 0:
            return np.empty(0, dtype=np.int64), np.empty(0)
        index = series.index
        if index.tz is None:
            raise ValueError(f"The reader returned naive timestamps for sensor {sensor_id}.")
        times = index.tz_convert("UTC").as_unit("ns").asi8
        values = np.asarray(series.to_numpy(dtype=float, na_value=np.nan), dtype=float)
        return times, values

    def with_overrides(self, sensors: dict[int, tuple[SensorInfo, Any]]) -> "SensorData":
        """The same data, with some sensors answered from memory (sequential scheduling)."""

        def lookup(sensor_id: int) -> SensorInfo | None:
            return sensors[sensor_id][0] if sensor_id in sensors else self.lookup(sensor_id)

        def reader(sensor_id: int, start: datetime, end: datetime, prior: datetime | None):
            if sensor_id in sensors:
                return sensors[sensor_id][1]
            return self.reader(sensor_id, start, end, prior)

        return SensorData(lookup, reader)
