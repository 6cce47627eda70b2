"""State-of-charge settings and stock bounds of one storage device (§3.1, §5.3) and their validation (§7)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np

from chalicelib.scheduling import quantities as q
from chalicelib.scheduling.errors import ConstraintValidationError, FlexConfigError
from chalicelib.scheduling.flex_model import StorageFlexModel
from chalicelib.scheduling.sources import SensorInfo
from chalicelib.schemas.common import parse_aware_datetime
from chalicelib.timeseries import units


@dataclass(frozen=True)
class SocSettings:
    """SoC scalars in MWh; `number_factor` turns a bare SoC number into MWh."""

    s0: float | None
    soc_min: float | None
    soc_max: float | None
    number_factor: float


def default_soc_unit(model: StorageFlexModel, sensor: SensorInfo) -> str:
    """soc-unit, else the power sensor's unit as energy (kW -> kWh; kWh kept), else MWh."""
    if model.soc_unit:
        return model.soc_unit

    candidate = sensor.unit if units.is_energy_unit(sensor.unit) else f"{sensor.unit}h"
    # e.g. "MVA" is a power unit, but "MVAh" is not a unit pint knows
    return candidate if units.is_energy_unit(candidate) else "MWh"


def soc_settings(model: StorageFlexModel, sensor: SensorInfo, *, sensor_trigger: bool,
                 start: datetime | None = None) -> SocSettings:
    """s0, soc-min and soc-max with FlexMeasures v0.28's defaults; FlexConfigError names the field.

    Sensor trigger: s0 defaults to attr soc_in_mwh if attr soc_datetime is `start`, else 0; soc-min to attr min_soc_in_mwh, else 0; soc-max to
    attr max_soc_in_mwh, else the largest soc-target. Asset trigger: a device without soc-at-start has no stock
    (then SoC constraints are an error, not silently dropped as v0.28 does).
    """

    factor = units.conversion_factor(default_soc_unit(model, sensor), "MWh")

    def mwh(value: q.Constant | None) -> float | None:
        if value is None:
            return None
        return value.value * (factor if value.unit is None else 1.0)

    s0 = mwh(model.soc_at_start)
    if s0 is None and sensor_trigger:
        s0 = _soc_attribute(sensor, start)
    soc_fields = ("soc_min", "soc_max", "soc_minima", "soc_maxima", "soc_targets")
    if s0 is None:
        for name in soc_fields:
            if getattr(model, name) is not None:
                raise FlexConfigError("soc-at-start", f"Sensor {sensor.id} has state-of-charge constraints "
                                                      "but no soc-at-start.")
        return SocSettings(None, None, None, factor)
    soc_min = mwh(model.soc_min)
    if soc_min is None:
        soc_min = float(sensor.attribute("min_soc_in_mwh", 0.0) or 0.0)
    soc_max = mwh(model.soc_max)
    if soc_max is None:
        soc_max = sensor.attribute("max_soc_in_mwh")
    if soc_max is None and isinstance(model.soc_targets, q.Series):
        soc_max = max(segment.value for segment in model.soc_targets.segments) * (
            factor if model.soc_targets.unit is None else 1.0)
    if soc_max is None:
        raise FlexConfigError("soc-max", "Need maximal permitted state of charge, please specify soc-max or "
                                         "some soc-targets.")
    if soc_max < soc_min:
        raise FlexConfigError("soc-max", f"soc-max ({soc_max} MWh) must not be below soc-min ({soc_min} MWh).")
    return SocSettings(s0, soc_min, float(soc_max), factor)


def _soc_attribute(sensor: SensorInfo, start: datetime | None) -> float:
    """The legacy attributes soc_in_mwh / soc_datetime, if they describe the SoC at `start`; else 0."""

    value, moment = sensor.attribute("soc_in_mwh"), sensor.attribute("soc_datetime")
    if value is None or moment is None or start is None:
        return 0.0
    try:
        return float(value) if parse_aware_datetime(moment) == start else 0.0
    except (TypeError, ValueError):
        return 0.0


