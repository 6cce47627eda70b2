"""Resampling without pandas' overhead: events of one resolution onto fixed output slots.

Downsampling takes the mean of the values in a slot (NaN ignored); upsampling repeats a value over
the slots its event covers; instantaneous events (zero resolution) fall in the slot containing them.
"""
from __future__ import annotations

import math
from datetime import timedelta

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
# The most events one request may write or read: ~15 years of 15-minute data, or a few MB of JSON (an API
# response must stay under Lambda's 6 MB). Beyond it, memory and time would run out before an answer.
MAX_SLOTS = 500_000

# FlexMeasures' defaults for instantaneous sensors, by window length.
_INSTANTANEOUS_DEFAULTS = ((timedelta(hours=8), timedelta(minutes=5)), (timedelta(hours=48), timedelta(minutes=15)),
                           (timedelta(days=14), HOUR), (timedelta(weeks=16), DAY))


def default_resolution(sensor_resolution: timedelta, window: timedelta) -> timedelta:
    if sensor_resolution > timedelta(0):
        return sensor_resolution
    for limit, resolution in _INSTANTANEOUS_DEFAULTS:
        if window <= limit:
            return resolution
    return timedelta(weeks=1)


def to_slots(event_start_us, values, event_resolution_us: int, start_us: int, slot_us: int, n_slots: int):
    """The mean value per slot [start + i·slot, start + (i+1)·slot), NaN where no event covers it."""
    import numpy as np

    starts = np.asarray(event_start_us, dtype="int64")
    vals = np.asarray(values, dtype="float64")
    if event_resolution_us > 0:
        step = math.gcd(int(event_resolution_us), int(slot_us))
        pieces = event_resolution_us // step
        if pieces > 1:  # each event becomes `pieces` sub-events, so any slot sees the part it covers
            starts = (starts[:, None] + np.arange(pieces, dtype="int64") * step).ravel()
            vals = np.repeat(vals, pieces)
    return mean_per_slot((starts - start_us) // slot_us, vals, n_slots)


def mean_per_slot(index, values, n_slots: int):
    """The mean of the values falling in each of `n_slots` slots (their slot `index`; NaN and out-of-range
    values ignored), NaN for an empty slot."""
    import numpy as np

    keep = (index >= 0) & (index < n_slots) & ~np.isnan(values)
    sums = np.bincount(index[keep], weights=values[keep], minlength=n_slots)
    counts = np.bincount(index[keep], minlength=n_slots)
    out = np.full(n_slots, np.nan)
    np.divide(sums, counts, out=out, where=counts > 0)
    return out


def repeat_values(values, factor: int):
    """Repetition upsampling of posted values: each value covers `factor` sensor steps."""
    import numpy as np

    return np.repeat(np.asarray(values, dtype="float64"), factor)


def mean_of_groups(values, size: int):
    """Mean-downsampling of posted values in consecutive groups of `size` (NaN ignored; all-NaN -> NaN)."""
    import numpy as np

    groups = np.asarray(values, dtype="float64").reshape(-1, size)
    counts = (~np.isnan(groups)).sum(axis=1)
    sums = np.nansum(groups, axis=1)
    out = np.full(len(groups), np.nan)
    np.divide(sums, counts, out=out, where=counts > 0)
    return out
