"""Schedule results: one item per (job, sensor), so GET /sensors/<id>/schedules/<uuid> is one key lookup."""
from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Iterable

from chalicelib.store.models import ScheduleResultItem

# Results live as long as their job (FlexMeasures keeps schedules 7 days: FLEXMEASURES_PLANNING_TTL).
RESULT_TTL_SECONDS = 7 * 24 * 3600


@dataclass(frozen=True)
class StoredSchedule:
    sensor_id: int
    start: datetime
    step: timedelta
    instantaneous: bool
    unit: str
    values: list[float]
    kind: str = "power"


def save_all(job_id: str, schedules: Iterable[StoredSchedule]) -> None:
    expires = int(time.time()) + RESULT_TTL_SECONDS
    with ScheduleResultItem.batch_write() as batch:
        for s in schedules:
            batch.save(ScheduleResultItem(job_id, s.sensor_id, start=s.start,
                                          resolution_seconds=int(s.step.total_seconds()),
                                          instantaneous=s.instantaneous, unit=s.unit, values=list(s.values),
                                          kind=s.kind, expires_at=expires))


def find(job_id: str, sensor_id: int) -> StoredSchedule | None:
    item = ScheduleResultItem.get_or_none(job_id, int(sensor_id))
    if item is None:
        return None
    return StoredSchedule(int(item.sensor_id), item.start, timedelta(seconds=int(item.resolution_seconds)),
                          bool(item.instantaneous), item.unit, [float(v) for v in item.values or []], item.kind)
