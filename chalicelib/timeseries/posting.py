"""Turn a posted series (values spread over start + duration) into beliefs in the sensor's unit (contract §8.1)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from chalicelib.timeseries import resampling, units
from chalicelib.timeseries.calendar import calendar_starts_us, is_calendar, zone_or_utc
from chalicelib.timeseries.beliefs import EARLIEST, LATEST, Beliefs, duration_us, outside_storable_years, to_us

DAY = timedelta(days=1)
METER, PROGNOSIS, PRICE = "PostMeterDataRequest", "PostPrognosisRequest", "PostPriceDataRequest"


class PostingError(ValueError):
    """A 422 on `field` ("_schema" for cross-field problems)."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass
class SensorSpec:
    unit: str
    resolution: timedelta
    timezone: str = "UTC"
    frequency: timedelta | None = None  # the sensor's `frequency` attribute rounds posted starts


def to_beliefs(posted: Any, sensor: SensorSpec, now: datetime, current: bool = False) -> Beliefs:
    """Beliefs (sensor unit, nulls dropped) for a posted series; PostingError on anything invalid.

    `posted` has the posted fields (schemas.sensor_data.PostDataById): values, start, duration,
    unit, horizon, prior, type. [SEED] rules by default: an off-grid start is refused, finer data is
    refused, and units are converted after repetition with the sensor's resolution (so hourly kWh on
    a 15-minute kW sensor comes out 4x). `current` applies [CURRENT]'s rules instead: the start is
    floored onto the grid, finer data is mean-downsampled, and units are converted with the posted
    resolution before resampling.
    """
    import numpy as np


    _check_unit(posted, sensor)
    start = _rounded(posted.start, sensor.frequency)
    values = np.array([np.nan if v is None else float(v) for v in posted.values], dtype="float64")
    step = _posted_step(len(values), posted.duration)
    resolution = sensor.resolution
    if current:
        values = _converted(values, posted, sensor, step)
    if resolution > timedelta(0):
        start = _on_grid(start, resolution, sensor.timezone, floor=current)
        if step > timedelta(0) and step % resolution == timedelta(0):
            if len(values) * (step // resolution) > resampling.MAX_SLOTS:
                raise PostingError("duration", f"The data covers more than {resampling.MAX_SLOTS} events of "
                                               f"{resolution}; post it in smaller parts.")
            values = resampling.repeat_values(values, step // resolution)
        elif current and step > timedelta(0) and resolution % step == timedelta(0) and posted.duration % resolution == timedelta(0):
            values = resampling.mean_of_groups(values, resolution // step)
        else:
            raise PostingError("_schema", f"Resolution of {step} is incompatible with the sensor's required "
                                          f"resolution of {resolution}.")
        spacing = resolution
    else:
        if len(values) > 1 and posted.duration == timedelta(0):
            raise PostingError("_schema", "Cannot save multiple instantaneous values that overlap. That is, two "
                                          "values spanning the same moment (a zero duration). Try sending a single "
                                          "value or defining a non-zero duration.")
        spacing = step
    if is_calendar(spacing):  # daily events start at local midnight, also after a clock change
        starts = calendar_starts_us(start, len(values), spacing, zone_or_utc(sensor.timezone))
    else:
        starts = to_us(start) + np.arange(len(values), dtype="int64") * duration_us(spacing)
    keep = ~np.isnan(values)
    starts, values = starts[keep], values[keep]
    if not current:
        values = _converted(values, posted, sensor, resolution or step)
    belief_times = _belief_times(posted, starts, duration_us(resolution), now)
    if outside_storable_years(starts) or outside_storable_years(belief_times):
        raise PostingError("_schema", f"Data can be stored for the years {EARLIEST.year} to {LATEST.year - 1} "
                                      "only (event starts and belief times).")
    _check_type_timing(posted.type, starts + duration_us(resolution) - belief_times)
    return Beliefs.of(starts, belief_times, values)


def _converted(values, posted: Any, sensor: SensorSpec, step: timedelta):
    import numpy as np


    try:
        return np.asarray(units.convert(values, posted.unit, sensor.unit, step), dtype="float64")
    except units.UnitError:
        raise _incompatible_unit(posted, sensor) from None


def _posted_step(n: int, duration: timedelta) -> timedelta:
    if duration < timedelta(0):
        raise PostingError("duration", "Duration must not be negative.")
    step = duration / n
    if step * n != duration:
        raise PostingError("_schema", f"A duration of {duration} cannot be divided evenly over {n} values.")
    return step


def _rounded(start: datetime, frequency: timedelta | None) -> datetime:
    if not frequency:
        return start
    offset = to_us(start) % duration_us(frequency)
    nearest = offset if offset * 2 < duration_us(frequency) else offset - duration_us(frequency)
    return start - timedelta(microseconds=int(nearest))


def _on_grid(start: datetime, resolution: timedelta, timezone: str, floor: bool) -> datetime:
    """The start, which must lie on the sensor's grid counted from midnight in the sensor's timezone or in
    the start's own offset; off-grid starts are refused, or floored onto the sensor-timezone grid."""
    if resolution > DAY or DAY % resolution:
        return start
    candidates = []
    try:
        from zoneinfo import ZoneInfo

        candidates.append(start.astimezone(ZoneInfo(timezone)))
    except Exception:  # noqa: BLE001 - an unknown sensor timezone ([SEED] does not validate it)
        pass
    candidates.append(start)
    for local in candidates:
        if _since_midnight(local) % resolution == timedelta(0):
            return start
    if floor:
        return start - _since_midnight(candidates[0]) % resolution
    raise PostingError("start", f"Start {start.isoformat()} does not lie on the sensor's grid of {resolution} steps.")


def _since_midnight(local: datetime) -> timedelta:
    return local - local.replace(hour=0, minute=0, second=0, microsecond=0)


def _check_unit(posted: Any, sensor: SensorSpec) -> None:
    if not units.is_valid_unit(posted.unit) or not units.is_convertible(posted.unit, sensor.unit):
        raise _incompatible_unit(posted, sensor)
    if posted.type in (METER, PROGNOSIS) and not units.is_convertible(posted.unit, "MW"):
        raise PostingError("_schema", f"Unit {posted.unit} is not a power or energy unit, as {posted.type} needs.")
    if posted.type == PRICE and not units.is_energy_price_unit(posted.unit):
        raise PostingError("_schema", f"Unit {posted.unit} is not an energy price unit (e.g. EUR/MWh).")


def _incompatible_unit(posted: Any, sensor: SensorSpec) -> PostingError:
    return PostingError("_schema", f"Required unit for this sensor is {sensor.unit}, got incompatible unit: "
                                   f"{posted.unit}")


def _belief_times(posted: Any, starts, resolution_us: int, now: datetime):
    """prior, else knowledge time minus horizon (knowledge time = event end), else now."""
    import numpy as np

    if posted.prior is not None:
        return np.full(len(starts), to_us(posted.prior), dtype="int64")
    if posted.horizon is not None:
        return starts + resolution_us - duration_us(posted.horizon)
    return np.full(len(starts), to_us(now), dtype="int64")


def _check_type_timing(kind: str | None, horizons_us) -> None:
    if kind == METER and (horizons_us > 0).any():
        raise PostingError("_schema", "Meter data must lie in the past.")
    if kind == PROGNOSIS and (horizons_us < 0).any():
        raise PostingError("_schema", "Prognoses must lie in the future.")
