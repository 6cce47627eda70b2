"""Webhook endpoints and their delivery log as the API reads and shows them."""
from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, StrictInt, field_validator

from chalicelib.schemas.common import StrictBody
from chalicelib.schemas.listing import ListingArgs

JOB_FINISHED, JOB_FAILED = "job.finished", "job.failed"
EVENTS = (JOB_FINISHED, JOB_FAILED)
MAX_SCOPED_ASSETS = 100


class WebhookCreate(StrictBody):
    """POST /accounts/<id>/webhooks. The URL's host is checked by the service (it resolves it)."""

    url: str = Field(min_length=1, max_length=2048)
    events: list[Literal["job.finished", "job.failed"]] = Field(default_factory=lambda: list(EVENTS), min_length=1)
    assets: list[StrictInt] = Field(default_factory=list, max_length=MAX_SCOPED_ASSETS)

    @field_validator("events")
    @classmethod
    def _unique_events(cls, value: list[str]) -> list[str]:
        return list(dict.fromkeys(value))

    @field_validator("assets")
    @classmethod
    def _unique_assets(cls, value: list[int]) -> list[int]:
        if any(v < 1 or v >= 10 ** 18 for v in value):
            raise ValueError("Not a valid asset id.")
        return list(dict.fromkeys(value))


class DeliveryListArgs(ListingArgs):
    """The delivery log is always paginated, newest attempt first."""


def webhook_json(endpoint: Any) -> dict[str, Any]:
    """An endpoint without its secret (the secret is shown once, in the 201 that registers it)."""
    return {"id": int(endpoint.id), "account_id": int(endpoint.account_id), "url": endpoint.url,
            "events": list(endpoint.events), "assets": [int(a) for a in endpoint.asset_ids],
            "created_at": endpoint.created_at.isoformat()}


def delivery_json(row: Any) -> dict[str, Any]:
    return {"delivery": row.delivery_id, "event": row.event, "job": row.job_id, "attempt": int(row.attempt),
            "outcome": row.outcome, "status_code": None if row.status_code is None else int(row.status_code),
            "error": row.error, "started_at": row.started_at.isoformat(), "ended_at": row.ended_at.isoformat()}

