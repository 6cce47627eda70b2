"""Both job-response styles: the seed's (200 PROCESSED, 400 while pending; the default) and FlexMeasures 1.0.1's
(202 ACCEPTED, 202 while pending, with Retry-After), and 1.0.1's per-asset fallback to the legacy responses by
client version. Plus the schedule GET's sign conventions."""
from __future__ import annotations

import json
import time

import pytest

from chalicelib.services.job_responses import legacy_job_responses
from chalicelib.store import assets, jobs
from tests.factories import make_asset, make_sensor, make_site
from tests.schedule_jobs import BATTERY, BATTERY_POWER, PRICES, START, get_schedule, run_queue

MAX_VERSION = "FLEXMEASURES_LEGACY_JOB_RESPONSES_MAX_INCOMPATIBLE_CLIENT_VERSION"
ASSUME = "FLEXMEASURES_LEGACY_JOB_RESPONSES_ASSUME_THIS_CLIENT_VERSION"


@pytest.fixture
def site(aws):
    return make_site(sensors={"battery": BATTERY_POWER})


@pytest.fixture
def flexmeasures_style(monkeypatch):
    monkeypatch.setenv("FLEXCLOUD_JOB_RESPONSES", "flexmeasures")
    # Rate-limit headers would raise Retry-After to their window's end; without them it is the job's own.
    monkeypatch.setenv("RATELIMIT_ENABLED", "false")


def trigger(api, sensor, token, **over):
    body = {"start": START, "duration": "PT4H", "flex-model": dict(BATTERY),
            "flex-context": {"consumption-price": PRICES}, **over}
    return api.post(f"/api/v3_0/sensors/{sensor.id}/schedules/trigger", body, token=token)


def test_seed_style_is_the_default(api, site):
    r = trigger(api, site.battery, site.member.token)
    assert r.status == 200 and r.json == {"status": "PROCESSED", "message": "Request has been processed.",
                                          "schedule": r.json["schedule"]}
    pending = get_schedule(api, site.battery, r.json["schedule"], site.member.token)
    assert pending.status == 400 and pending.json["status"] == "UNKNOWN_SCHEDULE"


def test_flexmeasures_style_accepts_and_answers_202_while_pending(api, site, flexmeasures_style):
    member = site.member.token
    r = trigger(api, site.battery, member)
    job_id = r.json["job"]
    assert r.status == 202 and r.headers["retry-after"] == "1"
    assert r.json == {"status": "ACCEPTED", "message": "Request has been accepted for processing.", "job": job_id,
                      "job-url": f"/api/v3_0/jobs/{job_id}",
                      "results-url": f"/api/v3_0/sensors/{site.battery.id}/schedules/{job_id}", "schedule": job_id}

    pending = get_schedule(api, site.battery, job_id, member)
    assert pending.status == 202 and pending.headers["retry-after"] == "1"
    assert pending.json == {"status": "QUEUED",
                            "message": "Scheduling job waiting to be processed. StorageScheduler was used."}
    assert jobs.claim(jobs.find(job_id))
    pending = get_schedule(api, site.battery, job_id, member)
    assert (pending.status, pending.json["status"]) == (202, "STARTED")
    job_status = api.get(f"/api/v3_0/jobs/{job_id}", token=member)
    assert job_status.status == 202 and job_status.headers["retry-after"] == "1"

    jobs.find(job_id).update(actions=[jobs.Job.status.set("queued")])
    assert run_queue() == [job_id]
    done = get_schedule(api, site.battery, job_id, member)
    assert done.status == 200 and done.json["status"] == "PROCESSED" and len(done.json["values"]) == 16
    assert "retry-after" not in done.headers


def test_flexmeasures_style_failed_job_is_400_on_the_schedule_and_422_on_the_job(api, site, flexmeasures_style):
    member = site.member.token
    failing = trigger(api, site.battery, member, **{"flex-context": {}}).json["job"]
    run_queue()
    r = get_schedule(api, site.battery, failing, member)
    assert r.status == 400 and r.json["status"] == "UNKNOWN_SCHEDULE"
    assert r.json["message"] == ("No known schedule for this time period. Scheduling job failed with "
                                 "UnknownPricesException: Prices unknown for planning window. StorageScheduler was "
                                 "used.")  # FlexMeasures 1.0's wording: the reason's own final period dropped
    r = api.get(f"/api/v3_0/jobs/{failing}", token=member)
    assert r.status == 422 and r.json["status"] == "FAILED" and "retry-after" not in r.headers


def test_flexmeasures_style_asset_trigger_has_no_results_url(api, site, flexmeasures_style):
    body = {"start": START, "duration": "PT4H", "flex-model": [{"sensor": site.battery.id, **BATTERY}],
            "flex-context": {"consumption-price": PRICES}}
    r = api.post(f"/api/v3_0/assets/{site.asset.id}/schedules/trigger", body, token=site.member.token)
    assert r.status == 202 and set(r.json) == {"status", "message", "job", "job-url", "schedule"}


