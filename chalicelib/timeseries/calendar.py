"""The sensor's grid in its own timezone: slot starts count from local midnight, and slots of whole days follow the
local calendar (a day is 23 or 25 hours long when the clocks change), as a reader of daily data expects.

Resolutions that divide an hour are the same grid in every whole-hour offset, so they need no calendar work;
longer ones are computed per local day.
"""
from __future__ import annotations

import math
from datetime import datetime, timedelta, tzinfo

from chalicelib.timeseries.beliefs import duration_us, from_us, to_us
from chalicelib.timeseries.resampling import mean_per_slot

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


def zone_or_utc(name: str | None) -> tzinfo:
    """A timezone by name; UTC for none or an unknown name ([SEED] does not validate sensor timezones)."""
    from datetime import timezone
    from zoneinfo import ZoneInfo

    try:
        return ZoneInfo(name) if name else timezone.utc
    except Exception:  # noqa: BLE001 - ZoneInfo raises several types for unknown names
        return timezone.utc


def is_calendar(resolution: timedelta) -> bool:
    """Slots of whole days, which follow the local calendar."""
    return resolution >= DAY and resolution % DAY == timedelta(0)


def calendar_starts_us(start: datetime, count: int, resolution: timedelta, zone: tzinfo):
    """`count` slot starts (µs) from `start`, each `resolution` (whole days) of local calendar after the last, at
    the same local wall time."""
    import numpy as np

    local = start.astimezone(zone)
    days = resolution // DAY
    wall, first = local.replace(tzinfo=None), local.date()
    out = np.empty(count, dtype="int64")
    for i in range(count):
        naive = datetime.combine(first + timedelta(days=i * days), wall.time())
        out[i] = to_us(naive.replace(tzinfo=zone))
    return out


def floor_to_grid_us(starts_us, resolution: timedelta, zone: tzinfo):
    """Each start (µs) floored onto the sensor's grid counted from local midnight (local days for whole-day
    resolutions; from the epoch for resolutions that do not divide a day)."""
    import numpy as np

    starts = np.asarray(starts_us, dtype="int64")
    res_us = duration_us(resolution)
    if not len(starts) or res_us <= 0:
        return starts
    if HOUR % resolution == timedelta(0):
        offset = duration_us(from_us(int(starts[0])).astimezone(zone).utcoffset() or timedelta(0))
        return starts - (starts + offset) % res_us
    if DAY % resolution and not is_calendar(resolution):
        return starts - starts % res_us
    out = np.empty_like(starts)
    for i, us in enumerate(starts.tolist()):
        local = from_us(us).astimezone(zone)
        midnight = local.replace(hour=0, minute=0, second=0, microsecond=0).replace(tzinfo=None)
        since = local.replace(tzinfo=None) - midnight
        floored = midnight + (since - since % resolution if not is_calendar(resolution) else timedelta(0))
        out[i] = to_us(floored.replace(tzinfo=zone))
    return out


def to_calendar_slots(event_start_us, values, event_resolution_us: int, edges_us):
    """The mean value per slot [edges[i], edges[i+1]) (local days), NaN where no event falls in it. Events shorter
    than a day count in the slot of each of their hourly parts; day-long events in the slot of their start."""
    import numpy as np

    starts = np.asarray(event_start_us, dtype="int64")
    vals = np.asarray(values, dtype="float64")
    edges = np.asarray(edges_us, dtype="int64")
    hour_us = duration_us(HOUR)
    if 0 < event_resolution_us < duration_us(DAY):
        step = math.gcd(int(event_resolution_us), hour_us)
        pieces = event_resolution_us // step
        if pieces > 1:
            starts = (starts[:, None] + np.arange(pieces, dtype="int64") * step).ravel()
            vals = np.repeat(vals, pieces)
    return mean_per_slot(np.searchsorted(edges, starts, side="right") - 1, vals, len(edges) - 1)
