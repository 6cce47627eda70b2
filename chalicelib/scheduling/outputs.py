"""Solver results as schedules in each sensor's unit and resolution, SoC curves and cost summaries (§8)."""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

from chalicelib.scheduling.grid import Window, resample_flow
from chalicelib.scheduling.problem import Device
from chalicelib.scheduling.sources import SensorInfo
from chalicelib.schemas.durations import format_duration
from chalicelib.timeseries import units


@dataclass(frozen=True)
class SensorSchedule:
    """Values for one sensor: consumption positive, in the sensor's unit, one per `step` from `start`.

    SoC schedules are instantaneous (event resolution 0): N+1 values at start, start+Δt, … end.
    """

    sensor: SensorInfo
    start: datetime
    step: timedelta
    values: list[float]
    instantaneous: bool = False

    @property
    def resolution(self) -> timedelta:
        return timedelta(0) if self.instantaneous else self.step

    def event_starts(self) -> list[datetime]:
        return [self.start + i * self.step for i in range(len(self.values))]

    def to_json(self) -> dict:
        return {"sensor": self.sensor.id, "unit": self.sensor.unit, "start": self.start.isoformat(),
                "resolution": format_duration(self.resolution), "values": self.values}


def power_schedule(device: Device, power_mw: np.ndarray, window: Window, resample: bool) -> SensorSchedule:
    """MW -> the sensor unit (an energy unit gets the energy per event), mean-resampled to the sensor's
    resolution when `resample` (asset jobs), rounded to 6 decimals."""

    sensor = device.sensor
    resolution = window.resolution
    values = power_mw
    if resample and sensor.resolution > window.resolution:
        resolution = sensor.resolution
        coarse = Window(window.start, window.start + math.ceil((window.end - window.start) / resolution) * resolution,
                        resolution)
        values = resample_flow(window.slot_starts_ns(), values, window.step_ns, coarse)
    values = values * units.conversion_factor("MW", sensor.unit, resolution)
    return SensorSchedule(sensor, window.start, resolution, _rounded(values))


def soc_schedule(device: Device, power_mw: np.ndarray, window: Window) -> SensorSchedule | None:
    """N+1 SoC values at start, start+Δt, … end, in the state-of-charge sensor's unit."""
    if device.soc_sensor is None or device.stock is None:
        return None

    soc_mwh = soc_curve(device, power_mw, window.hours)
    factor = units.conversion_factor("MWh", device.soc_sensor.unit)
    return SensorSchedule(device.soc_sensor, window.start, window.resolution, _rounded(soc_mwh * factor),
                          instantaneous=True)


def soc_curve(device: Device, power_mw: np.ndarray, h: float) -> np.ndarray:
    """s_{j+1} = η s_j + Δ_j (η − 1)/ln η, Δ_j = (P⁺η⁺ + P⁻/η⁻ + g)·h, in MWh."""
    stock = device.stock
    delta = np.where(power_mw > 0, power_mw * stock.eta_c, power_mw / stock.eta_d) * h + stock.gain * h
    eta = stock.eta_s
    with np.errstate(divide="ignore", invalid="ignore"):
        decay = np.where((eta == 1) | (eta == 0), 1.0, (eta - 1) / np.log(np.where(eta > 0, eta, 1.0)))
    soc = np.empty(len(power_mw) + 1)
    soc[0] = stock.settings.s0
    for j in range(len(power_mw)):
        soc[j + 1] = eta[j] * soc[j] + delta[j] * decay[j]
    return soc


def _rounded(values: np.ndarray) -> list[float]:
    return [float(v) + 0.0 for v in np.round(values, 6)]  # + 0.0 turns -0.0 into 0.0


def stored_sign(sensor: SensorInfo) -> int:
    """§10.3 (v0.28): power sensors store production positive unless marked otherwise; GET flips it back."""

    if units.is_power_unit(sensor.unit) and sensor.attribute("consumption_is_positive", True):
        return -1
    return 1


TIE_BREAK_PREFIX = "prefer "


def cost_summary(costs: dict[str, float]) -> dict[str, float]:
    """energy, breach (site, device and SoC), peak, total (= their sum; tie-breakers are reported apart)."""
    energy = sum(v for k, v in costs.items() if k == "energy")
    peak = sum(v for k, v in costs.items() if k.endswith(" peak"))
    breach = sum(v for k, v in costs.items() if "breach" in k or k.startswith(("any soc ", "all soc ")))
    tie_breaks = sum(v for k, v in costs.items() if k.startswith(TIE_BREAK_PREFIX))
    return {"energy": energy, "breach": breach, "peak": peak, "total": energy + breach + peak,
            "tie-breakers": tie_breaks}
