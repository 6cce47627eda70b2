"""Webhooks over moto: a job's end queues one delivery per matching endpoint; the delivery worker signs and POSTs
it to a receiver on 127.0.0.1, logs every attempt, backs off through SQS, re-checks the address, and the
dead-letter handler logs the final failure."""
from __future__ import annotations

import json
import time

import pytest

from chalicelib import settings
from chalicelib.auth import webhook_signing
from chalicelib.schemas.webhooks import WebhookCreate
from chalicelib.services import webhook_addresses
from chalicelib.services import webhooks as service
from chalicelib.services.webhook_addresses import Target
from chalicelib.store import jobs, webhooks
from chalicelib.store.tables import WEBHOOK_MAX_RECEIVES
from chalicelib.workers import runner, scheduling, webhook_transport
from tests.factories import make_asset, make_site
from tests.schedule_jobs import BATTERY_POWER, queue_sensor_job, run_queue
from tests.webhook_receivers import ZONE, Receiver, make_certificates, queued_webhook_messages, run_webhook_queue


@pytest.fixture
def site(aws, fake_dns, monkeypatch):
    monkeypatch.setenv("FLEXCLOUD_WEBHOOKS_ALLOW_LOOPBACK", "1")
    monkeypatch.setenv("FLEXCLOUD_WEBHOOK_BACKOFF", "0")
    return make_site(admin=True, sensors={"battery": BATTERY_POWER})


def hook(site, url="https://hooks.example.com/all", **body) -> dict:
    return service.register(site.admin.user, site.account, WebhookCreate(url=url, **body))


def failing_job(asset_id: int, sensor_ids: list[int]) -> str:
    job = jobs.create(asset_id=asset_id, sensor_ids=sensor_ids, request={})

    def work(_):
        raise runner.JobFailed("Infeasible problem: the battery cannot reach its target.")

    runner.handle_message(json.dumps({"job_id": job.id}), work)
    return job.id


def test_a_finished_job_queues_deliveries_for_matching_endpoints_only(site):
    other_asset = make_asset(account=site.account, name="other site")
    everything = hook(site)
    this_asset = hook(site, url="https://hooks.example.com/this", events=["job.finished"], assets=[site.asset.id])
    other = hook(site, url="https://hooks.example.com/other", assets=[other_asset.id])
    failures = hook(site, url="https://hooks.example.com/failures", events=["job.failed"])
    stranger = make_site(account_name="Stranger", admin=True)
    hook(stranger, url="https://hooks.example.com/stranger")

    job_id = queue_sensor_job(site.battery)
    run_queue()
    messages = queued_webhook_messages()
    assert sorted(m["webhook"] for m in messages) == sorted([everything["id"], this_asset["id"]])
    job = jobs.find(job_id)
    payload = messages[0]["payload"]
    assert payload == {
        "event": "job.finished", "job": job_id, "status": "FINISHED", "kind": "scheduling", "asset": site.asset.id,
        "sensors": [site.battery.id], "job-url": f"/api/v3_0/jobs/{job_id}",
        "results-urls": [f"/api/v3_0/sensors/{site.battery.id}/schedules/{job_id}"],
        "costs": job.meta["costs"], "error": None, "timestamp": job.ended_at.isoformat()}
    assert payload["costs"]["energy"] == pytest.approx(-9.0, abs=1e-3)
    assert {m["event"] for m in messages} == {"job.finished"} and len({m["delivery"] for m in messages}) == 2

    failed_id = failing_job(site.asset.id, [site.battery.id])
    messages = queued_webhook_messages()
    assert sorted(m["webhook"] for m in messages) == sorted([everything["id"], failures["id"]])
    assert messages[0]["payload"] | {"timestamp": None} == {
        "event": "job.failed", "job": failed_id, "status": "FAILED", "kind": "scheduling", "asset": site.asset.id,
        "sensors": [site.battery.id], "job-url": f"/api/v3_0/jobs/{failed_id}", "results-urls": [], "costs": None,
        "error": "Infeasible problem: the battery cannot reach its target.", "timestamp": None}
    assert other["id"] not in [m["webhook"] for m in messages]


