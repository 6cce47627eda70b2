"""The regular grid a forecast works on: event starts at one resolution, counted from the forecast start."""
from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import pandas as pd

from chalicelib.forecasting.errors import ForecastError

DAY = pd.Timedelta(days=1)
WEEK = pd.Timedelta(days=7)


def as_resolution(resolution: timedelta | pd.Timedelta | str) -> pd.Timedelta:
    step = pd.Timedelta(resolution)
    if step <= pd.Timedelta(0):
        raise ValueError(f"A forecast needs a positive resolution, not {resolution!r}.")
    return step


def as_aware(moment: datetime | pd.Timestamp | str, name: str) -> pd.Timestamp:
    stamp = pd.Timestamp(moment)
    if stamp.tzinfo is None:
        raise ValueError(f"{name} must be timezone-aware, not {moment!r}.")
    return stamp


def steps_between(start, end, resolution, timezone: str | None = None) -> int:
    """How many events of `resolution` fit exactly in [start, end): the horizon of a forecast request.
    Steps of whole days count calendar days in `timezone` (default: that of `start`), as `event_starts` does."""
    start, end, step = as_aware(start, "start"), as_aware(end, "end"), as_resolution(resolution)
    steps = round((end - start) / step)
    if steps < 1 or event_starts(start, np.array([steps]), step, timezone)[0] != end:
        raise ValueError(f"{start} to {end} is not a positive whole number of {step} steps.")
    return steps


def event_starts(start: pd.Timestamp, offsets: np.ndarray, step: pd.Timedelta, timezone: str | None = None):
    """Event starts `offsets` steps from `start`, in the timezone of `start`. Steps shorter than a day are
    absolute, so a DST day has 23 or 25 hourly events; steps of whole days are calendar days in `timezone`,
    so a daily sensor's events stay at local midnight across a DST change."""
    if step >= DAY and step % DAY == pd.Timedelta(0):
        local = start.tz_convert(timezone) if timezone else start
        days = step // DAY
        stamps = [local + pd.DateOffset(days=int(days * k)) for k in offsets]
        return pd.DatetimeIndex(stamps).tz_convert(start.tz)
    return pd.DatetimeIndex(start + step * np.asarray(offsets))


def forecast_index(start: pd.Timestamp, steps: int, step: pd.Timedelta, timezone: str | None = None):
    """The event starts of a forecast: `steps` events from `start`, named as FlexMeasures names them."""
    return event_starts(start, np.arange(steps), step, timezone).rename("event_start")


def check_event_index(series: pd.Series, name: str) -> None:
    if not isinstance(series.index, pd.DatetimeIndex) or series.index.tz is None:
        raise ValueError(f"{name} needs a timezone-aware DatetimeIndex of event starts.")
    if series.index.has_duplicates:
        raise ValueError(f"{name} has more than one value for an event start; pass one belief per event.")


def first_observed(series: pd.Series, before: pd.Timestamp) -> pd.Timestamp | None:
    observed = series[(series.index < before) & series.notna().to_numpy()]
    return observed.index.min() if len(observed) else None


def grid_index(first: pd.Timestamp, start: pd.Timestamp, steps_after: int, step: pd.Timedelta,
               timezone: str | None = None) -> pd.DatetimeIndex:
    """Event starts on the grid of `start`, from the last one not after `first` to `steps_after` steps on."""
    steps_before = -((first - start) // step)  # ceil in absolute time; a calendar day may need one more
    if event_starts(start, np.array([-steps_before]), step, timezone)[0] > first:
        steps_before += 1
    return event_starts(start, np.arange(-steps_before, steps_after), step, timezone)


def on_grid(series: pd.Series, grid: pd.DatetimeIndex, name: str) -> np.ndarray:
    """The series' values at the grid's event starts (NaN where it has none), as float64.

    Events between grid points mean the series has another resolution or phase than the forecast, which the
    caller must resample first: they are refused rather than silently dropped.
    """
    check_event_index(series, name)
    index = series.index.tz_convert(grid.tz)
    inside = (index >= grid[0]) & (index <= grid[-1])
    off_grid = grid.get_indexer(index[inside]) < 0
    if off_grid.any():
        stray = index[inside][off_grid][0]
        raise ForecastError(f"{name} has an event at {stray.isoformat()}, off the forecast's grid of {_step(grid)} "
                            f"steps ({grid[0].isoformat()} to {grid[-1].isoformat()}); resample it first.")
    values = pd.Series(pd.to_numeric(series.to_numpy(), errors="coerce"), index=index, dtype="float64")
    return values.reindex(grid).to_numpy(dtype="float64")


def _step(grid: pd.DatetimeIndex) -> pd.Timedelta:
    return grid[-1] - grid[-2] if len(grid) > 1 else pd.Timedelta(0)
