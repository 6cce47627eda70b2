"""Solver results as schedules in each sensor's unit and resolution, SoC curves and cost summaries (§8)."""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

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


def soc_constraint_analysis(device: Device, power_mw: np.ndarray, window: Window) -> tuple[dict, dict]:
    """FlexMeasures 1.0's analysis of a device's soc-minima / soc-maxima against its SoC schedule, on t_1 … t_N
    (t_0 is the given soc-at-start): ({field: [{"datetime", "violation"}]} for violated slots, {field:
    [{"datetime", "margin"}]} for a field met everywhere), in kWh rounded to 6 decimals; empty without them."""
    if device.stock is None:
        return {}, {}
    soc = soc_curve(device, power_mw, window.hours)[1:]
    unresolved, resolved = {}, {}
    for field, bounds, sign in (("soc-minima", device.soc_minima, 1), ("soc-maxima", device.soc_maxima, -1)):
        if bounds is None or np.isnan(bounds).all():
            continue
        defined = ~np.isnan(bounds)
        # Shortage below a minimum, or excess above a maximum; a tiny solver tolerance is no violation.
        excess = np.where(defined, sign * (bounds - soc), np.nan)
        violated = defined & (excess > 1e-9)
        if violated.any():
            unresolved[field] = _slots(window, violated, excess, "violation")
        else:
            resolved[field] = _slots(window, defined, -excess, "margin")
    return unresolved, resolved


def _slots(window: Window, which: np.ndarray, mwh: np.ndarray, key: str) -> list[dict]:
    return [{"datetime": (window.start + (j + 1) * window.resolution).astimezone(timezone.utc).isoformat(),
             key: f"{round(float(max(mwh[j], 0.0)) * 1000, 6)} kWh"} for j in np.flatnonzero(which)]


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