def test_dead_lettered_jobs_and_forecasts_notify_too(site):
    everything = hook(site)
    job_id = queue_sensor_job(site.battery)
    scheduling.handle_dead_letter(json.dumps({"job_id": job_id}))
    [message] = queued_webhook_messages()
    assert (message["webhook"], message["event"], message["payload"]["error"]) == (
        everything["id"], "job.failed", scheduling.ABANDONED)
    scheduling.handle_dead_letter(json.dumps({"job_id": job_id}))  # a second dead letter: the job ended already
    assert queued_webhook_messages() == []

    forecast = jobs.create(asset_id=site.asset.id, sensor_ids=[site.battery.id], request={})
    forecast.update(actions=[jobs.Job.kind.set("forecasting")])
    runner.handle_message(json.dumps({"job_id": forecast.id}), lambda job: {"forecasts": 96})
    [message] = queued_webhook_messages()
    assert message["payload"]["results-urls"] == [f"/api/v3_0/sensors/{site.battery.id}/forecasts/{forecast.id}"]
    assert message["payload"]["kind"] == "forecasting" and message["payload"]["costs"] is None


def test_a_queueing_fault_never_fails_the_job(site, monkeypatch):
    hook(site)
    monkeypatch.setattr(webhooks, "list_for_account", lambda _: 1 / 0)
    job_id = queue_sensor_job(site.battery)
    run_queue()
    assert jobs.find(job_id).status == "finished"


def test_delivery_is_signed_and_logged(site):
    with Receiver() as receiver:
        registered = hook(site, url=receiver.url)
        job_id = queue_sensor_job(site.battery)
        run_queue()
        assert run_webhook_queue() == ["ok"]
    [request] = receiver.received
    headers = {k.lower(): v for k, v in request.headers.items()}
    assert webhook_signing.verify(registered["secret"], headers["x-flexcloud-timestamp"], request.body,
                                  headers["x-flexcloud-signature"], now=time.time())
    assert headers["x-flexcloud-event"] == "job.finished" and headers["content-type"] == "application/json"
    assert json.loads(request.body)["job"] == job_id and request.path == "/hook"
    [row] = webhooks.deliveries(registered["id"])
    assert (row.attempt, row.outcome, row.status_code, row.error, row.job_id, row.delivery_id) == (
        1, "delivered", 200, None, job_id, headers["x-flexcloud-delivery"])


def test_failures_are_retried_with_backoff_then_dead_lettered(site, monkeypatch):
    with Receiver(statuses=[500, 500]) as receiver:
        registered = hook(site, url=receiver.url)
        queue_sensor_job(site.battery)
        run_queue()
        assert run_webhook_queue() == ["retry", "retry", "ok"]
    assert len(receiver.received) == 3
    assert len({r.headers["X-Flexcloud-Delivery"] for r in receiver.received}) == 1  # one delivery, three tries
    assert len({r.body for r in receiver.received}) == 1
    log = webhooks.deliveries(registered["id"])
    assert [(r.attempt, r.outcome, r.status_code, r.error) for r in log] == [
        (3, "delivered", 200, None), (2, "failed", 500, "HTTP 500"), (1, "failed", 500, "HTTP 500")]

    # A long backoff keeps the message invisible: SQS does not hand it out again yet.
    monkeypatch.setenv("FLEXCLOUD_WEBHOOK_BACKOFF", "60")
    with Receiver(statuses=[503]) as receiver:
        webhooks.delete(webhooks.find(site.account.id, registered["id"]))
        slow = hook(site, url=receiver.url)
        queue_sensor_job(site.battery, duration="PT2H")
        run_queue()
        assert run_webhook_queue() == ["retry"]
        assert run_webhook_queue() == []
    assert [r.status_code for r in webhooks.deliveries(slow["id"])] == [503]


def test_after_the_last_attempt_the_dead_letter_handler_logs_it(site):
    from app import record_webhook_dead_letter

    registered = hook(site, url="http://127.0.0.1:9/closed")  # nothing listens on the discard port
    queue_sensor_job(site.battery)
    run_queue()
    assert run_webhook_queue(max_messages=WEBHOOK_MAX_RECEIVES + 1) == ["retry"] * WEBHOOK_MAX_RECEIVES
    [dead] = queued_webhook_messages(settings.webhook_dlq_name())
    assert dead["webhook"] == registered["id"]
    record_webhook_dead_letter({"Records": [{"body": json.dumps(dead), "receiptHandle": "r"}]}, None)
    log = webhooks.deliveries(registered["id"])
    assert [(r.attempt, r.outcome) for r in log] == [(5, "dead-lettered")] + [(n, "failed") for n in range(5, 0, -1)]
    assert log[0].error == "Gave up after 5 attempts." and log[1].error.startswith("ConnectionRefusedError")


