"""Sensor staleness rules (contract §7.2) and per-source stats (§7.1), without AWS."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from chalicelib.schemas.durations import parse_duration
from chalicelib.timeseries.beliefs import Beliefs, to_us
from chalicelib.timeseries.stats import stats_by_source
from chalicelib.timeseries.status import specs_for, statuses

NOW = datetime(2025, 1, 2, 8, 29, tzinfo=timezone.utc)
Q = timedelta(minutes=15)


def _beliefs(starts, source_id, belief_time=NOW - timedelta(days=1)):
    return Beliefs.of([to_us(s) for s in starts], to_us(belief_time), [1.0] * len(starts), source_id)


def test_user_data_within_twice_the_resolution_is_fresh():
    data = _beliefs([NOW - timedelta(minutes=44)], 1)  # ends 29 minutes ago
    [item] = statuses(data, {1: "user"}, Q, specs_for(Q, None, parse_duration), NOW, timezone.utc)
    assert item == {"staleness": timedelta(minutes=29), "stale": False,
                    "staleness_since": datetime(2025, 1, 2, 8, 0, tzinfo=timezone.utc),
                    "reason": "most recent data is 29 minutes old, which is not more than 30 minutes old",
                    "source_type": "user"}


def test_old_user_data_is_stale_and_status_specs_override():
    data = _beliefs([NOW - timedelta(hours=2)], 1)
    [item] = statuses(data, {1: "user"}, Q, specs_for(Q, None, parse_duration), NOW, timezone.utc)
    assert item["stale"] is True
    assert item["reason"] == "most recent data is 1 hour and 45 minutes old, but should not be more than 30 minutes old"
    relaxed = specs_for(Q, {"max_staleness": "PT3H"}, parse_duration)
    assert statuses(data, {1: "user"}, Q, relaxed, NOW, timezone.utc)[0]["stale"] is False


def test_schedules_need_enough_future_data():
    soon = _beliefs([NOW + timedelta(hours=h) for h in range(1, 4)], 2)
    far = _beliefs([NOW + timedelta(hours=h) for h in range(1, 14)], 2)
    specs = specs_for(Q, None, parse_duration)
    [short] = statuses(soon, {2: "scheduler"}, Q, specs, NOW, timezone.utc)
    assert short["stale"] is True
    assert short["reason"] == ("most recent data is 3 hours in the future, but should be more than 12 hours "
                               "in the future")
    [long] = statuses(far, {2: "scheduler"}, Q, specs, NOW, timezone.utc)
    assert long["stale"] is False and long["reason"].endswith("which is not less than 12 hours in the future")
    past = _beliefs([NOW - timedelta(hours=1)], 2)
    [none] = statuses(past, {2: "scheduler"}, Q, specs, NOW, timezone.utc)
    assert (none["stale"], none["staleness"], none["reason"]) == (
        True, None, "Found no future data which this source should have")


def test_types_in_order_and_beliefs_from_the_future_ignored():
    data = Beliefs.concat([_beliefs([NOW + timedelta(hours=20)], 2), _beliefs([NOW - timedelta(minutes=30)], 1),
                           _beliefs([NOW], 1, belief_time=NOW + timedelta(hours=1))])
    items = statuses(data, {1: "user", 2: "scheduler"}, Q, specs_for(Q, None, parse_duration), NOW, timezone.utc)
    assert [i["source_type"] for i in items] == ["user", "scheduler"]
    assert items[0]["staleness_since"] == datetime(2025, 1, 2, 8, 14, tzinfo=timezone.utc)  # the not-yet-formed belief is ignored
    assert statuses(Beliefs.empty(), {}, Q, specs_for(Q, None, parse_duration), NOW, timezone.utc)[0]["reason"] == \
        "no data recorded"


def test_stats_by_source():
    data = Beliefs.of([0, 900_000_000, 0], [5, 6, 7_000_000], [1.0, 3.0, 10.0], [1, 1, 2])
    stats = stats_by_source(data, Q, timezone.utc)
    assert stats[1] == {"First event start": "1970-01-01T00:00:00+00:00", "Last event end": "1970-01-01T00:30:00+00:00",
                        "Last recorded": "1970-01-01T00:00:00.000006+00:00", "Min value": 1.0, "Max value": 3.0,
                        "Mean value": 2.0, "Sum over values": 4.0, "Number of values": 2}
    assert stats[2]["Number of values"] == 1 and stats[2]["Mean value"] == pytest.approx(10.0)
