"""Turn parsed flex-config values (constants, series, sensor references) into arrays on the grid."""
from __future__ import annotations

from datetime import datetime
from typing import Iterable

import numpy as np

from chalicelib.scheduling import quantities as q
from chalicelib.scheduling.errors import FlexConfigError
from chalicelib.scheduling.grid import Window, duration_ns, edge_fill, place_segments, resample_flow, sample_containing
from chalicelib.scheduling.sources import SensorData, SensorInfo
from chalicelib.timeseries import units


class Resolver:
    """Reads values for one window; tracks the shared currency and collects warnings."""

    def __init__(self, window: Window, data: SensorData, prior: datetime | None, currency: str | None = None):
        self.window = window
        self.data = data
        self.prior = prior
        self.currency = currency
        self.currency_field = "the flex-context"
        self.warnings: list[str] = []

    # --- sensors -------------------------------------------------------------------------------
    def sensor(self, sensor_id: int, field: str) -> SensorInfo:
        return self.data.sensor(sensor_id, field)

    def _events(self, info: SensorInfo, state: bool) -> tuple[np.ndarray, np.ndarray]:
        # Also fetch an event that starts before the window but still covers its start, and (for states)
        # the value at the window's end.
        end = self.window.end + self.window.resolution if state else self.window.end
        return self.data.events(info.id, self.window.start - info.resolution, end, self.prior)

    def _factor(self, info: SensorInfo, target: str, field: str) -> float:
        try:
            return units.conversion_factor(info.unit, target, info.resolution)
        except units.UnitError:
            raise FlexConfigError(field, f"Cannot convert {info.unit} to {target}") from None

    def sensor_flow(self, sensor_id: int, target: str, field: str) -> np.ndarray:
        """A flow-type sensor on the slots, converted to `target` (stock<->flow with the sensor's step)."""
        info = self.sensor(sensor_id, field)
        factor = self._factor(info, target, field)
        times, values = self._events(info, state=False)
        return resample_flow(times, values * factor, duration_ns(info.resolution), self.window)

    def sensor_state(self, sensor_id: int, target: str, field: str) -> np.ndarray:
        """A state-type sensor read as instantaneous values on t_1 … t_N."""
        info = self.sensor(sensor_id, field)
        factor = self._factor(info, target, field)
        times, values = self._events(info, state=True)
        if len(times) == 0:
            return np.full(self.window.n, np.nan)
        order = np.argsort(times, kind="stable")
        return sample_containing(times[order], values[order] * factor, duration_ns(info.resolution),
                                 self.window.stock_ticks_ns())

    # --- values --------------------------------------------------------------------------------
    def flow(self, value: q.Value | None, field: str, unit: str = "MW", overlap: str = "first") -> np.ndarray:
        """A flow-type field (power, ratio) on the slots t_0 … t_{N−1}; NaN where unknown."""
        if isinstance(value, q.SensorRef):
            return self.sensor_flow(value.sensor, unit, field)
        return self._given(value, state=False, overlap=overlap, number_factor=1.0)

    def state(self, value: q.Value | None, field: str, number_factor: float, overlap: str) -> np.ndarray:
        """A state-type field (SoC in MWh) on t_1 … t_N; a bare number is in the default SoC unit."""
        if isinstance(value, q.SensorRef):
            return self.sensor_state(value.sensor, "MWh", field)
        return self._given(value, state=True, overlap=overlap, number_factor=number_factor)

    def _given(self, value: q.Constant | q.Series | None, *, state: bool, overlap: str,
               number_factor: float) -> np.ndarray:
        """A constant or an inline series on the grid (bare numbers times `number_factor`)."""
        n = self.window.n
        if value is None:
            return np.full(n, np.nan)
        factor = number_factor if value.unit is None else 1.0
        if isinstance(value, q.Constant):
            return np.full(n, value.value * factor)
        ticks = self.window.stock_ticks_ns() if state else self.window.slot_starts_ns()
        return place_segments(value.segments, ticks, self.window.step_ns, state=state, overlap=overlap) * factor

    def summed_flows(self, values: Iterable[q.Value] | None, field: str) -> np.ndarray:
        total = np.zeros(self.window.n)
        for value in values or ():
            total += np.nan_to_num(self.flow(value, field), nan=0.0)
        return total

    def price(self, value: q.Value | None, field: str, per: str) -> np.ndarray | None:
        """A price in <cur>/MWh (per="MWh") or <cur>/MW (per="MW"), edge-filled; None if not given."""
        if value is None:
            return None
        if isinstance(value, q.SensorRef):

            info = self.sensor(value.sensor, field)
            currency = units.currency_of(info.unit)
            if currency is not None:
                self.check_currency(currency, field)
            currency = currency or self.currency or "EUR"  # no currency: the conversion below fails clearly
            values = self.sensor_flow(value.sensor, f"{currency}/{per}", field)
        else:
            self.check_currency(value.unit.split("/")[0], field)
            values = self.flow(value, field)
        return edge_fill(values)

    def check_currency(self, currency: str, field: str) -> None:
        if self.currency is None:
            self.currency, self.currency_field = currency, field
        elif currency != self.currency:
            raise FlexConfigError(field, f"Prices must share the same monetary unit. '{field}' uses "
                                         f"'{currency}', but '{self.currency_field}' used '{self.currency}'.")
