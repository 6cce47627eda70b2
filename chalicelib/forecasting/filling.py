"""Gap filling for feature series: short gaps interpolated, the rest from the series' time-of-day profile.

Features (lags, regressors) need a value everywhere; a target value that was never measured is not filled
for training, only where it serves as another row's feature.
"""
from __future__ import annotations

import numpy as np


def filled(values: np.ndarray, slots: np.ndarray, max_interpolated_steps: int) -> np.ndarray:
    """`values` without NaN: gaps of at most `max_interpolated_steps` between two observations are linear,
    longer ones and the edges take the mean observed value of their time-of-day slot (`slots`, small ints),
    or the overall mean where a slot was never observed. All-NaN input stays all-NaN."""
    missing = np.isnan(values)
    if not missing.any() or missing.all():
        return values.copy()
    out = values.copy()
    positions = np.arange(len(values))
    observed = positions[~missing]
    run_starts = missing & ~np.concatenate(([False], missing[:-1]))
    run_ids = np.cumsum(run_starts) * missing
    run_lengths = np.bincount(run_ids)[run_ids]
    inside = (positions > observed[0]) & (positions < observed[-1])
    short = missing & inside & (run_lengths <= max_interpolated_steps)
    out[short] = np.interp(positions[short], observed, values[~missing])
    rest = np.isnan(out)
    out[rest] = slot_profile(values, slots)[slots[rest]]
    return out


def slot_profile(values: np.ndarray, slots: np.ndarray) -> np.ndarray:
    """Mean observed value per slot; the overall mean for slots without observations."""
    observed = ~np.isnan(values)
    size = int(slots.max()) + 1
    sums = np.bincount(slots[observed], weights=values[observed], minlength=size)
    counts = np.bincount(slots[observed], minlength=size)
    overall = values[observed].mean()
    return np.where(counts > 0, sums / np.maximum(counts, 1), overall)
