"""The design matrix of one forecast lead: calendar terms, target lags and regressors, per event row.

A forecast for `lead` steps after the last known event is a separate (direct) model per lead, trained on
rows whose features were known `lead` steps before their event, exactly as at prediction time:
- calendar terms of the event (local time of day and week);
- the last known value, and the mean over the day up to it (the recent level);
- the value at the same local time on the latest known day, and in the latest known week;
- each future regressor at the event and at those same seasonal lags, and if it is never negative (irradiance,
  capacity), at the event times the target's ratio to it over the last known day ("smart persistence");
- each past regressor at the last known time and at those seasonal lags.
A regressor at the target's seasonal lags lets a linear model take its effect out of the lagged target.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from chalicelib.forecasting.lags import SeasonalLags


@dataclass
class FeatureSpace:
    """Arrays on one grid of event starts; `origin` is the position of the first event to forecast."""

    target: np.ndarray  # measured values, NaN where none (and from origin on)
    filled_target: np.ndarray
    calendar: np.ndarray
    lags: SeasonalLags
    origin: int
    daily: bool
    weekly: bool
    future: list[np.ndarray] = field(default_factory=list)  # filled, over the whole grid
    past: list[np.ndarray] = field(default_factory=list)  # filled, known up to origin only

    def __post_init__(self):
        self._level_steps = max(1, round(self.lags.steps_per_day))
        self._cumulative = _cumulative(self.filled_target)
        # A non-negative driver tends to scale the target. On pvlib's TMY3 data (benchmarks/forecasting.py) the
        # ratio feature moved GHI's MAE from 10.5% to 11.6% below naive, and temperature's from 26.0% to 27.1%.
        self._scaling = [_cumulative(r) if (r >= 0).all() else None for r in self.future]

    def design(self, rows: np.ndarray, lead: int) -> tuple[np.ndarray, np.ndarray]:
        """Features of the events at `rows` as seen `lead` steps ahead, and which rows have all of them."""
        last = rows - lead
        valid = last >= 0
        columns = [self.calendar[rows], self._at(self.filled_target, last)[:, None]]
        seasonal = []
        if self.daily:
            day = self.lags.latest_known(rows, lead, 1)
            window_start = last - self._level_steps + 1
            valid &= (day >= 0) & (window_start >= 0)
            level = (self._at(self._cumulative, last + 1) - self._at(self._cumulative, window_start))
            columns += [(level / self._level_steps)[:, None], self._at(self.filled_target, day)[:, None]]
            seasonal.append(day)
        if self.weekly:
            week = self.lags.latest_known(rows, lead, 7)
            valid &= week >= 0
            columns.append(self._at(self.filled_target, week)[:, None])
            seasonal.append(week)
        for regressor, cumulative in zip(self.future, self._scaling):
            columns += [regressor[rows][:, None]] + [self._at(regressor, lag)[:, None] for lag in seasonal]
            if self.daily and cumulative is not None:
                driver = self._at(cumulative, last + 1) - self._at(cumulative, window_start)
                ratio = np.divide(level, driver, out=np.zeros_like(level), where=driver > 0)
                columns.append((regressor[rows] * ratio)[:, None])
        for regressor in self.past:
            columns += [self._at(regressor, last)[:, None]] + [self._at(regressor, lag)[:, None] for lag in seasonal]
        return np.hstack(columns), valid

    def training(self, lead: int) -> tuple[np.ndarray, np.ndarray]:
        """Rows with a measured target before origin and all features known `lead` steps earlier."""
        rows = np.flatnonzero(~np.isnan(self.target[: self.origin]))
        features, valid = self.design(rows, lead)
        return features[valid], self.target[rows[valid]]

    def prediction(self, lead: int) -> np.ndarray:
        """Features of the event `lead` steps after the last known one, as known at origin."""
        features, _ = self.design(np.array([self.origin + lead - 1]), lead)
        return features

    @staticmethod
    def _at(values: np.ndarray, positions: np.ndarray) -> np.ndarray:
        return values[np.maximum(positions, 0)]  # rows with negative positions are marked invalid


def _cumulative(values: np.ndarray) -> np.ndarray:
    """Running sums with a leading zero: the sum over [a, b] is cumulative[b + 1] - cumulative[a]."""
    return np.concatenate(([0.0], np.cumsum(values)))
