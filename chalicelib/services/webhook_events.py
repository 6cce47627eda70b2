"""A job's end as webhook events: the body receivers get, and one delivery message per matching endpoint."""
from __future__ import annotations

import uuid
from typing import Any

from chalicelib.schemas.webhooks import JOB_FAILED, JOB_FINISHED
from chalicelib.store import assets, queue, webhooks
from chalicelib.store.models import Job, WebhookEndpoint

API = "/api/v3_0"
# Where each kind of job's results are read, per sensor.
_RESULTS_PATHS = {"scheduling": "schedules", "forecasting": "forecasts"}


def event_of(job: Job) -> str | None:
    return {"finished": JOB_FINISHED, "failed": JOB_FAILED}.get(job.status)


def payload(job: Job, event: str) -> dict[str, Any]:
    """The JSON body: what ended, where to read its results (paths on this API), its costs or its error."""
    sensor_ids = [int(s) for s in job.sensor_ids or []]
    results = _RESULTS_PATHS.get(job.kind or "scheduling", "schedules")
    return {
        "event": event, "job": job.id, "status": (job.status or "").upper(), "kind": job.kind,
        "asset": None if job.asset_id is None else int(job.asset_id), "sensors": sensor_ids,
        "job-url": f"{API}/jobs/{job.id}",
        "results-urls": [f"{API}/sensors/{s}/{results}/{job.id}" for s in sensor_ids] if event == JOB_FINISHED
        else [],
        "costs": (job.meta or {}).get("costs"), "error": job.error,
        "timestamp": job.ended_at.isoformat() if job.ended_at else None,
    }


def matches(endpoint: WebhookEndpoint, event: str, asset_id: int | None) -> bool:
    """Subscribed to the event, and scoped to no assets (all of the account's) or to the job's asset."""
    return event in endpoint.events and (not endpoint.asset_ids or asset_id in {int(a) for a in endpoint.asset_ids})


def queue_deliveries(job: Job) -> list[str]:
    """One delivery message per matching endpoint of the job's asset's account; the delivery ids."""
    event = event_of(job)
    asset = assets.find(job.asset_id) if event and job.asset_id is not None else None
    if asset is None or asset.account_id is None:
        return []
    body = payload(job, event)
    sent = []
    for endpoint in webhooks.list_for_account(asset.account_id):
        if matches(endpoint, event, int(job.asset_id)):
            delivery_id = str(uuid.uuid4())
            queue.send_webhook_delivery({"account": int(endpoint.account_id), "webhook": int(endpoint.id),
                                         "delivery": delivery_id, "event": event, "job": job.id, "payload": body})
            sent.append(delivery_id)
    return sent
