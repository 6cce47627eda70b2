"""Calendar features in the sensor's local time: Fourier terms of the time of day and of the week.

Local wall-clock time is what people's loads follow, so the terms are computed after converting to the
sensor's timezone: across a DST change, 18:00 stays 18:00 and keeps its place in the daily cycle.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from chalicelib.forecasting.grid import DAY, WEEK

HARMONICS = 3  # enough for a morning and an evening peak; more only adds noise for the ridge to suppress


def local_wall_time(index: pd.DatetimeIndex, timezone: str | None) -> pd.DatetimeIndex:
    """Naive wall-clock times in `timezone` (the index's own when None): repeated in a DST fall-back hour."""
    local = index.tz_convert(timezone) if timezone else index
    return local.tz_localize(None)


def fourier_terms(phase: np.ndarray, harmonics: int = HARMONICS) -> np.ndarray:
    """sin and cos of 2πk·phase for k = 1..harmonics, one column each; phase in cycles."""
    angles = 2 * np.pi * np.outer(phase, np.arange(1, harmonics + 1))
    return np.hstack([np.sin(angles), np.cos(angles)])


def calendar_features(wall: pd.DatetimeIndex, resolution: pd.Timedelta) -> np.ndarray:
    """Daily terms when the resolution resolves a day, weekly terms when it resolves a week (else no columns)."""
    seconds_of_day = (wall - wall.normalize()).total_seconds().to_numpy()
    day_phase = seconds_of_day / DAY.total_seconds()
    columns = []
    if resolution < DAY:
        columns.append(fourier_terms(day_phase))
    if resolution < WEEK:
        columns.append(fourier_terms((wall.dayofweek.to_numpy() + day_phase) / 7))
    return np.hstack(columns) if columns else np.empty((len(wall), 0))
