"""Audit log rows for assets, users and accounts (FlexMeasures' AssetAuditLog and AuditLog)."""
from __future__ import annotations

import uuid
from datetime import datetime, timezone
from typing import Any

from chalicelib.store.models import AuditEntry

MAX_EVENT_LENGTH = 255


def clip_event(event: str) -> str:
    """Over 255 characters: the first 125 and the last 125, joined by ' ... '."""
    if len(event) <= MAX_EVENT_LENGTH:
        return event
    return event[:125] + " ... " + event[-125:]


def _entry(subject: str, event: str, active_user: Any, **affected: Any) -> AuditEntry:
    now = datetime.now(timezone.utc)
    return AuditEntry(subject, f"{now.isoformat()}#{uuid.uuid4().hex}", event_datetime=now,
                      event=clip_event(event),
                      active_user_id=getattr(active_user, "id", None),
                      active_user_name=getattr(active_user, "username", None), **affected)


def asset_entry(event: str, asset_id: int, active_user: Any) -> AuditEntry:
    """An asset audit row, not yet saved: the asset's own write saves it in the same transaction."""
    return _entry(f"asset#{asset_id}", event, active_user, affected_asset_id=asset_id)


def record_asset_event(event: str, asset_id: int, active_user: Any) -> AuditEntry:
    entry = asset_entry(event, asset_id, active_user)
    entry.save()
    return entry


def record_user_event(event: str, affected_user: Any, active_user: Any,
                      affected_account_id: int | None = None) -> AuditEntry:
    entry = _entry(f"user#{affected_user.id}", event, active_user, affected_user_id=affected_user.id,
                   affected_account_id=affected_account_id)
    entry.save()
    return entry


def record_account_event(event: str, account_id: int, active_user: Any) -> AuditEntry:
    """FlexMeasures' AuditLog row about an account (affected_account_id), kept under `account#<id>`."""
    entry = _entry(f"account#{account_id}", event, active_user, affected_account_id=account_id)
    entry.save()
    return entry


def entries_for_account(account_id: int) -> list[AuditEntry]:
    return list(AuditEntry.query(f"account#{account_id}"))


def entries_for_asset(asset_id: int) -> list[AuditEntry]:
    return list(AuditEntry.query(f"asset#{asset_id}"))


def entries_for_user(user_id: int) -> list[AuditEntry]:
    return list(AuditEntry.query(f"user#{user_id}"))


def entries_for_account(account_id: int) -> list[AuditEntry]:
    """Every user or account row naming the account as affected (FlexMeasures' AuditLog.affected_account_id)."""
    return list(AuditEntry.by_affected_account.query(int(account_id)))
