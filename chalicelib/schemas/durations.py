"""ISO 8601 durations in and out, in FlexMeasures' two output styles."""
from __future__ import annotations

from datetime import timedelta

import isodate


class DurationError(ValueError):
    pass


def parse_duration(text: str) -> timedelta:
    """Parse an ISO 8601 duration into a timedelta; whole minutes only, as FlexMeasures demands.

    Accepts the long form flexmeasures-client sends (`P0DT0H15M0S`) and negative durations (`-PT1H`).
    """
    if not isinstance(text, str):
        raise DurationError(f"Cannot parse {text} as ISO8601 duration: not a string.")
    try:
        value = isodate.parse_duration(text.strip())
    except (isodate.ISO8601Error, ValueError) as exc:
        raise DurationError(f"Cannot parse {text} as ISO8601 duration: {exc}") from exc
    if isinstance(value, isodate.Duration):
        # Years and months have no fixed length; FlexMeasures resolves them from now, we refuse.
        if value.years or value.months:
            raise DurationError(
                f"Cannot parse {text} as ISO8601 duration: years and months are not supported.")
        value = value.tdelta
    if value % timedelta(minutes=1):
        raise DurationError("FlexMeasures only support multiples of 1 minute.")
    return value


def format_duration(value: timedelta) -> str:
    """`P`-style with days, as sensor event_resolution is shown: PT15M, PT1H, P1D, P0D."""
    if value == timedelta(0):
        return "P0D"
    return isodate.duration_isoformat(value)


def format_hours_duration(value: timedelta) -> str:
    """Hours-only style used for sensor-data duration and resolution: PT24H, PT0H, PT15M."""
    sign = "-" if value < timedelta(0) else ""
    total = abs(int(value.total_seconds()))
    hours, rest = divmod(total, 3600)
    minutes, seconds = divmod(rest, 60)
    text = f"{sign}PT"
    if hours or (not minutes and not seconds):
        text += f"{hours}H"
    if minutes:
        text += f"{minutes}M"
    if seconds:
        text += f"{seconds}S"
    return text
