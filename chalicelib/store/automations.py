"""Automations: create, look up, list, change, and the cursor that keeps each run to one job."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from pynamodb.exceptions import UpdateError

from chalicelib.store import eventbridge
from chalicelib.store.ids import next_id
from chalicelib.store.models import Automation


def create(*, asset_id: int, type: str, name: str, cronstr: str, timezone_name: str, active: bool,
           parameters: dict[str, Any], config: dict[str, Any], created_by: int) -> Automation:
    automation = Automation(next_id("automation"), asset_id=asset_id, type=type, name=name, cronstr=cronstr,
                            timezone=timezone_name, active=active, parameters=parameters, config=config,
                            created_at=datetime.now(timezone.utc), created_by=created_by)
    automation.save()
    return automation


def find(automation_id: int) -> Automation | None:
    return Automation.get_or_none(int(automation_id))


def list_for_asset(asset_id: int) -> list[Automation]:
    return sorted(Automation.by_asset.query(int(asset_id)), key=lambda a: a.id)


def all_active() -> list[Automation]:
    """Every active automation (the local stack's runner; deployments leave this to EventBridge Scheduler)."""
    return [a for a in Automation.scan(Automation.active == True)]  # noqa: E712 - a PynamoDB condition


def update(automation: Automation, changes: dict[str, Any]) -> Automation:
    actions = [getattr(Automation, key).set(value) for key, value in changes.items()]
    if {"cronstr", "timezone"} & set(changes):
        actions.append(Automation.schedule_revision.add(1))
    if actions:
        automation.update(actions=actions)
    return automation


def claim_run(automation: Automation, scheduled_at: datetime) -> bool:
    """Move the cursor to `scheduled_at`; False when it is there or beyond already (a redelivered message)."""
    condition = Automation.cursor.does_not_exist() | (Automation.cursor < scheduled_at)
    try:
        automation.update(actions=[Automation.cursor.set(scheduled_at)], condition=condition)
        return True
    except UpdateError:
        return False


def record_job(automation: Automation, job_id: str) -> None:
    automation.update(actions=[Automation.last_job_id.set(job_id)])


def delete(automation: Automation) -> None:
    automation.delete()


def delete_for_assets(asset_ids: list[int]) -> None:
    """Deleting assets leaves no automation or EventBridge schedule of theirs behind (called before they go)."""
    for asset_id in asset_ids:
        for automation in list_for_asset(asset_id):
            eventbridge.delete_schedule(automation.id)
            delete(automation)
