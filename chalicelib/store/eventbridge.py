"""EventBridge Scheduler: one schedule per automation, firing its cron in its timezone at the job queue.

EventBridge evaluates the recurrence itself (DST included), so nothing of ours runs between events. Its cron has
six fields (a year) and wants `?` in one of day-of-month and day-of-week; days of the week count 1-7 from Sunday,
so a five-field cron is translated, with day names to stay unambiguous.
"""
from __future__ import annotations

import json
import re
from typing import Any

from chalicelib import settings
from chalicelib.aws import client
from chalicelib.store import queue

DAY_NAMES = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"]  # cron allows 7 for Sunday too


class UnsupportedCron(ValueError):
    """A five-field cron that EventBridge cannot express (e.g. both a day of the month and a day of the week)."""


def eventbridge_expression(cronstr: str) -> str:
    minute, hour, day_of_month, month, day_of_week = cronstr.split()
    if day_of_week in ("*", "?"):
        day_of_week = "?"
    elif day_of_month in ("*", "?"):
        day_of_month = "?"
    else:
        raise UnsupportedCron("EventBridge Scheduler cannot combine a day of the month with a day of the week; "
                              "use one of them and '*' for the other.")
    return f"cron({minute} {hour} {day_of_month} {month} {_day_names(day_of_week)} *)"


def _day_names(field: str) -> str:
    """0-7 (cron) as SUN-SAT; steps (*/2) and names pass through."""
    if field == "?":
        return field
    if "/" in field:
        raise UnsupportedCron("Steps in the day of the week (e.g. */2) are not supported; list the days instead.")
    return re.sub(r"\d+", lambda m: DAY_NAMES[_day_number(m.group())], field)


def _day_number(text: str) -> int:
    number = int(text)
    if not 0 <= number <= 7:
        raise UnsupportedCron(f"{number} is not a day of the week (0-7).")
    return number


def schedule_name(automation_id: int) -> str:
    return f"automation-{int(automation_id)}"


def put_schedule(automation: Any, queue_arn: str, *, exists: bool) -> None:
    """Create or replace the automation's schedule; an inactive automation's schedule is DISABLED, not deleted."""
    definition = {
        "Name": schedule_name(automation.id),
        "GroupName": settings.automation_schedule_group(),
        "ScheduleExpression": eventbridge_expression(automation.cronstr),
        "ScheduleExpressionTimezone": automation.timezone,
        "FlexibleTimeWindow": {"Mode": "OFF"},
        "State": "ENABLED" if automation.active else "DISABLED",
        "Description": f"flexcloud automation {automation.id}: {automation.name}"[:512],
        "Target": {
            "Arn": queue_arn,
            "RoleArn": settings.automation_scheduler_role_arn(),
            # <aws.scheduler.scheduled-time> is the occurrence this message stands for (the run's cursor).
            "Input": json.dumps({"automation_id": int(automation.id),
                                 "scheduled_at": "<aws.scheduler.scheduled-time>"}),
            "RetryPolicy": {"MaximumEventAgeInSeconds": 3600, "MaximumRetryAttempts": 10},
        },
    }
    scheduler = client("scheduler")
    if exists:
        scheduler.update_schedule(**definition)
    else:
        scheduler.create_schedule(**definition)


def delete_schedule(automation_id: int) -> None:
    scheduler = client("scheduler")
    try:
        scheduler.delete_schedule(Name=schedule_name(automation_id), GroupName=settings.automation_schedule_group())
    except scheduler.exceptions.ResourceNotFoundException:
        pass  # already gone: deleting twice is deleting once


def get_schedule(automation_id: int) -> dict[str, Any] | None:
    scheduler = client("scheduler")
    try:
        return scheduler.get_schedule(Name=schedule_name(automation_id), GroupName=settings.automation_schedule_group())
    except scheduler.exceptions.ResourceNotFoundException:
        return None


def queue_arn(queue_name: str) -> str:
    attributes = client("sqs").get_queue_attributes(QueueUrl=queue.queue_url(queue_name), AttributeNames=["QueueArn"])
    return attributes["Attributes"]["QueueArn"]
