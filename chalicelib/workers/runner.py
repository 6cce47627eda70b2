"""What every SQS-fed job worker does with a message: job id -> claim -> run -> finish, or fail with a reason.

A kind of job supplies `work(job) -> meta` for a claimed job. JobFailed fails the job with the reason a user
reads; any other error (a bug) fails it with the error's name and text, so it does not loop through SQS for
hours; AWS faults propagate, so SQS redelivers the message and dead-letters it after its retries.
"""
from __future__ import annotations

import json
import logging
import re
from typing import Any, Callable

from botocore.exceptions import BotoCoreError, ClientError
from pynamodb.exceptions import PynamoDBException

from chalicelib.store import jobs
from chalicelib.store.models import Job
from chalicelib.workers import notify
from chalicelib.workers.heartbeat import holding

log = logging.getLogger("flexcloud.worker")

Work = Callable[[Job], dict[str, Any]]  # a claimed job -> the meta it finishes with


class JobFailed(Exception):
    """The job cannot succeed: it fails with `reason` (the text its user reads), keeping `meta` with it."""

    def __init__(self, reason: str, meta: dict[str, Any] | None = None):
        super().__init__(reason)
        self.reason = reason
        self.meta = meta


def job_id_of(body: str) -> str | None:
    """The job id a message body carries ({"job_id": ...}), or None for anything else."""
    try:
        data = json.loads(body)
    except ValueError:
        return None
    return data.get("job_id") if isinstance(data, dict) else None


def handle_message(body: str, work: Work, receipt_handle: str | None = None) -> None:
    """Process one message; raising makes SQS redeliver it (and dead-letter it after its retries). With the
    message's `receipt_handle`, its visibility is extended while the job runs (heartbeat.py)."""
    job_id = job_id_of(body)
    if job_id is None:
        log.error("Dropping malformed job message: %r", body[:200])
        return
    job = jobs.find(job_id)
    if job is None:
        log.warning("Job %s is unknown or expired; acknowledging", job_id)
        return
    if not jobs.claim(job):  # the conditional update also refreshes `job` (status, attempts)
        log.info("Job %s already ended (%s); acknowledging redelivery", job_id, job.status)
        return
    with holding(receipt_handle):
        run(job, work)


def handle_dead_letter(body: str, reason: str) -> None:
    """A message SQS gave up on: its job must not stay queued or started forever, so it fails with `reason`."""
    job_id = job_id_of(body)
    if job_id and jobs.fail_if_pending(job_id, reason):
        log.error("Job %s dead-lettered and marked failed", job_id)
        notify.job_id_ended(job_id)


def run(job: Job, work: Work) -> None:
    """Run a claimed job to its end: finished with work's meta, or failed with a reason."""
    try:
        meta = work(job)
    except JobFailed as exc:
        log.info("Job %s failed: %s", job.id, exc.reason)
        jobs.fail(job, without_paths(exc.reason), exc.meta)
        notify.job_ended(job)
        return
    except Exception as exc:  # noqa: BLE001 - a bug must fail the job, not loop through SQS for hours
        if is_transient(exc):
            raise
        log.exception("Job %s crashed", job.id)  # the full text and traceback stay in the log
        jobs.fail(job, without_paths(f"{type(exc).__name__}: {exc}"))
        notify.job_ended(job)
        return
    jobs.finish(job, meta)
    notify.job_ended(job)


# An absolute file path (two or more segments), e.g. /var/task/pulp/solverdir/cbc/linux/64/cbc or C:\\x\\y.
_PATH = re.compile(r"(?<![\w/\\])(?:[A-Za-z]:)?(?:[\\/][\w.+@~-]+){2,}[\\/]?")


def without_paths(text: str) -> str:
    """The reason a user reads, without the server's file paths (which tell where and what is installed): each
    path becomes its last part."""
    return _PATH.sub(lambda match: re.split(r"[\\/]", match.group(0).rstrip("\\/"))[-1], text)


def is_transient(exc: Exception) -> bool:
    """AWS faults (throttling, timeouts, an unreachable endpoint): worth a redelivery."""
    return isinstance(exc, (BotoCoreError, ClientError, PynamoDBException))
