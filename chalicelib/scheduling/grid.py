"""The scheduling grid: window resolution, and putting series segments and sensor data onto its ticks."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Iterable

import numpy as np

from chalicelib.scheduling.errors import WindowError
from chalicelib.scheduling.quantities import Segment
from chalicelib.schemas.durations import format_duration
from chalicelib.timeseries.resampling import mean_of_groups, to_slots

NS = 1_000_000_000


@dataclass(frozen=True)
class Window:
    start: datetime  # UTC
    end: datetime
    resolution: timedelta
    warnings: tuple[str, ...] = field(default=())

    @property
    def n(self) -> int:
        return int((self.end - self.start) / self.resolution)

    @property
    def hours(self) -> float:
        """h: the step in hours."""
        return self.resolution.total_seconds() / 3600

    @property
    def start_ns(self) -> int:
        return to_ns(self.start)

    @property
    def step_ns(self) -> int:
        return duration_ns(self.resolution)

    def slot_starts_ns(self) -> np.ndarray:
        """t_0 … t_{N−1}: where flows are placed."""
        return self.start_ns + self.step_ns * np.arange(self.n, dtype=np.int64)

    def stock_ticks_ns(self) -> np.ndarray:
        """t_1 … t_N: where stock values (the state at the end of each slot) are placed."""
        return self.start_ns + self.step_ns * np.arange(1, self.n + 1, dtype=np.int64)


def duration_ns(span: timedelta) -> int:
    """A step length in whole seconds, as ns (resolutions are whole minutes)."""
    return int(span.total_seconds()) * NS


def to_ns(moment: datetime) -> int:
    delta = moment - datetime(1970, 1, 1, tzinfo=timezone.utc)
    return (delta.days * 86400 + delta.seconds) * NS + delta.microseconds * 1000


def resolve_window(start: datetime, duration: timedelta | None, resolution: timedelta, *,
                   default_duration: timedelta, max_steps: int | None,
                   target_ends: Iterable[datetime] = ()) -> Window:
    """Start (as given, not aligned), end = start + duration, then extended for later soc-targets.

    The extension stops at start + max_steps·Δt; the end is ceiled to whole steps so the grid is regular.
    """
    if resolution <= timedelta(0):
        raise WindowError("The power sensor has an instantaneous resolution; a schedule needs a non-zero "
                          "event resolution.")
    start = start.astimezone(timezone.utc)
    if duration is None:
        # The default horizon never fails a request: at fine resolutions it is shortened to the maximum.
        duration = min(default_duration, max_steps * resolution) if max_steps else default_duration
    end = start + duration
    if start > end:
        raise WindowError(f"Start {start.isoformat()} cannot be after end {end.isoformat()}.")
    warnings = []
    latest = max(target_ends, default=None)
    if latest is not None and latest > end:
        limit = start + max_steps * resolution if max_steps else latest
        if latest > limit:
            warnings.append(f"Targets after {limit.isoformat()} are beyond the maximum planning horizon of "
                            f"{max_steps} steps and are ignored.")
        end = min(latest, limit)
    steps = math.ceil((end - start) / resolution)
    if max_steps and steps > max_steps:

        raise WindowError(f"The scheduling window of {steps} steps exceeds the maximum planning horizon of "
                          f"{max_steps} steps of {format_duration(resolution)}.")
    if steps < 1:
        raise WindowError("The scheduling window is empty.")
    return Window(start, start + steps * resolution, resolution, tuple(warnings))


def place_segments(segments: Iterable[Segment], ticks: np.ndarray, step_ns: int, *, state: bool,
                   overlap: str) -> np.ndarray:
    """Segment values on `ticks` (NaN where uncovered).

    Flow fields cover ticks in [start, end − Δt]; state fields cover [start, end]. Overlaps resolve by
    `overlap`: "min", "max", "first" or "last".
    """
    out = np.full(len(ticks), np.nan)
    for segment in segments:
        lo = to_ns(segment.start)
        hi = to_ns(segment.end) if (state or segment.instant) else max(lo, to_ns(segment.end) - step_ns)
        first, last = np.searchsorted(ticks, lo, "left"), np.searchsorted(ticks, hi, "right")
        if first >= last:
            continue
        part = out[first:last]
        value = segment.value
        if overlap == "last":
            part[:] = value
        elif overlap == "first":
            part[np.isnan(part)] = value
        else:
            pick = np.fmin if overlap == "min" else np.fmax
            part[:] = pick(part, value)
    return out


def resample_flow(times_ns: np.ndarray, values: np.ndarray, resolution_ns: int, window: Window) -> np.ndarray:
    """Mean of a sensor's events over each slot (time-weighted; gaps ignored; a slot with no data is NaN)."""

    n = window.n
    if len(times_ns) == 0:
        return np.full(n, np.nan)
    order = np.argsort(times_ns, kind="stable")
    times_ns, values = times_ns[order], values[order]
    if resolution_ns == 0:
        return to_slots(times_ns, values, 0, window.start_ns, window.step_ns, n)
    # Sample on the finest grid that aligns the slots, the events and their offset, then average per slot.
    fine = math.gcd(window.step_ns, resolution_ns, int((times_ns[0] - window.start_ns) % resolution_ns))
    per_slot = window.step_ns // fine
    ticks = window.start_ns + fine * np.arange(n * per_slot, dtype=np.int64)
    return mean_of_groups(sample_containing(times_ns, values, resolution_ns, ticks), per_slot)


def sample_containing(times_ns: np.ndarray, values: np.ndarray, resolution_ns: int,
                      ticks: np.ndarray) -> np.ndarray:
    """The value of the event that contains each tick (an instantaneous event only its own moment)."""
    index = np.searchsorted(times_ns, ticks, "right") - 1
    valid = index >= 0
    safe = np.where(valid, index, 0)
    if resolution_ns == 0:
        valid &= times_ns[safe] == ticks
    else:
        valid &= ticks < times_ns[safe] + resolution_ns
    return np.where(valid, values[safe], np.nan)


def edge_fill(values: np.ndarray) -> np.ndarray:
    """The first known value extends back to the start, the last known forward to the end."""
    known = np.flatnonzero(~np.isnan(values))
    if len(known) == 0:
        return values
    out = values.copy()
    out[: known[0]] = values[known[0]]
    out[known[-1] + 1:] = values[known[-1]]
    return out
