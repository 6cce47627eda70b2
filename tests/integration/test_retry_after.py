"""Retry-After for a pending job: the median run time of the asset's recent finished jobs of the same kind."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from chalicelib.services import job_responses
from chalicelib.store import jobs
from chalicelib.store.models import Job


def finished(asset_id: int, kind: str, seconds: float) -> None:
    job = jobs.create(asset_id=asset_id, sensor_ids=[], request={}, kind=kind)
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    job.update(actions=[Job.status.set("finished"), Job.started_at.set(start),
                        Job.ended_at.set(start + timedelta(seconds=seconds))])


def test_median_of_the_same_kind_and_asset_else_the_setting(aws, monkeypatch):
    monkeypatch.setenv("FLEXCLOUD_JOB_RETRY_AFTER", "2")
    assert job_responses.retry_after(7, "scheduling") == {"Retry-After": "2"}  # nothing finished yet
    job_responses.forget_retry_after()
    for seconds in (3, 4.2, 30):
        finished(7, "scheduling", seconds)
    finished(7, "forecasting", 100)
    finished(8, "scheduling", 100)
    assert job_responses.retry_after(7, "scheduling") == {"Retry-After": "5"}  # median 4.2, rounded up
    assert job_responses.retry_after(7, "forecasting") == {"Retry-After": "100"}
