"""Per-source statistics over every stored belief of a sensor (GET /sensors/<id>/stats, KPIs)."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from chalicelib.timeseries.beliefs import Beliefs, from_us


def stats_by_source(beliefs: Beliefs, resolution: timedelta, timezone: Any) -> dict[int, dict[str, Any]]:
    """{source id: {"First event start", ..., "Number of values"}} over all beliefs (NaN excluded)."""
    import numpy as np

    out: dict[int, dict[str, Any]] = {}
    if not len(beliefs):
        return out
    for source_id in np.unique(beliefs.source_id).tolist():
        mine = beliefs.take((beliefs.source_id == source_id) & ~np.isnan(beliefs.value))
        if not len(mine):
            continue
        values = mine.value
        out[int(source_id)] = {
            "First event start": _local(int(mine.event_start.min()), timezone),
            "Last event end": _local(int(mine.event_start.max()), timezone, resolution),
            "Last recorded": _local(int(mine.belief_time.max()), timezone),
            "Min value": float(values.min()),
            "Max value": float(values.max()),
            "Mean value": float(values.mean()),
            "Sum over values": float(values.sum()),
            "Number of values": int(len(values)),
        }
    return out


def _local(moment_us: int, timezone: Any, plus: timedelta = timedelta(0)) -> str:
    return (from_us(moment_us) + plus).astimezone(timezone).isoformat()
