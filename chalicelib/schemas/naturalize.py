"""Human-friendly times and durations as FlexMeasures shows them (via `humanize`)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def naturalized_datetime(value: datetime | None, tz_name: str | None = None,
                         now: datetime | None = None) -> str:
    """Within 24 h: "now", "3 minutes ago"; older: "today", "yesterday", "Aug 05", "Aug 05 2024".

    Older dates are shown in `tz_name` (the requester's timezone); null is "never".
    """
    import humanize

    if value is None:
        return "never"
    now = now or datetime.now(timezone.utc)
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    age = now - value
    if age <= timedelta(hours=24):
        return humanize.naturaltime(age)
    zone = _zone(tz_name)
    return humanize.naturaldate(value.astimezone(zone).date())


def naturalized_duration(value: timedelta) -> str:
    """"15 minutes", "an hour", "a day"; zero is "a moment"."""
    import humanize

    return humanize.naturaldelta(value)


def _zone(tz_name: str | None):
    try:
        return ZoneInfo(tz_name) if tz_name else timezone.utc
    except (ZoneInfoNotFoundError, ValueError):
        return timezone.utc
