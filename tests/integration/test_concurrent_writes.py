"""Concurrent writers (issue 14, finding 10): posts to one sensor-day, identical triggers, same-name assets."""
from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone
from functools import partial

import pytest

from chalicelib.store import beliefs as store
from chalicelib.timeseries.beliefs import Beliefs, to_us
from tests.concurrency import BeliefRace

T0 = datetime(2025, 1, 1, tzinfo=timezone.utc)
Q = timedelta(minutes=15)
WRITERS = 20


def test_twenty_concurrent_posts_to_one_sensor_day_all_succeed(aws, monkeypatch):
    """Every writer reads the same day first; the store retries each lost version check until all are in."""
    race = BeliefRace(monkeypatch, writers=WRITERS)

    def post(slot: int) -> None:
        store.save(1, 7, Beliefs.of([to_us(T0 + Q * slot)], to_us(T0), [float(slot)]), Q)

    _, errors = race.run(*(partial(post, slot) for slot in range(WRITERS)))
    assert errors == []
    assert len(race.lost) >= WRITERS - 1  # they really raced: all but one lost their first commit
    assert sorted(store.read_beliefs(1, T0, T0 + timedelta(days=1)).value.tolist()) == [float(s) for s in
                                                                                         range(WRITERS)]


def test_a_writer_that_loses_nineteen_rounds_still_gets_its_value_in(aws, monkeypatch):
    """The worst case of 20 writers on one day: each round all read, one wins, so the last loses 19 commits. The
    store keeps retrying (with jitter, bounded in time) instead of answering 503."""
    commit, losses, sleeps = store._commit, {"left": WRITERS - 1}, []

    def contended_commit(actions):
        if losses["left"]:
            losses["left"] -= 1
            return False
        return commit(actions)

    monkeypatch.setattr(store, "_commit", contended_commit)
    monkeypatch.setattr(store.time, "sleep", sleeps.append)
    store.save(1, 7, Beliefs.of([to_us(T0)], to_us(T0), [5.0]), Q)
    assert store.read_beliefs(1, T0, T0 + Q).value.tolist() == [5.0]
    assert len(sleeps) == WRITERS - 1 and max(sleeps) <= store.MAX_RETRY_SLEEP_SECONDS


def test_a_write_that_never_wins_gives_up_within_its_time_budget(aws, monkeypatch):
    from chalicelib.store.errors import WriteConflict

    clock = {"now": 0.0}
    monkeypatch.setattr(store, "_commit", lambda actions: False)
    monkeypatch.setattr(store.time, "sleep", lambda seconds: clock.__setitem__("now", clock["now"] + seconds))
    monkeypatch.setattr(store.time, "monotonic", lambda: clock["now"])
    with pytest.raises(WriteConflict):
        store.save(1, 7, Beliefs.of([to_us(T0)], to_us(T0), [5.0]), Q)
    assert clock["now"] <= store.WRITE_RETRY_SECONDS + store.MAX_RETRY_SLEEP_SECONDS
    assert store.read_beliefs(1, T0, T0 + Q).value.tolist() == []


def _in_threads(n: int, work) -> tuple[list, list]:
    results, errors = [], []

    def run(i: int) -> None:
        try:
            results.append(work(i))
        except Exception as exc:  # noqa: BLE001 - asserted by the caller
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors


class Atomically:
    """DynamoDB checks a condition and writes as one step; moto's in-process backend does not lock, so the tests
    serialise the conditional write as DynamoDB would."""

    def __init__(self, monkeypatch, module, name):
        lock, original = threading.Lock(), getattr(module, name)

        def atomic(*args, **kwargs):
            with lock:
                return original(*args, **kwargs)

        monkeypatch.setattr(module, name, atomic)


def test_ten_concurrent_identical_triggers_make_one_job(aws, monkeypatch):
    from chalicelib.services import schedules as service
    from chalicelib.store import jobs, queue
    from tests.factories import make_site
    from tests.schedule_jobs import BATTERY, BATTERY_POWER, PRICES, START

    site = make_site(sensors={"battery": BATTERY_POWER})
    barrier, cached_job = threading.Barrier(10, timeout=10), jobs.cached_job

    def cached_after_all_looked(fingerprint):  # all ten see no cached job before any writes one
        found = cached_job(fingerprint)
        barrier.wait()
        return found

    monkeypatch.setattr(jobs, "cached_job", cached_after_all_looked)
    Atomically(monkeypatch, jobs, "_put_if_free")
    body = {"start": START, "duration": "PT4H", "flex-model": dict(BATTERY),
            "flex-context": {"consumption-price": PRICES}}
    raw, force = service.sensor_trigger_args(body)
    # Each answer is a Reply; both job-response styles carry the job id under `schedule`.
    results, errors = _in_threads(10, lambda i: service.trigger_for_sensor(site.member.user, site.battery,
                                                                           dict(raw), force).body["schedule"])
    assert errors == [] and len(set(results)) == 1
    assert [job.id for job in jobs.list_for_asset(site.asset.id)] == results[:1]
    from chalicelib.aws import client

    attributes = client("sqs").get_queue_attributes(QueueUrl=queue.queue_url(),
                                                    AttributeNames=["ApproximateNumberOfMessages"])["Attributes"]
    assert attributes["ApproximateNumberOfMessages"] == "1"


def test_ten_concurrent_top_level_assets_of_one_name_store_one(aws, monkeypatch):
    from chalicelib.schemas.assets import AssetCreate
    from chalicelib.services import assets as service
    from chalicelib.store import asset_types, assets
    from tests.factories import make_account, make_user

    account = make_account("ACME")
    admin = make_user(roles=["account-admin"], account=account)
    kind = asset_types.create("battery", "A battery")
    barrier, sibling_named = threading.Barrier(10, timeout=10), assets.sibling_named

    def looked_up_together(*args, **kwargs):  # all ten find no sibling before any is stored
        found = sibling_named(*args, **kwargs)
        barrier.wait()
        return found

    monkeypatch.setattr(assets, "sibling_named", looked_up_together)
    Atomically(monkeypatch, assets, "write_with_claims")
    body = AssetCreate.model_validate({"name": "Twin", "generic_asset_type_id": kind.id, "account_id": account.id,
                                       "parent_asset_id": None})
    results, errors = _in_threads(10, lambda i: service.create(admin.user, body))
    assert len(results) == 1 and len(errors) == 9
    assert all(getattr(e, "status_code", None) == 422 for e in errors)
    assert [a.name for a in assets.list_for_account(account.id)] == ["Twin"]
