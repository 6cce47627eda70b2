"""FlexMeasures' success bodies that several endpoints share ("PROCESSED")."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

PROCESSED_MESSAGE = "Request has been processed."


def processed(message: str = PROCESSED_MESSAGE, **extra: Any) -> dict[str, Any]:
    return {"status": "PROCESSED", "message": message, **extra}


ACCEPTED_MESSAGE = "Request has been accepted for processing."


def accepted(job_id: str, job_url: str, results_url: str | None = None, *, legacy_key: str | None = None,
             message: str = ACCEPTED_MESSAGE) -> dict[str, Any]:
    """FlexMeasures 1.0.1's 202 for a queued job: `job`, `job-url`, maybe `results-url`, and the job id again under
    the endpoint's legacy key (`schedule`)."""
    body: dict[str, Any] = {"status": "ACCEPTED", "message": message, "job": job_id, "job-url": job_url}
    if results_url:
        body["results-url"] = results_url
    if legacy_key:
        body[legacy_key] = job_id
    return body


@dataclass(frozen=True)
class Reply:
    """A body with its status code and extra headers, for services whose answer is more than a body."""

    body: dict[str, Any]
    status_code: int = 200
    headers: dict[str, str] | None = None