def test_old_clients_keep_legacy_responses_by_asset_attribute(api, site, flexmeasures_style, monkeypatch):
    """The setting names an asset attribute; its version, read on the asset or up to two ancestors, at or below
    the maximum keeps the seed's responses for that asset's jobs."""
    monkeypatch.setenv(MAX_VERSION, json.dumps({"client-version": "0.9.0"}))
    device = make_asset(account=site.account, name="device", parent=site.asset)
    deeper = make_asset(account=site.account, name="deeper", parent=device)
    deepest = make_asset(account=site.account, name="deepest", parent=deeper)
    assert not legacy_job_responses(device)

    assets.update(site.asset, {"attributes": {"client-version": "0.8.5"}})
    assert legacy_job_responses(site.asset) and legacy_job_responses(device) and legacy_job_responses(deeper)
    assert not legacy_job_responses(deepest)  # the site is three levels up
    assert trigger(api, site.battery, site.member.token).status == 200

    # An empty value on the device does not shadow its site's; a newer version on it does.
    assets.update(device, {"attributes": {"client-version": ""}})
    assert legacy_job_responses(device)
    assets.update(device, {"attributes": {"client-version": "0.9.1"}})
    assert not legacy_job_responses(device)
    assets.update(device, {"attributes": {"client-version": "not a version"}})
    assert not legacy_job_responses(device)  # ignored, as FlexMeasures does


def test_assumed_client_version_and_the_deprecated_setting_name(aws, site, flexmeasures_style, monkeypatch):
    monkeypatch.setenv(ASSUME, json.dumps({"client-version": "0.8.0"}))
    assert not legacy_job_responses(site.asset)  # no maximum configured
    monkeypatch.setenv("FLEXMEASURES_LEGACY_SCHEDULEACCEPTED_STATUS_MAX_INCOMPATIBLE_CLIENT_VERSION",
                       json.dumps({"client-version": "0.9.0"}))
    assert legacy_job_responses(site.asset)
    monkeypatch.setenv(MAX_VERSION, json.dumps({"client-version": "0.7.0"}))  # the current name wins
    assert not legacy_job_responses(site.asset)
    monkeypatch.setenv(MAX_VERSION, json.dumps(["not", "a", "mapping"]))
    assert not legacy_job_responses(site.asset)


def test_bad_job_response_setting_is_a_configuration_error(aws, site, monkeypatch):
    from chalicelib.settings import ConfigurationError

    monkeypatch.setenv("FLEXCLOUD_JOB_RESPONSES", "sometimes")
    with pytest.raises(ConfigurationError):
        legacy_job_responses(site.asset)


def test_sign_conventions(api, site):
    member = site.member.token
    job_id = trigger(api, site.battery, member).json["schedule"]
    run_queue()
    consumption = get_schedule(api, site.battery, job_id, member).json["values"]
    assert consumption[0] > 0  # charging while cheap
    same = get_schedule(api, site.battery, job_id, member, **{"sign-convention": "consumption-positive"})
    assert same.json["values"] == consumption
    production = get_schedule(api, site.battery, job_id, member, **{"sign-convention": "production-positive"})
    assert production.json["values"] == pytest.approx([-v for v in consumption])
    # wysiwyg: as stored; a power sensor without consumption_is_positive stores consumption negative (§10.3).
    wysiwyg = get_schedule(api, site.battery, job_id, member, **{"sign-convention": "wysiwyg"})
    assert wysiwyg.json["values"] == pytest.approx([-v for v in consumption])
    bad = get_schedule(api, site.battery, job_id, member, **{"sign-convention": "upside-down"})
    assert bad.status == 422 and list(bad.json["message"]["query"]) == ["sign-convention"]
    # Only sensors that measure power are flipped (an energy-per-step sensor is not).
    energy = make_sensor(site.asset, name="battery energy", unit="kWh", minutes=15)
    job_id = trigger(api, energy, member).json["schedule"]
    run_queue()
    plain = get_schedule(api, energy, job_id, member).json["values"]
    assert any(plain) and get_schedule(api, energy, job_id, member,
                                       **{"sign-convention": "production-positive"}).json["values"] == plain


def test_job_status_may_hold_a_pending_job_until_it_ends(api, site, monkeypatch):
    """FLEXCLOUD_JOB_STATUS_WAIT (long polling, 0 = FlexMeasures' immediate answer): the job ends during the wait."""
    from chalicelib.services import schedules

    job_id = trigger(api, site.battery, site.member.token).json["schedule"]
    assert api.get(f"/api/v3_0/jobs/{job_id}", token=site.member.token).status == 202  # no wait by default
    monkeypatch.setenv("FLEXCLOUD_JOB_STATUS_WAIT", "5")
    naps = []

    def nap(seconds):  # the worker finishes the job while the request is held
        naps.append(seconds)
        run_queue()

    monkeypatch.setattr(schedules.time, "sleep", nap)
    r = api.get(f"/api/v3_0/jobs/{job_id}", token=site.member.token)
    assert r.status == 200 and r.json["status"] == "FINISHED" and naps == [schedules.JOB_STATUS_POLL_SECONDS]

    monkeypatch.setenv("FLEXCLOUD_JOB_STATUS_WAIT", "0.2")
    monkeypatch.setattr(schedules.time, "sleep", lambda seconds: None)
    pending = trigger(api, site.battery, site.member.token, duration="PT2H").json["schedule"]
    began = time.monotonic()
    r = api.get(f"/api/v3_0/jobs/{pending}", token=site.member.token)
    assert r.status == 202 and time.monotonic() - began >= 0.2


def test_job_status_wait_setting_is_bounded(monkeypatch):
    from chalicelib import settings

    for bad in ("60", "-1", "soon"):
        monkeypatch.setenv("FLEXCLOUD_JOB_STATUS_WAIT", bad)
        with pytest.raises(settings.ConfigurationError):
            settings.job_status_wait_seconds()
