"""The solver worker over moto: claim, redelivery, dead letters, failures, what it reads, the app's SQS handlers.

Jobs are stored and queued as the trigger endpoints leave them (tests/api covers the triggers themselves).
"""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from chalicelib import settings
from chalicelib.scheduling import choice
from chalicelib.store import beliefs, jobs, schedule_results, sources
from chalicelib.workers import scheduling
from tests.factories import make_sensor, make_site
from tests.schedule_jobs import BATTERY, BATTERY_POWER, START, queue_job, queue_sensor_job, run_queue
from tests.store_reads import counted_sensor_reads

T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)


@pytest.fixture
def site(aws):
    return make_site(member=False, sensors={"battery": BATTERY_POWER})


def test_a_job_is_solved_stored_and_finished(site):
    battery = site.battery
    job_id = queue_sensor_job(battery)
    assert run_queue() == [job_id]
    job = jobs.find(job_id)
    assert (job.status, job.attempts, job.error) == ("finished", 1, None)
    assert job.meta["scheduler_info"] == {"scheduler": "StorageScheduler"}
    assert job.meta["costs"]["energy"] == pytest.approx(0.1 * 10 - 0.1 * 100, abs=1e-3)
    stored = schedule_results.find(job_id, battery.id)
    assert (stored.start, stored.step, stored.unit, stored.kind) == (T0, timedelta(minutes=15), "kW", "power")
    assert sum(stored.values[:8]) / 4 == pytest.approx(100) and sum(stored.values[8:]) / 4 == pytest.approx(-100)
    written = beliefs.read_latest(battery, T0, T0 + timedelta(hours=4))
    source = sources.find(int(written.source_id[0]))
    assert job.meta["data_source_info"] == {"name": "Seita", "model": "StorageScheduler", "version": "5",
                                            "id": int(source.id)}
    assert [-v for v in written.value] == pytest.approx(stored.values)  # production positive in the store


def test_redelivery_and_dead_letters(site):
    battery = site.battery
    job_id = queue_sensor_job(battery)
    body = json.dumps({"job_id": job_id})
    run_queue()
    done = jobs.find(job_id)
    assert done.status == "finished" and done.attempts == 1
    scheduling.handle_message(body)  # redelivered after success: acknowledged without work
    again = jobs.find(job_id)
    assert (again.status, again.attempts, again.ended_at) == ("finished", 1, done.ended_at)
    scheduling.handle_dead_letter(body)  # a late dead letter leaves a finished job alone
    assert jobs.find(job_id).status == "finished"

    # A worker that died mid-job left it `started`; the redelivered message runs it again.
    job_id = queue_sensor_job(battery, duration="PT2H")
    assert jobs.claim(jobs.find(job_id))
    run_queue()
    retried = jobs.find(job_id)
    assert (retried.status, retried.attempts) == ("finished", 2)
    stored = schedule_results.find(job_id, battery.id)  # what GET /sensors/<id>/schedules/<job> answers with
    assert stored is not None and len(stored.values) == 8

    # A message SQS gave up on fails its job, so it never stays queued.
    job_id = queue_sensor_job(battery, duration="PT3H")
    scheduling.handle_dead_letter(json.dumps({"job_id": job_id}))
    failed = jobs.find(job_id)
    assert (failed.status, failed.error) == ("failed", scheduling.ABANDONED)
    assert failed.error.startswith("WorkerError:")
    run_queue()  # the original message, if it still arrives, finds the job ended
    assert jobs.find(job_id).status == "failed"
    assert schedule_results.find(job_id, battery.id) is None
    scheduling.handle_message("not json")  # malformed and unknown messages are dropped, not retried
    scheduling.handle_message(json.dumps({"job_id": "no-such-job"}))


def test_unexpected_worker_errors_fail_the_job_and_aws_faults_are_retried(site, monkeypatch):
    from botocore.exceptions import EndpointConnectionError

    job_id = queue_sensor_job(site.battery)

    def broken(*_):
        raise KeyError("gone")

    monkeypatch.setattr(scheduling, "solve", broken)
    run_queue()
    assert jobs.find(job_id).error == "KeyError: 'gone'"

    job_id = queue_sensor_job(site.battery, duration="PT2H")

    def unreachable(*_):
        raise EndpointConnectionError(endpoint_url="http://dynamodb")

    monkeypatch.setattr(scheduling, "solve", unreachable)
    with pytest.raises(EndpointConnectionError):
        scheduling.handle_message(json.dumps({"job_id": job_id}))
    assert jobs.find(job_id).status == "started"  # SQS redelivers; the next attempt may claim it again


