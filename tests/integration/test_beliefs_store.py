"""The chunked belief store against in-process DynamoDB: merge rules, parts, deletes, concurrency."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from functools import partial

import numpy as np
import pytest

from chalicelib.store import beliefs as store
from chalicelib.timeseries.beliefs import Beliefs, to_us
from tests.concurrency import BeliefRace

T0 = datetime(2025, 1, 1, tzinfo=timezone.utc)
Q = timedelta(minutes=15)


def _beliefs(n: int, value: float = 1.0, start: datetime = T0, belief_time: datetime | None = None) -> Beliefs:
    starts = [to_us(start + i * Q) for i in range(n)]
    return Beliefs.of(starts, to_us(belief_time or T0 - timedelta(days=1)), np.full(n, value) + np.arange(n))


def _chunks(sensor_id: int) -> list:
    return list(store.BeliefChunk.query(sensor_id))


def test_save_and_read_back_one_item_per_day(aws):
    result = store.save(1, 7, _beliefs(2 * 96), Q)
    assert (result.added, result.unchanged, result.replaced) == (192, 0, 0)
    assert len(_chunks(1)) == 2
    read = store.read_beliefs(1, T0, T0 + timedelta(days=2))
    assert len(read) == 192
    assert read.value[:3].tolist() == [1.0, 2.0, 3.0]
    assert set(read.source_id.tolist()) == {7}
    assert store.read_beliefs(1, T0 + timedelta(hours=1), T0 + timedelta(hours=2)).value.tolist() == [5.0, 6.0, 7.0, 8.0]


def test_identical_beliefs_are_unchanged_and_other_values_are_replacements(aws):
    store.save(1, 7, _beliefs(4), Q)
    again = store.save(1, 7, _beliefs(4), Q)
    assert (again.added, again.unchanged) == (0, 4)
    with pytest.raises(store.ReplacementRefused):
        store.save(1, 7, _beliefs(4, value=5.0), Q)
    assert store.read_beliefs(1, T0, T0 + Q * 4).value.tolist() == [1.0, 2.0, 3.0, 4.0]
    replaced = store.save(1, 7, _beliefs(4, value=5.0), Q, allow_overwrite=True)
    assert replaced.replaced == 4
    assert store.read_beliefs(1, T0, T0 + Q * 4).value.tolist() == [5.0, 6.0, 7.0, 8.0]


def test_a_later_belief_with_the_same_value_is_not_stored(aws):
    store.save(1, 7, _beliefs(4), Q)
    later = store.save(1, 7, _beliefs(4, belief_time=T0 - timedelta(hours=1)), Q)
    assert (later.added, later.unchanged) == (0, 4)
    starts = [to_us(T0 + i * Q) for i in range(4)]
    changed = store.save(1, 7, Beliefs.of(starts, to_us(T0), [1.0, 5.0, 3.0, 9.0]), Q)
    assert (changed.added, changed.unchanged) == (2, 2)
    assert len(store.read_beliefs(1, T0, T0 + Q * 4)) == 6


def test_sources_are_kept_apart(aws):
    store.save(1, 7, _beliefs(4), Q)
    store.save(1, 8, _beliefs(4, value=10.0), Q)
    assert len(_chunks(1)) == 2
    assert store.read_beliefs(1, T0, T0 + Q * 4, source_id=8).value.tolist() == [10.0, 11.0, 12.0, 13.0]
    assert store.source_ids_of(1) == {7, 8}


def test_a_full_day_continues_in_further_parts(aws, monkeypatch):
    monkeypatch.setattr(store, "MAX_BELIEFS_PER_PART", 40)
    store.save(1, 7, _beliefs(96), Q)
    parts = _chunks(1)
    assert [p.count for p in parts] == [40, 40, 16]
    assert store.read_beliefs(1, T0, T0 + timedelta(days=1)).value.tolist() == [float(i + 1) for i in range(96)]
    store.delete_beliefs(1, start=T0, until=T0 + Q * 90)
    assert [p.count for p in _chunks(1)] == [6]


def test_delete_by_source_and_window(aws):
    store.save(1, 7, _beliefs(96 * 2), Q)
    store.save(1, 8, _beliefs(96 * 2), Q)
    store.delete_beliefs(1, source_id=7, start=T0 + timedelta(hours=12), until=T0 + timedelta(days=3))
    left = store.read_beliefs(1, T0, T0 + timedelta(days=2))
    assert (left.source_id == 7).sum() == 48 and (left.source_id == 8).sum() == 192
    store.delete_beliefs(1, source_id=8)
    assert set(store.read_beliefs(1, T0, T0 + timedelta(days=2)).source_id.tolist()) == {7}
    assert store.delete_all(1) == 1
    assert _chunks(1) == []


@pytest.mark.parametrize("spacing", [Q, timedelta(hours=12)], ids=["one day: conditional put", "days: transaction"])
def test_concurrent_posts_to_one_sensor_day_both_land(aws, monkeypatch, spacing):
    # Both writers read the (empty) days before either writes, so one must lose the version check and retry.
    race = BeliefRace(monkeypatch)

    def post(offset: int) -> None:
        starts = [to_us(T0 + Q * offset + spacing * 2 * i) for i in range(5)]
        store.save(1, 7, Beliefs.of(starts, to_us(T0), [float(offset + 2 * i) for i in range(5)]), Q)

    _, errors = race.run(partial(post, 0), partial(post, 1))
    assert errors == []
    assert len(race.lost) == 1  # exactly one writer hit the conflict and retried
    read = store.read_beliefs(1, T0, T0 + timedelta(days=5))
    assert sorted(read.value.tolist()) == [float(i) for i in range(10)]
    assert {c.version for c in _chunks(1)} == {2}


def test_scheduler_interfaces_write_beliefs_and_read_series(aws):
    import pandas as pd

    from chalicelib.store import sources
    from chalicelib.store.models import Sensor

    sensor = Sensor(5, name="battery", unit="MW", event_resolution_minutes=15, generic_asset_id=1)
    scheduler = sources.scheduler_source()
    assert sources.scheduler_source().id == scheduler.id  # looked up, not created twice
    index = pd.date_range(T0, periods=8, freq="15min")
    store.write_beliefs(sensor, scheduler, index, [1, 2, 3, 4, None, 6, 7, 8], T0 - timedelta(hours=1))
    store.write_beliefs(sensor, scheduler, index[:2], [9, 9], T0 - timedelta(minutes=30))
    series = store.read_series(sensor, T0, T0 + timedelta(hours=2), timedelta(hours=1))
    assert list(series.index) == [pd.Timestamp(T0), pd.Timestamp(T0 + timedelta(hours=1))]
    assert series.tolist() == [pytest.approx((9 + 9 + 3 + 4) / 4), pytest.approx((6 + 7 + 8) / 3)]
    as_of = store.read_series(sensor, T0, T0 + timedelta(minutes=30), Q, prior=T0 - timedelta(minutes=45))
    assert as_of.tolist() == [1.0, 2.0]
    assert store.read_series(sensor, T0, T0 + timedelta(minutes=30), Q, source_id=scheduler.id + 1).isna().all()
    per_source = store.read_latest(sensor, T0, T0 + timedelta(hours=2), per_source=True)
    assert len(per_source) == 7 and set(per_source.source_id.tolist()) == {scheduler.id}
