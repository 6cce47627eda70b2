"""What a job's end tells the outside world: webhook deliveries, queued once the job's state is stored."""
from __future__ import annotations

import logging

from chalicelib.services.webhook_events import queue_deliveries
from chalicelib.store import jobs
from chalicelib.store.models import Job

log = logging.getLogger("flexcloud.worker")


def job_ended(job: Job | None) -> None:
    """Never fails the job: it has ended and is stored; a delivery that cannot be queued is logged and lost
    (a redelivered job message finds the job ended and would not queue it either)."""
    if job is None:
        return
    try:
        queue_deliveries(job)
    except Exception:  # noqa: BLE001 - see the docstring
        log.exception("Could not queue the webhook deliveries of job %s", job.id)


def job_id_ended(job_id: str) -> None:
    job_ended(jobs.find(job_id))