@dataclass
class StockColumns:
    """Relative stock constraints in stock units (MWh·σ) on the rows j = stock at the end of slot j."""

    minimum: np.ndarray
    maximum: np.ndarray
    equals: np.ndarray
    m_min: float
    m_max: float

    def lp_bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """(Smin, Smax): min/max clipped to [m_min, m_max]; targets clipped into [min, max]."""
        lo = np.clip(self.minimum, self.m_min, self.m_max)
        hi = np.clip(self.maximum, self.m_min, self.m_max)
        eq = self.equals
        with np.errstate(invalid="ignore"):
            s_max = np.fmin(hi, np.where(np.isnan(eq), np.nan, np.fmax(eq, lo)))
            s_min = np.fmax(lo, np.where(np.isnan(eq), np.nan, np.fmin(eq, hi)))
        return np.nan_to_num(s_min, nan=-np.inf), np.nan_to_num(s_max, nan=np.inf)


def validate_stock(columns: StockColumns, p_min: np.ndarray, p_max: np.ndarray, eta_c: np.ndarray,
                   eta_d: np.ndarray, eta_s: np.ndarray, gain: np.ndarray, tick_label,
                   sigma: float, s0: float) -> None:
    """Pre-solve checks (§7, recommended variant: stock changes against the power per step, in stock units,
    through the efficiencies; reachability only where nothing leaks). Raises ConstraintValidationError."""
    r = lambda a: np.round(a, 6)  # noqa: E731 - FlexMeasures compares values rounded to 6 decimals
    lo, hi, eq = r(columns.minimum), r(columns.maximum), r(columns.equals)
    m_min, m_max = round(columns.m_min, 6), round(columns.m_max, 6)
    issues: list[str] = []

    def report(mask: np.ndarray, text) -> None:
        for j in np.flatnonzero(mask):
            issues.append(f"t={tick_label(j)} | {text(j)}")

    with np.errstate(invalid="ignore"):
        report(lo > m_max, lambda j: f"min({lo[j] / sigma + s0:g} MWh) <= soc-max({m_max / sigma + s0:g} MWh)")
        report(hi < m_min, lambda j: f"max({hi[j] / sigma + s0:g} MWh) >= soc-min({m_min / sigma + s0:g} MWh)")
        report(eq < m_min, lambda j: f"equals({eq[j] / sigma + s0:g} MWh) >= soc-min({m_min / sigma + s0:g} MWh)")
        report(eq > m_max, lambda j: f"equals({eq[j] / sigma + s0:g} MWh) <= soc-max({m_max / sigma + s0:g} MWh)")
        report(lo > hi, lambda j: f"min({lo[j] / sigma + s0:g} MWh) <= max({hi[j] / sigma + s0:g} MWh)")
        report(eq < lo, lambda j: f"min({lo[j] / sigma + s0:g} MWh) <= equals({eq[j] / sigma + s0:g} MWh)")
        report(eq > hi, lambda j: f"equals({eq[j] / sigma + s0:g} MWh) <= max({hi[j] / sigma + s0:g} MWh)")
        lossless = eta_s >= 1
        up = r(np.maximum(p_max, 0) * eta_c + gain)
        down = r(np.minimum(p_min, 0) / np.where(eta_d > 0, eta_d, np.inf) + gain)
        previous = lambda col, first: np.concatenate(([first], col[:-1]))  # noqa: E731
        eq_prev, lo_prev, hi_prev = previous(eq, 0.0), previous(lo, 0.0), previous(hi, 0.0)
        for label, rise in (("equals - previous equals", eq - eq_prev), ("min - previous max", lo - hi_prev),
                            ("equals - previous max", eq - hi_prev)):
            report(lossless & (r(rise) > up),
                   lambda j, label=label, rise=rise: f"{label} ({rise[j] / sigma:g} MWh) <= reachable "
                                                     f"({up[j] / sigma:g} MWh)")
        for label, fall in (("equals - previous equals", eq - eq_prev), ("max - previous min", hi - lo_prev),
                            ("equals - previous min", eq - lo_prev)):
            report(lossless & (r(fall) < down),
                   lambda j, label=label, fall=fall: f"{label} ({fall[j] / sigma:g} MWh) >= reachable "
                                                     f"({down[j] / sigma:g} MWh)")
    if issues:
        raise ConstraintValidationError(
            "The input data yields an infeasible problem. Constraint validation has found the following "
            "issues:\n" + "\n".join(issues))
