"""The regular grid a forecast works on: event starts at one resolution, counted from the forecast start."""
from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import pandas as pd

from chalicelib.forecasting.errors import ForecastError


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


def steps_between(start, end, resolution) -> int:
    """How many events of `resolution` fit exactly in [start, end): the horizon of a forecast request."""
    span = as_aware(end, "end") - as_aware(start, "start")
    step = as_resolution(resolution)
    if span <= pd.Timedelta(0) or span % step:
        raise ValueError(f"{start} to {end} is not a positive whole number of {step} steps.")
    return int(span // step)


def forecast_index(start: pd.Timestamp, steps: int, resolution: pd.Timedelta, name: str = "event_start"):
    """Event starts of the forecast, in the timezone of `start` (absolute steps, so DST days keep 23 or 25 hours)."""
    return pd.DatetimeIndex(start + resolution * np.arange(steps), name=name)


def check_event_index(series: pd.Series, name: str) -> None:
    if not isinstance(series.index, pd.DatetimeIndex) or series.index.tz is None:
        raise ValueError(f"{name} needs a timezone-aware DatetimeIndex of event starts.")
    if series.index.has_duplicates:
        raise ValueError(f"{name} has more than one value for an event start; pass one belief per event.")


def first_observed(series: pd.Series, before: pd.Timestamp) -> pd.Timestamp | None:
    observed = series[(series.index < before) & series.notna().to_numpy()]
    return observed.index.min() if len(observed) else None


def grid_index(first: pd.Timestamp, start: pd.Timestamp, steps_after: int, resolution: pd.Timedelta):
    """Event starts from `first` (on the grid of `start`) up to `steps_after` steps from `start` on."""
    steps_before = -((first - start) // resolution)  # ceil, so an off-grid first event stays inside
    return pd.DatetimeIndex(start + resolution * np.arange(-steps_before, steps_after))


def on_grid(series: pd.Series, grid: pd.DatetimeIndex, resolution: pd.Timedelta, name: str) -> np.ndarray:
    """The series' values at the grid's event starts (NaN where it has none), as float64.

    Events between grid points mean the series has another resolution or phase than the forecast, which the
    caller must resample first: they are refused rather than silently dropped.
    """
    check_event_index(series, name)
    index = series.index.tz_convert(grid.tz)
    inside = (index >= grid[0]) & (index <= grid[-1])
    off_grid = ((index[inside] - grid[0]) % resolution) != pd.Timedelta(0)
    if off_grid.any():
        stray = index[inside][off_grid][0]
        raise ForecastError(f"{name} has an event at {stray.isoformat()}, off the forecast's grid of "
                            f"{resolution} steps from {grid[0].isoformat()}; resample it first.")
    values = pd.Series(pd.to_numeric(series.to_numpy(), errors="coerce"), index=index, dtype="float64")
    return values.reindex(grid).to_numpy(dtype="float64")
