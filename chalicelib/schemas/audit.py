"""Audit log rows as the API shows them, and the query arguments of the audit-log endpoints."""
from __future__ import annotations

from typing import Any, Literal

from chalicelib.schemas.listing import ListingArgs
from chalicelib.schemas.common import isoformat


class AuditLogArgs(ListingArgs):
    sort_by: Literal["event_datetime"] | None = None


def audit_json(entry: Any) -> dict[str, Any]:
    """ISO times, as FlexMeasures 1.0 shows them (the seed's code naturalized them: "3 minutes ago")."""
    return {"event": entry.event,
            "event_datetime": isoformat(entry.event_datetime),
            "active_user_name": entry.active_user_name,
            "active_user_id": entry.active_user_id}
