"""The audit-log listing shared by assets, users and accounts: filter, sort, page."""
from __future__ import annotations

from typing import Any

from chalicelib.schemas.audit import AuditLogArgs, audit_json
from chalicelib.services.listing import first_term_words, list_or_page, matches_any, sort_items


def audit_listing(entries: list[Any], args: AuditLogArgs, *, always_paginated: bool) -> Any:
    """Filter: the first term's words, any of them in the event or the acting user's name."""
    words = first_term_words(args.filter)
    shown = [e for e in entries if matches_any(words, e.event, e.active_user_name)]
    shown = sort_items(shown, args, {"event_datetime": lambda e: e.event_datetime})

    def render(items: list[Any]) -> list[dict[str, Any]]:
        return [audit_json(e) for e in items]

    return list_or_page(shown, args, len(entries), render, always_paginated=always_paginated)
