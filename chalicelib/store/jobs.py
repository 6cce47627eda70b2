"""Jobs (scheduling, forecasting): durable state shared by the triggers, the workers and the GET endpoints."""
from __future__ import annotations

import time
import uuid
from datetime import datetime, timezone
from typing import Any

from pynamodb.exceptions import DeleteError, PutError, UpdateError

from chalicelib.store.models import Job, JobCacheEntry

# FlexMeasures keeps results 7 days (FLEXMEASURES_PLANNING_TTL); the job item lives as long.
JOB_TTL_SECONDS = 7 * 24 * 3600
# FLEXMEASURES_JOB_CACHE_TTL: an identical trigger within this time gets the same job.
JOB_CACHE_TTL_SECONDS = 3600
# A worker may take (or the dead-letter handler fail) a job only while it is in one of these.
_NOT_ENDED = ("queued", "started", "deferred")


def create(*, asset_id: int | None, sensor_ids: list[int], request: dict[str, Any],
           sensor_id: int | None = None, meta: dict[str, Any] | None = None, kind: str = "scheduling") -> Job:
    now = datetime.now(timezone.utc)
    job = Job(str(uuid.uuid4()), kind=kind, status="queued", asset_id=asset_id, sensor_id=sensor_id,
              sensor_ids=list(sensor_ids), request=request, meta=meta or {}, enqueued_at=now,
              expires_at=int(time.time()) + JOB_TTL_SECONDS)
    job.save()
    return job


def find(job_id: str) -> Job | None:
    job = Job.get_or_none(job_id)
    if job is None:
        return None
    if job.expires_at is not None and job.expires_at < time.time():
        return None  # DynamoDB deletes expired items lazily; treat them as gone already
    return job


def list_for_asset(asset_id: int) -> list[Job]:
    return sorted(Job.by_asset.query(int(asset_id)), key=lambda j: j.enqueued_at or datetime.min)


def claim(job: Job) -> bool:
    """Move a job to `started`; False if another worker holds it or it has ended.

    A job already `started` is claimable again (its worker died and SQS redelivered the message).
    """
    try:
        job.update(actions=[Job.status.set("started"), Job.started_at.set(datetime.now(timezone.utc)),
                            Job.attempts.add(1)],
                   condition=Job.status.is_in(*_NOT_ENDED))
        return True
    except UpdateError:
        return False


def _failure(error: str) -> list[Any]:
    return [Job.status.set("failed"), Job.ended_at.set(datetime.now(timezone.utc)), Job.error.set(error)]


def finish(job: Job, meta: dict[str, Any]) -> None:
    job.update(actions=[Job.status.set("finished"), Job.ended_at.set(datetime.now(timezone.utc)),
                        Job.meta.set({**(job.meta or {}), **meta})])


def fail(job: Job, error: str, meta: dict[str, Any] | None = None) -> None:
    actions = _failure(error)
    if meta:
        actions.append(Job.meta.set({**(job.meta or {}), **meta}))
    job.update(actions=actions)


def fail_if_pending(job_id: str, error: str) -> bool:
    """Used by the dead-letter handler: fail a job that never finished; leave ended jobs alone."""
    job = find(job_id)
    if job is None:
        return False
    try:
        job.update(actions=_failure(error), condition=Job.status.is_in(*_NOT_ENDED))
        return True
    except UpdateError:
        return False


def record_origin(job_id: str, **origin: Any) -> None:
    """Note in the job's meta what started it (e.g. `automation_id`), beside what its trigger stored."""
    job = find(job_id)
    if job is not None:
        job.update(actions=[Job.meta.set({**(job.meta or {}), **origin})])


def cached_job(fingerprint: str) -> Job | None:
    """The job an identical trigger created within the cache TTL, whatever its status."""
    entry = JobCacheEntry.get_or_none(fingerprint)
    if entry is None or entry.expires_at < time.time():
        return None
    return find(entry.job_id)


def remember(fingerprint: str, job_id: str, *, replace: bool = False) -> str:
    """Make `job_id` the cached job of `fingerprint` unless another job holds an unexpired entry (`replace`: in any
    case); the job id the entry holds afterwards. The check and the write are one conditional put."""
    now = int(time.time())
    entry = JobCacheEntry(fingerprint, job_id=job_id, expires_at=now + JOB_CACHE_TTL_SECONDS)
    if replace:
        entry.save()
        return job_id
    try:
        _put_if_free(entry, now)
        return job_id
    except PutError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise
    holder = JobCacheEntry.get_or_none(fingerprint)
    return holder.job_id if holder is not None else job_id


def _put_if_free(entry: JobCacheEntry, now: int) -> None:
    entry.save(condition=JobCacheEntry.fingerprint.does_not_exist() | (JobCacheEntry.expires_at < now))


def forget(fingerprint: str, job_id: str) -> None:
    """Drop the cache entry if it still names `job_id` (its job could not be queued)."""
    try:
        JobCacheEntry(fingerprint).delete(condition=JobCacheEntry.job_id == job_id)
    except DeleteError:
        pass


def discard(job: Job) -> None:
    """Delete a job that was never queued (an identical trigger's job won the cache entry)."""
    job.delete()
