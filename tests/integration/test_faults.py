"""Fault injection (issue 14): a worker killed mid-job, a message redelivered after success, DynamoDB throttling
during a post, the visibility heartbeat. Each ends in a correct state with nothing half-written. (An S3 failure
during an upload: tests/api/test_hostile_upload.py.)"""
from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

import botocore.client
import pytest
from botocore.exceptions import ClientError

from chalicelib.aws import client
from chalicelib.store import beliefs, jobs, queue, schedule_results
from chalicelib.store.tables import MAX_RECEIVES_BEFORE_DLQ
from chalicelib.timeseries.beliefs import Beliefs, to_us
from chalicelib.workers import heartbeat, runner, scheduling
from tests.factories import make_site
from tests.schedule_jobs import BATTERY_POWER, queue_sensor_job

T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)


@pytest.fixture
def site(aws):
    return make_site(sensors={"battery": BATTERY_POWER})


class Killed(BaseException):
    """What a worker sees of SIGKILL or a Lambda timeout: nothing after it runs (not an Exception: no handler)."""


def _receive(url: str | None = None) -> dict | None:
    """One message, as the Lambda poller receives it; visible again at once if not deleted (no 2-minute wait)."""
    got = client("sqs").receive_message(QueueUrl=url or queue.queue_url(), MaxNumberOfMessages=1,
                                        VisibilityTimeout=0, AttributeNames=["All"]).get("Messages", [])
    return got[0] if got else None


def _deliver(message: dict, work=None) -> None:
    """The solver Lambda on one message: the message is deleted only when the handler returns."""
    if work is None:
        scheduling.handle_message(message["Body"], message["ReceiptHandle"])
    else:
        runner.handle_message(message["Body"], work, message["ReceiptHandle"])
    client("sqs").delete_message(QueueUrl=queue.queue_url(), ReceiptHandle=message["ReceiptHandle"])


def _killed_mid_job(job):
    raise Killed()


def test_a_worker_killed_mid_job_leaves_it_to_a_redelivery_that_finishes_it(site):
    job_id = queue_sensor_job(site.battery)
    with pytest.raises(Killed):
        _deliver(_receive(), _killed_mid_job)
    assert jobs.find(job_id).status == "started"  # the message was not deleted: SQS delivers it again
    _deliver(_receive())
    job = jobs.find(job_id)
    assert (job.status, job.attempts) == ("finished", 2)
    assert len(schedule_results.find(job_id, site.battery.id).values) == 16
    assert _receive() is None


def test_a_worker_killed_on_every_try_ends_failed_never_stuck_started(site):
    job_id = queue_sensor_job(site.battery)
    for _ in range(MAX_RECEIVES_BEFORE_DLQ):
        with pytest.raises(Killed):
            _deliver(_receive(), _killed_mid_job)
    assert _receive() is None  # over maxReceiveCount: SQS moved it to the dead-letter queue
    dead = _receive(queue.queue_url(scheduling_dlq()))
    assert dead is not None
    scheduling.handle_dead_letter(dead["Body"])
    job = jobs.find(job_id)
    assert (job.status, job.error) == ("failed", scheduling.ABANDONED)


def scheduling_dlq() -> str:
    from chalicelib import settings

    return settings.schedule_dlq_name()


def test_a_message_redelivered_after_success_does_no_work_twice(site):
    job_id = queue_sensor_job(site.battery)
    message = _receive()
    scheduling.handle_message(message["Body"], message["ReceiptHandle"])  # solved, but the delete is lost
    finished = jobs.find(job_id)
    stored = len(beliefs.read_all_beliefs(site.battery.id))
    calls = []
    _deliver(_receive(), lambda job: calls.append(job) or {})
    assert calls == []  # the claim refused an ended job: acknowledged without work
    again = jobs.find(job_id)
    assert (again.status, again.attempts, again.ended_at) == ("finished", finished.attempts, finished.ended_at)
    assert len(beliefs.read_all_beliefs(site.battery.id)) == stored


