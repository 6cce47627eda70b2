"""Automations' wire formats (FlexMeasures' AutomationCreationSchema, AutomationUpdateSchema, AutomationSchema)."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Literal
from zoneinfo import ZoneInfo, available_timezones

from croniter import croniter
from croniter.croniter import CroniterBadDateError
from pydantic import Field, field_validator

from chalicelib.schemas.common import StrictBody

TYPES = ("forecasting", "scheduling")
# FlexMeasures' first automations called their types after their results; it now names the task.
LEGACY_TYPES = {"forecasts": "forecasting", "schedules": "scheduling"}
FORECASTER = "TrainPredictPipeline"


def check_cron(value: str) -> str:
    if not isinstance(value, str) or len(value.split()) != 5:
        raise ValueError("Automation cron expressions must contain exactly five fields (minute, hour, day of month, "
                         "month, and day of week).")
    if not croniter.is_valid(value):
        raise ValueError(f"'{value}' is not a valid cron string.")
    try:
        croniter(value, datetime(2000, 1, 1, tzinfo=timezone.utc)).get_next(datetime)
    except CroniterBadDateError:
        raise ValueError(f"'{value}' does not match any possible date.") from None
    return value


def check_timezone(value: str | None) -> str | None:
    if value is not None and value not in _timezones():
        raise ValueError(f"Timezone '{value}' does not exist.")
    return value


_zones: set[str] = set()


def _timezones() -> set[str]:
    if not _zones:
        _zones.update(available_timezones())
    return _zones


class AutomationCreation(StrictBody):
    """POST /assets/<id>/automations: the asset comes from the path."""

    type: str = "forecasting"
    name: str = Field(min_length=1, max_length=80)
    cron: str
    timezone: str | None = None
    active: bool = True
    parameters: dict[str, Any] = Field(default_factory=dict)
    data_generator: Literal["TrainPredictPipeline"] | None = Field(None, alias="data-generator")
    config: dict[str, Any] = Field(default_factory=dict)

    @field_validator("cron")
    @classmethod
    def _cron(cls, value: str) -> str:
        return check_cron(value)

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str | None) -> str | None:
        return check_timezone(value)

    @field_validator("type")
    @classmethod
    def _known_type(cls, value: str) -> str:
        value = LEGACY_TYPES.get(value, value)
        if value not in TYPES:
            raise ValueError(f"Unknown automation type '{value}'. Supported types: {', '.join(TYPES)}.")
        return value


class AutomationUpdate(StrictBody):
    """PATCH /assets/<id>/automations/<automation_id>: parameters never change, so the sensors its creator was
    checked against stay the ones its runs use."""

    name: str | None = Field(None, min_length=1, max_length=80)
    cron: str | None = None
    timezone: str | None = None
    active: bool | None = None

    @field_validator("cron")
    @classmethod
    def _cron(cls, value: str | None) -> str | None:
        return None if value is None else check_cron(value)

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str | None) -> str | None:
        return check_timezone(value)


def next_run(automation: Any, now: datetime) -> datetime | None:
    """The next occurrence after `now` in the automation's timezone; None for an inactive automation."""
    if not automation.active:
        return None
    return croniter(automation.cronstr, now.astimezone(ZoneInfo(automation.timezone))).get_next(datetime)


def occurrences_between(automation: Any, after: datetime, until: datetime) -> list[datetime]:
    """The occurrences in (after, until], oldest first (capped: a long outage only needs its latest)."""
    found = []
    walker = croniter(automation.cronstr, after.astimezone(ZoneInfo(automation.timezone)))
    while len(found) < 10_000:
        moment = walker.get_next(datetime)
        if moment > until:
            break
        found.append(moment)
    return found


def recurrence_description(cronstr: str) -> str:
    from cron_descriptor import get_description

    return get_description(cronstr)


def _local(automation: Any, moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(ZoneInfo(automation.timezone)).isoformat()


def automation_json(automation: Any, now: datetime) -> dict[str, Any]:
    """An automation as FlexMeasures lists it: times as clock times in the automation's own timezone."""
    return {
        "id": int(automation.id), "asset": int(automation.asset_id), "type": automation.type,
        "name": automation.name, "cron": automation.cronstr, "timezone": automation.timezone,
        "cursor": _local(automation, automation.cursor), "next-run": _local(automation, next_run(automation, now)),
        "recurrence-description": recurrence_description(automation.cronstr),
        "schedule-revision": int(automation.schedule_revision), "active": bool(automation.active),
        "created-at": automation.created_at.isoformat(),
    }