def test_the_address_is_checked_again_at_delivery(site, monkeypatch):
    registered = hook(site, url="https://rebind.example.com/hook")
    monkeypatch.setitem(ZONE, "rebind.example.com", ["10.9.8.7"])  # the name now points inside
    posted = []
    monkeypatch.setattr(webhook_transport, "post", lambda *args: posted.append(args) or 200)
    queue_sensor_job(site.battery)
    run_queue()
    assert run_webhook_queue(max_messages=1) == ["retry"]
    assert posted == []
    [row] = webhooks.deliveries(registered["id"])
    assert row.outcome == "failed" and row.status_code is None
    assert row.error == ("The host rebind.example.com resolves to 10.9.8.7, a private address; webhooks go to "
                         "public addresses only.")


def test_a_deleted_endpoint_gets_nothing(site):
    with Receiver() as receiver:
        registered = hook(site, url=receiver.url)
        queue_sensor_job(site.battery)
        run_queue()
        webhooks.delete(webhooks.find(site.account.id, registered["id"]))
        assert run_webhook_queue() == ["ok"]
    assert receiver.received == []
    # Malformed messages are dropped, not retried; a dead letter of a deleted endpoint is dropped too.
    from chalicelib.workers import webhooks as worker

    worker.handle_message("not json", "receipt", 1)
    worker.handle_message(json.dumps({"webhook": 1}), "receipt", 1)
    worker.handle_dead_letter(json.dumps({"account": site.account.id, "webhook": registered["id"], "delivery": "d",
                                          "event": "job.failed", "job": "j", "payload": {}}))
    assert webhooks.deliveries(registered["id"]) == []


def test_the_connection_goes_to_the_checked_address_with_the_url_host_for_tls(monkeypatch):
    """Pinning: the socket opens to the vetted address; TLS is told the URL's host (SNI and certificate check)."""
    wrapped = []

    class RecordingContext:
        def wrap_socket(self, sock, server_hostname):
            wrapped.append(server_hostname)
            return sock  # plain HTTP underneath, so the receiver below can answer

    monkeypatch.setattr(webhook_transport.ssl, "create_default_context", RecordingContext)
    with Receiver() as receiver:
        port = receiver.server.server_address[1]
        target = Target("https", "hooks.example.com", port, "/in", ("127.0.0.1",))
        assert webhook_transport.post(target, b"{}", {"Content-Type": "application/json"}, 5) == 200
    assert wrapped == ["hooks.example.com"]
    assert receiver.received[0].headers["Host"] == f"hooks.example.com:{port}"


def test_tls_to_the_pinned_address_verifies_the_certificate_of_the_url_host(tmp_path, monkeypatch):
    """A real TLS receiver on 127.0.0.1 with a certificate for hooks.example.com (from a test CA): reached at the
    pinned address under that name it is accepted; under another name, or without trusting the CA, it is not."""
    import ssl

    ca, server_context = make_certificates(tmp_path, "hooks.example.com")
    with Receiver(tls=server_context) as receiver:
        port = receiver.server.server_address[1]
        with pytest.raises(ssl.SSLCertVerificationError):  # the system's trust store does not know the test CA
            webhook_transport.post(Target("https", "hooks.example.com", port, "/", ("127.0.0.1",)), b"{}", {}, 5)
        trusting = ssl.create_default_context
        monkeypatch.setattr(webhook_transport.ssl, "create_default_context", lambda: trusting(cafile=ca))
        assert webhook_transport.post(Target("https", "hooks.example.com", port, "/in", ("127.0.0.1",)), b"{}",
                                      {"Content-Type": "application/json"}, 5) == 200
        with pytest.raises(ssl.SSLCertVerificationError, match="Hostname mismatch|doesn't match"):
            webhook_transport.post(Target("https", "other.example.com", port, "/", ("127.0.0.1",)), b"{}", {}, 5)
    assert [r.path for r in receiver.received] == ["/in"]
    assert receiver.received[0].headers["Host"] == f"hooks.example.com:{port}"
    with Receiver() as plain:  # plain HTTP where TLS is expected: the handshake fails
        with pytest.raises(OSError):
            webhook_transport.post(Target("https", "hooks.example.com", plain.server.server_address[1], "/",
                                          ("127.0.0.1",)), b"{}", {}, 5)
