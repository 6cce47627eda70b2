"""An automation's occurrence on a job queue ({"automation_id", "scheduled_at"}, sent by its EventBridge schedule or
the local stack's runner): the workers hand it to the automations service, which creates the run's job."""
from __future__ import annotations

import json
import logging
from datetime import datetime

from chalicelib.services import automations

log = logging.getLogger("flexcloud.worker")


def handled(body: str) -> bool:
    """True when `body` was an automation's occurrence (and is now dealt with); False for anything else."""
    try:
        data = json.loads(body)
    except ValueError:
        return False
    if not isinstance(data, dict) or "automation_id" not in data:
        return False
    try:
        automation_id = int(data["automation_id"])
        scheduled_at = datetime.fromisoformat(str(data["scheduled_at"]).replace("Z", "+00:00"))
    except (TypeError, ValueError):
        log.error("Dropping malformed automation message: %r", body[:200])
        return True
    if scheduled_at.tzinfo is None:
        log.error("Dropping automation message without a timezone: %r", body[:200])
        return True
    automations.run(automation_id, scheduled_at)
    return True