class Throttle:
    """DynamoDB refusing writes to the beliefs table with ProvisionedThroughputExceededException (as botocore
    raises it once its own retries are spent), `times` times (None: always)."""

    def __init__(self, monkeypatch, times: int | None):
        self.left, self.refused = times, 0
        original = botocore.client.BaseClient._make_api_call
        throttle = self

        def api_call(client_self, operation, params):
            if operation in ("PutItem", "TransactWriteItems") and "beliefs" in str(params) and (
                    throttle.left is None or throttle.left > 0):
                throttle.refused += 1
                if throttle.left is not None:
                    throttle.left -= 1
                raise ClientError({"Error": {"Code": "ProvisionedThroughputExceededException",
                                             "Message": "The level of configured provisioned throughput for the "
                                                        "table was exceeded."}}, operation)
            return original(client_self, operation, params)

        monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", api_call)


def _post(api, site, values):
    return api.post(f"/api/v3_0/sensors/{site.battery.id}/data",
                    {"values": values, "start": "2026-01-01T00:00:00+00:00", "duration": f"PT{15 * len(values)}M",
                     "unit": "kW"}, token=site.member.token)


@pytest.fixture
def api(aws):
    from chalice.test import Client

    from app import app
    from tests.api.client import Api

    with Client(app, stage_name="dev") as test_client:
        yield Api(test_client)


def test_a_throttled_post_is_retried_inside_the_request(api, site, monkeypatch):
    throttle = Throttle(monkeypatch, times=3)
    r = _post(api, site, [1.0, 2.0])
    assert r.status == 200, r.body
    assert throttle.refused == 3
    assert beliefs.read_all_beliefs(site.battery.id).value.tolist() == [1.0, 2.0]


def test_a_post_throttled_beyond_its_budget_is_a_clear_503_with_nothing_written(api, site, monkeypatch):
    monkeypatch.setattr(beliefs, "WRITE_RETRY_SECONDS", 0.3)
    Throttle(monkeypatch, times=None)
    r = _post(api, site, [1.0, 2.0])
    assert r.status == 503, r.body
    assert r.json["status"] == 503 and "retry" in r.json["message"]
    assert len(beliefs.read_all_beliefs(site.battery.id)) == 0


def test_throttling_elsewhere_is_a_503_with_retry_after(api, site, monkeypatch):
    from chalicelib.store import assets
    from tests.factories import make_user

    owner = make_user(roles=["account-admin"], account=site.account)
    original = botocore.client.BaseClient._make_api_call

    def api_call(client_self, operation, params):
        if operation == "TransactWriteItems":
            raise ClientError({"Error": {"Code": "ThrottlingException", "Message": "Rate exceeded"}}, operation)
        return original(client_self, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", api_call)
    r = api.patch(f"/api/v3_0/assets/{site.asset.id}", {"name": "Renamed"}, token=owner.token)
    # (Retry-After: the later of 1 s and the rate-limit window's end, which Flask-Limiter sets on every response.)
    assert r.status == 503 and int(r.headers["retry-after"]) >= 1, r.body
    assert r.json == {"message": "The service is busy; the request was not completed. Please retry shortly.",
                      "status": 503}
    assert assets.find(site.asset.id).name == "ACME site"


def test_the_heartbeat_keeps_a_message_invisible_while_its_job_runs(site):
    queue_sensor_job(site.battery)
    sqs = client("sqs")
    message = sqs.receive_message(QueueUrl=queue.queue_url(), VisibilityTimeout=1).get("Messages")[0]
    with heartbeat.holding(message["ReceiptHandle"], every=0.2, extend_to=1):
        time.sleep(1.6)  # past the 1 s it was received for
        assert sqs.receive_message(QueueUrl=queue.queue_url()).get("Messages", []) == []
    time.sleep(1.3)  # the beats stopped with the job (a crashed worker's stop too): visible again
    assert len(sqs.receive_message(QueueUrl=queue.queue_url()).get("Messages", [])) == 1


def test_the_solver_handler_holds_its_message(site, monkeypatch):
    held = []
    monkeypatch.setattr(runner, "holding", lambda receipt: held.append(receipt) or _null())
    job_id = queue_sensor_job(site.battery)
    message = _receive()
    from app import solve_schedule

    solve_schedule({"Records": [{"body": message["Body"], "receiptHandle": message["ReceiptHandle"],
                                 "eventSource": "aws:sqs"}]}, None)
    assert held == [message["ReceiptHandle"]] and jobs.find(job_id).status == "finished"


def _null():
    from contextlib import nullcontext

    return nullcontext()
