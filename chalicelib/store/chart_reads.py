"""Beliefs for asset charts and KPIs: a sensor's beliefs over a window, read in one store query."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from chalicelib.store import beliefs
from chalicelib.timeseries.beliefs import Beliefs

# Open window ends: far enough to cover any stored day, near enough for the chunks' date keys.
EARLIEST = datetime(1900, 1, 1, tzinfo=timezone.utc)
LATEST = datetime(9999, 1, 1, tzinfo=timezone.utc)


def beliefs_overlapping(sensor: Any, after: datetime | None, before: datetime | None) -> Beliefs:
    """Every belief (all sources, all versions) about events overlapping [after, before); None = unbounded.

    One paginated query over the sensor's day chunks, however long the window.
    """
    resolution = timedelta(minutes=int(sensor.event_resolution_minutes or 0))
    if after is None:
        start = EARLIEST
    else:
        # An event that starts before `after` still overlaps the window while it lasts.
        start = after - resolution + timedelta(microseconds=1) if resolution else after
    return beliefs.read_beliefs(sensor.id, start, before or LATEST)


def beliefs_starting_in(sensor: Any, start: datetime, end: datetime) -> Beliefs:
    """Every belief about events starting in [start, end) (the KPI and stats period), in one query."""
    return beliefs.read_beliefs(sensor.id, start, end)
