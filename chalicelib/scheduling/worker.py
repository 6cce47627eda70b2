"""Runs one scheduling job from its SQS message: claim, solve, store, finish or fail."""
from __future__ import annotations

import json
import logging

from chalicelib.store import jobs

log = logging.getLogger("flexcloud.worker")

NOT_AVAILABLE = "Scheduling is not available on this server yet."


def job_id_of(body: str) -> str | None:
    try:
        data = json.loads(body)
    except ValueError:
        return None
    return data.get("job_id") if isinstance(data, dict) else None


def handle_message(body: str) -> None:
    """Process one message; raising makes SQS redeliver it (and dead-letter it after 3 tries)."""
    job_id = job_id_of(body)
    if job_id is None:
        log.error("Dropping malformed schedule message: %r", body[:200])
        return
    job = jobs.find(job_id)
    if job is None:
        log.warning("Job %s is unknown or expired; acknowledging", job_id)
        return
    if not jobs.claim(job):
        log.info("Job %s already ended (%s); acknowledging redelivery", job_id, job.status)
        return
    jobs.fail(jobs.find(job_id), NOT_AVAILABLE)


def handle_dead_letter(body: str) -> None:
    """A message SQS gave up on: its job must not stay queued or started forever."""
    job_id = job_id_of(body)
    if job_id and jobs.fail_if_pending(job_id, "Scheduling job failed repeatedly and was abandoned."):
        log.error("Job %s dead-lettered and marked failed", job_id)