def test_a_scheduling_error_fails_the_job_with_its_reason_and_scheduler(site):
    job_id = queue_sensor_job(site.battery, **{"flex-context": {}})
    run_queue()
    job = jobs.find(job_id)
    assert (job.status, job.error) == ("failed", "UnknownPricesException: Prices unknown for planning window.")
    assert job.meta["scheduler_info"] == {"scheduler": "StorageScheduler"} and job.ended_at is not None
    assert schedule_results.find(job_id, site.battery.id) is None


@pytest.fixture
def sensor_reads():
    with counted_sensor_reads() as reads:
        yield reads


def test_a_job_reads_each_sensor_once_and_resolves_its_scheduler_once(site, admin, sensor_reads, monkeypatch):
    battery, asset = site.battery, site.asset
    soc = make_sensor(asset, name="battery soc", unit="kWh", minutes=0)
    ev = make_sensor(asset, name="charger power", unit="kW", minutes=60)
    prices = make_sensor(asset, name="prices", unit="EUR/MWh", minutes=60)
    beliefs.write_beliefs(prices, sources.user_source(admin.user), [T0 + timedelta(hours=h) for h in range(4)],
                          [50, 10, 90, 20], belief_time=T0 - timedelta(days=1))
    body = {"start": START, "duration": "PT4H",
            "flex-model": [{"sensor": battery.id, **BATTERY, "state-of-charge": {"sensor": soc.id}},
                           {"sensor": ev.id, "soc-at-start": 0, "soc-unit": "kWh", "soc-max": 40,
                            "power-capacity": "20 kW", "soc-targets": [{"value": 40, "datetime": "2026-01-01T04:00:00+00:00"}]}],
            "flex-context": {"consumption-price": {"sensor": prices.id}, "site-power-capacity": "60 kW"}}
    job_id = queue_job({"trigger": "asset", "body": body}, asset_id=asset.id, sensor_ids=[battery.id, ev.id])
    resolved = []
    named = choice.named
    monkeypatch.setattr(choice, "named", lambda name: resolved.append(name) or named(name))
    sensor_reads.clear()

    assert run_queue() == [job_id]
    assert jobs.find(job_id).status == "finished"
    # Results went to all three device sensors, yet each sensor (prices too) was read once.
    assert all(schedule_results.find(job_id, s.id) is not None for s in (battery, ev, soc))
    assert sensor_reads == {battery.id: 1, ev.id: 1, soc.id: 1, prices.id: 1}
    assert resolved == ["StorageScheduler"]

    sensor_reads.clear()
    resolved.clear()
    job_id = queue_sensor_job(battery, **{"flex-context": {"consumption-price": {"sensor": prices.id}}})
    run_queue()
    assert jobs.find(job_id).status == "finished"
    assert sensor_reads == {battery.id: 1, prices.id: 1} and resolved == ["StorageScheduler"]


def test_the_apps_sqs_handlers_run_the_worker(site):
    from chalice.test import Client

    from app import app

    done = queue_sensor_job(site.battery)
    abandoned = queue_sensor_job(site.battery, duration="PT2H")
    with Client(app, stage_name="dev") as lambdas:
        event = lambdas.events.generate_sqs_event(queue_name=settings.schedule_queue_name(),
                                                  message_bodies=[json.dumps({"job_id": done})])
        lambdas.lambda_.invoke("solve_schedule", event)
        event = lambdas.events.generate_sqs_event(queue_name=settings.schedule_dlq_name(),
                                                  message_bodies=[json.dumps({"job_id": abandoned})])
        lambdas.lambda_.invoke("fail_dead_letter", event)
    assert jobs.find(done).status == "finished"
    assert (jobs.find(abandoned).status, jobs.find(abandoned).error) == ("failed", scheduling.ABANDONED)
