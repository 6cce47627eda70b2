"""Audit log rows as the API shows them, and the query arguments of the audit-log endpoints."""
from __future__ import annotations

from typing import Any, Literal

from chalicelib.schemas.listing import ListingArgs
from chalicelib.schemas.naturalize import naturalized_datetime


class AuditLogArgs(ListingArgs):
    sort_by: Literal["event_datetime"] | None = None


def audit_json(entry: Any, tz_name: str | None) -> dict[str, Any]:
    return {"event": entry.event,
            "event_datetime": naturalized_datetime(entry.event_datetime, tz_name),
            "active_user_name": entry.active_user_name,
            "active_user_id": entry.active_user_id}
