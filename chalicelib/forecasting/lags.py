"""Seasonal lags in local time: where the same wall-clock time fell whole days earlier, as grid positions.

"Same time yesterday" for a load in Amsterdam means the same local hour, which is 23 or 25 absolute hours
back around a DST change. Lags are therefore looked up by wall-clock time; a wall time that does not exist
(skipped by a spring-forward) falls back to the absolute lag.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from chalicelib.forecasting.grid import DAY


class SeasonalLags:
    """Positions on one grid of the same local time a whole number of days earlier (-1 where there is none)."""

    def __init__(self, wall: pd.DatetimeIndex, resolution: pd.Timedelta):
        self._wall = wall.to_numpy()
        first_of_each = ~wall.duplicated(keep="first")  # a fall-back hour repeats its wall times
        self._lookup = pd.Index(self._wall[first_of_each])
        self._lookup_positions = np.flatnonzero(first_of_each)
        self.steps_per_day = DAY / resolution
        self._days_back: dict[int, np.ndarray] = {}

    def days_back(self, days: int) -> np.ndarray:
        if days not in self._days_back:
            found = self._lookup.get_indexer(self._wall - np.timedelta64(days, "D"))
            absolute = np.arange(len(self._wall)) - round(days * self.steps_per_day)
            positions = np.where(found >= 0, self._lookup_positions[np.maximum(found, 0)], absolute)
            self._days_back[days] = np.where(positions >= 0, positions, -1)
        return self._days_back[days]

    def latest_known(self, rows: np.ndarray, lead: int, period_days: int) -> np.ndarray:
        """For events at `rows` forecast `lead` steps after the last known one, the most recent event at the
        same local time a whole number of periods earlier that was already known (-1 where the grid has none).
        """
        periods = math.ceil(lead / (period_days * self.steps_per_day))
        positions = self.days_back(periods * period_days)[rows]
        too_recent = positions > rows - lead  # a 23-hour day brings yesterday's wall time within the horizon
        if too_recent.any():
            earlier = self.days_back((periods + 1) * period_days)[rows]
            positions = np.where(too_recent, earlier, positions)
        return positions
