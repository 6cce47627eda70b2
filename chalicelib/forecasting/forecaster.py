"""The entry point: forecast a sensor's next events from its history and optional regressors."""
from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import pandas as pd

from chalicelib.forecasting.calendar_terms import calendar_features, local_wall_time
from chalicelib.forecasting.errors import ForecastError
from chalicelib.forecasting.features import FeatureSpace
from chalicelib.forecasting.filling import filled
from chalicelib.forecasting.grid import (DAY, WEEK, as_aware, as_resolution, check_event_index, first_observed,
                                         forecast_index, grid_index, on_grid)
from chalicelib.forecasting.lags import SeasonalLags
from chalicelib.forecasting.ridge import Predictor, fit_median_ridge

MIN_TRAINING_ROWS = 24
MIN_HISTORY = timedelta(days=2)  # FlexMeasures' shortest train-period
INTERPOLATED_GAP = timedelta(hours=1)  # longer gaps take the time-of-day profile: a line misses the daily cycle

Fit = Callable[[np.ndarray, np.ndarray], Predictor]


def forecast(
    target: pd.Series,
    *,
    start: datetime | pd.Timestamp,
    horizon_steps: int,
    resolution: timedelta | pd.Timedelta,
    past_regressors: Mapping[str, pd.Series] | None = None,
    future_regressors: Mapping[str, pd.Series] | None = None,
    timezone: str | None = None,
    lower: float | None = None,
    upper: float | None = None,
    max_missing_fraction: float = 1.0,
    fit: Fit = fit_median_ridge,
) -> pd.Series:
    """Forecast `horizon_steps` events of `resolution` from `start`, using only data before `start`.

    - `target`: measured values indexed by tz-aware event starts on the grid of `start` (NaN or absent = gap);
      the caller chooses the training window by what it passes (FlexMeasures: train-start, train-period).
    - `past_regressors`: series known only up to `start` (e.g. measured temperature); their values from
      `start` on are ignored.
    - `future_regressors`: series known over the horizon too (e.g. weather forecasts, clear-sky irradiance).
    - `timezone`: the sensor's timezone, for calendar terms, daily lags and (for resolutions of whole days)
      calendar days (default: the target index's).
    - `lower`/`upper`: clip the forecast (FlexMeasures' lower, upper and ensure-positive).
    - `max_missing_fraction`: FlexMeasures' missing-threshold, the largest share of gaps in the history.
    - `fit`: the model, given training features and target, returns a predictor (default: median ridge, see ridge.py).

    Returns the forecast indexed by event start in the timezone of `start`. Raises ForecastError when the data
    cannot be forecast, saying why; ValueError for arguments no data could make valid.
    """
    start = as_aware(start, "start")
    step = as_resolution(resolution)
    if horizon_steps < 1:
        raise ValueError(f"horizon_steps must be at least 1, not {horizon_steps}.")
    name = str(target.name if target.name is not None else "target")
    check_event_index(target, name)
    zone = timezone or str(target.index.tz)
    first = first_observed(target, start)
    if first is None:
        raise ForecastError(f"{name} has no measured values before {start.isoformat()}.")
    grid = grid_index(first, start, horizon_steps, step, zone)
    origin = len(grid) - horizon_steps
    history_span = grid[origin] - grid[0]
    _check_history(history_span, horizon_steps, step, start)
    values = on_grid(target, grid, name)
    values[origin:] = np.nan
    _check_missing(values[:origin], max_missing_fraction, name)

    wall = local_wall_time(grid, zone)
    frame = _Frame(grid, origin, _time_of_day_slots(wall, step), max(1, INTERPOLATED_GAP // step))
    space = FeatureSpace(
        target=values,
        filled_target=frame.filled(values),
        calendar=calendar_features(wall, step),
        lags=SeasonalLags(wall, step),
        origin=origin,
        daily=step < DAY,
        weekly=step < WEEK and history_span >= _weeks_for_weekly_lag(horizon_steps, step),
        future=[frame.future_regressor(series, key) for key, series in (future_regressors or {}).items()],
        past=[frame.past_regressor(series, key) for key, series in (past_regressors or {}).items()],
    )
    predictions = np.array([_predict_lead(space, lead, fit) for lead in range(1, horizon_steps + 1)])
    if lower is not None or upper is not None:
        predictions = np.clip(predictions, lower, upper)
    return pd.Series(predictions, index=forecast_index(start, horizon_steps, step, zone),
                     name=target.name)


def minimum_history(horizon_steps: int, resolution: timedelta | pd.Timedelta) -> pd.Timedelta:
    """The least history a forecast of this horizon needs: the daily lags of its last step plus a day of
    training rows, at least two days and enough steps for `MIN_TRAINING_ROWS` rows."""
    step = as_resolution(resolution)
    lag_days = math.ceil(horizon_steps * step / DAY)
    return max(pd.Timedelta(MIN_HISTORY), (lag_days + 1) * DAY, (horizon_steps + MIN_TRAINING_ROWS) * step)


def _check_history(span: pd.Timedelta, horizon_steps: int, step: pd.Timedelta, start: pd.Timestamp) -> None:
    needed = minimum_history(horizon_steps, step)
    if span < needed:
        raise ForecastError(f"Too little history: {_duration(span)} of data before {start.isoformat()}, "
                            f"while forecasting {horizon_steps} steps of {_duration(step)} needs at least "
                            f"{_duration(needed)}.")


def _check_missing(history: np.ndarray, max_missing_fraction: float, name: str) -> None:
    missing = float(np.isnan(history).mean())
    if missing > max_missing_fraction:
        raise ForecastError(f"{name} has {missing:.1%} missing values in its history, more than the allowed "
                            f"{max_missing_fraction:.1%}.")


def _weeks_for_weekly_lag(horizon_steps: int, step: pd.Timedelta) -> pd.Timedelta:
    """History at which a weekly lag is worth a column: its lag for the last step plus two weeks of rows."""
    return (math.ceil(horizon_steps * step / WEEK) + 2) * WEEK


def _time_of_day_slots(wall: pd.DatetimeIndex, step: pd.Timedelta) -> np.ndarray:
    if step >= DAY:
        return np.zeros(len(wall), dtype=np.int64)
    seconds = (wall - wall.normalize()).total_seconds().to_numpy()
    return (seconds // step.total_seconds()).astype(np.int64)


@dataclass
class _Frame:
    """The grid a forecast call works on, and how it fills a series' gaps there."""

    grid: pd.DatetimeIndex
    origin: int
    slots: np.ndarray  # time-of-day slot of each grid event, for the gap profile
    gap_steps: int

    def filled(self, values: np.ndarray) -> np.ndarray:
        return filled(values, self.slots, self.gap_steps)

    def future_regressor(self, series: pd.Series, name: str) -> np.ndarray:
        values = on_grid(series, self.grid, f"future regressor {name!r}")
        if np.isnan(values[: self.origin]).all():
            raise ForecastError(f"future regressor {name!r} has no values in the target's history.")
        if np.isnan(values[self.origin:]).all():
            raise ForecastError(f"future regressor {name!r} has no values from "
                                f"{self.grid[self.origin].isoformat()} on, where the forecast needs it.")
        return self.filled(values)

    def past_regressor(self, series: pd.Series, name: str) -> np.ndarray:
        values = on_grid(series, self.grid, f"past regressor {name!r}")
        values[self.origin:] = np.nan
        if np.isnan(values).all():
            raise ForecastError(f"past regressor {name!r} has no values before "
                                f"{self.grid[self.origin].isoformat()}.")
        return self.filled(values)


def _predict_lead(space: FeatureSpace, lead: int, fit: Fit) -> float:
    features, target = space.training(lead)
    if len(target) < MIN_TRAINING_ROWS:
        raise ForecastError(f"Too many gaps: only {len(target)} measured values can train the forecast "
                            f"{lead} steps ahead, at least {MIN_TRAINING_ROWS} are needed.")
    return float(fit(features, target)(space.prediction(lead))[0])


def _duration(span: pd.Timedelta) -> str:
    """A span as people say it: '2 days', '1 day 6 hours', '15 minutes'."""
    seconds = int(span.total_seconds())
    parts = []
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60), ("second", 1)):
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count} {unit}" + ("s" if count != 1 else ""))
    return " ".join(parts) or "0 seconds"
