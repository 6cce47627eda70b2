"""Naturalized times and durations as FlexMeasures shows them."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from chalicelib.schemas.naturalize import naturalized_datetime, naturalized_duration

NOW = datetime(2026, 8, 20, 12, 0, tzinfo=timezone.utc)


def test_within_a_day_is_relative():
    assert naturalized_datetime(NOW, now=NOW) == "now"
    assert naturalized_datetime(NOW - timedelta(minutes=3), now=NOW) == "3 minutes ago"
    assert naturalized_datetime(NOW - timedelta(hours=1), now=NOW) == "an hour ago"
    assert naturalized_datetime(NOW - timedelta(hours=23), now=NOW) == "23 hours ago"


def test_older_is_a_date_in_the_viewers_timezone():
    today = date.today()
    two_days = datetime.combine(today - timedelta(days=2), datetime.min.time(), timezone.utc) + timedelta(hours=12)
    now = two_days + timedelta(days=2)
    expected = (today - timedelta(days=2)).strftime("%b %d")
    assert naturalized_datetime(two_days, "UTC", now=now) == expected
    long_ago = datetime(2024, 8, 5, 23, 30, tzinfo=timezone.utc)
    assert naturalized_datetime(long_ago, "UTC") == "Aug 05 2024"
    # 23:30 UTC is already the next day in Amsterdam.
    assert naturalized_datetime(long_ago, "Europe/Amsterdam") == "Aug 06 2024"
    assert naturalized_datetime(long_ago, "Not/AZone") == "Aug 05 2024"


def test_null_is_never():
    assert naturalized_datetime(None) == "never"


def test_durations():
    assert [naturalized_duration(timedelta(minutes=m)) for m in (15, 60, 1440, 0)] == [
        "15 minutes", "an hour", "a day", "a moment"]
