"""Sensor staleness per source type (GET /sensors/<id>/status, contract §7.2)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from chalicelib.timeseries.beliefs import Beliefs, from_us, most_recent, restrict, to_us

SOURCE_TYPE_ORDER = ("demo script", "user", "forecaster", "scheduler", "reporter")
FUTURE_TYPES = ("forecaster", "scheduler")
DEFAULT_MAX_FUTURE_STALENESS = timedelta(hours=-12)


@dataclass
class StatusSpecs:
    max_staleness: timedelta
    max_future_staleness: timedelta = DEFAULT_MAX_FUTURE_STALENESS


def specs_for(resolution: timedelta, status_specs: dict | None, parse_duration) -> StatusSpecs:
    """The sensor's `status_specs` attribute, else 2 x resolution and -12 h."""
    specs = StatusSpecs(max_staleness=2 * resolution)
    for field in ("max_staleness", "max_future_staleness"):
        value = (status_specs or {}).get(field)
        if isinstance(value, str):
            try:
                setattr(specs, field, parse_duration(value))
            except ValueError:
                pass
    return specs


def statuses(beliefs: Beliefs, source_types: dict[int, str], resolution: timedelta, specs: StatusSpecs,
             now: datetime, server_tz: Any) -> list[dict[str, Any]]:
    """One status per source type with data, in FlexMeasures' order; a single "no data" item when none.

    `staleness` is a timedelta and `staleness_since` a datetime in `server_tz` (or None); callers format them."""
    import numpy as np

    known = restrict(beliefs, prior_us=to_us(now))
    items = []
    for kind in SOURCE_TYPE_ORDER + tuple(sorted(set(source_types.values()) - set(SOURCE_TYPE_ORDER))):
        ids = [sid for sid, t in source_types.items() if t == kind]
        mine = known.take(np.isin(known.source_id, ids)) if ids else Beliefs.empty()
        if not len(mine):
            continue
        items.append({**_status_of(mine, kind, resolution, specs, now, server_tz), "source_type": kind})
    if not items:
        items.append({"staleness": None, "stale": True, "staleness_since": None, "reason": "no data recorded",
                      "source_type": None})
    return items


def _status_of(beliefs: Beliefs, kind: str, resolution: timedelta, specs: StatusSpecs, now: datetime,
               server_tz: Any) -> dict[str, Any]:
    latest = most_recent(beliefs)
    if kind in FUTURE_TYPES:
        future = latest.event_start[latest.event_start > to_us(now)]
        if not len(future):
            reference = from_us(int(latest.event_start.max()))
            return {"staleness": None, "stale": True, "staleness_since": reference.astimezone(server_tz),
                    "reason": "Found no future data which this source should have"}
        reference = from_us(int(future.max()))
    else:
        reference = from_us(int(latest.event_start.max())) + resolution
    staleness = now - reference
    limit = specs.max_staleness if staleness > timedelta(0) else specs.max_future_staleness
    stale = staleness > limit
    return {"staleness": abs(staleness), "stale": bool(stale),
            "staleness_since": reference.astimezone(server_tz), "reason": _reason(staleness, limit, stale)}


def _reason(staleness: timedelta, limit: timedelta, stale: bool) -> str:
    old = staleness > timedelta(0)
    if old:
        verdict = "but should not be more" if stale else "which is not more"
    else:
        verdict = "but should be more" if stale else "which is not less"
    return (f"most recent data is {_precise(abs(staleness))} {_when(staleness)}, {verdict} than "
            f"{_precise(abs(limit))} {_when(limit)}")


def _when(value: timedelta) -> str:
    return "old" if value > timedelta(0) else "in the future"


def _precise(value: timedelta) -> str:
    import humanize

    return humanize.precisedelta(value, minimum_unit="minutes", format="%0.0f")
