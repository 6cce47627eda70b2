"""Forecast API: triggers (FlexMeasures 1.0.1's fields and checks), the forecaster worker run on what they queued,
the forecasts they stored, job status, and failures."""
from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone

import pytest

from chalicelib import settings
from chalicelib.store import beliefs, jobs, sources
from chalicelib.workers import forecasting
from tests.factories import make_asset, make_sensor, make_site, make_user, save_values
from tests.schedule_jobs import run_queue

START = datetime(2026, 1, 15, tzinfo=timezone.utc)
HISTORY_DAYS = 14


def daily_pattern(hour: int) -> float:
    return round(10 + 5 * math.sin(2 * math.pi * hour / 24), 6)


@pytest.fixture(autouse=True)
def flexmeasures_job_responses(monkeypatch):
    """These tests read FlexMeasures 1.0.1's job responses (the seed's: test_seed_style_job_responses)."""
    monkeypatch.setenv("FLEXCLOUD_JOB_RESPONSES", "flexmeasures")


@pytest.fixture
def site(aws):
    site = make_site(outsider=True, sensors={"load": dict(unit="kW", minutes=60),
                                             "temperature": dict(unit="°C", minutes=60)})
    first = START - timedelta(days=HISTORY_DAYS)
    hours = HISTORY_DAYS * 24
    save_values(site.load, site.member_source, [daily_pattern(h % 24) for h in range(hours)], first=first)
    return site


def trigger(api, sensor, token, **body):
    return api.post(f"/api/v3_0/sensors/{sensor.id}/forecasts/trigger", body, token=token)


def get_forecast(api, sensor, job_id, token):
    return api.get(f"/api/v3_0/sensors/{sensor.id}/forecasts/{job_id}", token=token)


def run_forecasts() -> list[str]:
    return run_queue(queue_name=settings.forecast_queue_name(), handle=forecasting.handle_message)


def test_trigger_worker_and_forecast_round_trip(api, site):
    r = trigger(api, site.load, site.member.token, start=START.isoformat(), duration="PT24H")
    assert r.status == 202, r.json
    job_id = r.json["job"]
    assert r.json == {"status": "ACCEPTED", "message": "Forecasting job has been queued.", "job": job_id,
                      "job-url": f"/api/v3_0/jobs/{job_id}",
                      "results-url": f"/api/v3_0/sensors/{site.load.id}/forecasts/{job_id}", "forecast": job_id}

    pending = get_forecast(api, site.load, job_id, site.member.token)
    assert pending.status == 202 and pending.headers["retry-after"].isdigit()
    assert pending.json == {"status": "QUEUED", "message": "Forecasting job waiting to be processed."}
    status = api.get(f"/api/v3_0/jobs/{job_id}", token=site.member.token)
    assert status.status == 202 and status.json["origin"] == "forecasting"

    assert run_forecasts() == [job_id]
    r = get_forecast(api, site.load, job_id, site.member.token)
    assert r.status == 200, r.json
    assert set(r.json) == {"start", "duration", "values", "unit"}
    assert r.json["start"] == START.isoformat() and r.json["duration"] == "PT24H" and r.json["unit"] == "kW"
    expected = [daily_pattern(h) for h in range(24)]
    assert max(abs(f - e) for f, e in zip(r.json["values"], expected)) < 0.05  # a clean daily cycle is learnt

    # Stored as beliefs of the forecaster's source, formed at the forecast's start (shown dotted in charts).
    stored = beliefs.read_latest(site.load, START, START + timedelta(hours=24), per_source=True)
    source_ids = set(int(s) for s in stored.source_id)
    forecaster = [sources.find(i) for i in source_ids if sources.find(i).type == "forecaster"]
    assert len(forecaster) == 1 and forecaster[0].model == "MedianRidge"
    assert api.get(f"/api/v3_0/jobs/{job_id}", token=site.member.token).json["status"] == "FINISHED"
    listed = api.get(f"/api/v3_0/assets/{site.asset.id}/jobs", token=site.member.token).json["jobs"]
    assert [(j["job_id"], j["queue"], j["status"]) for j in listed] == [(job_id, "forecasting", "finished")]


def test_seed_style_job_responses(api, site, monkeypatch):
    monkeypatch.setenv("FLEXCLOUD_JOB_RESPONSES", "seed")
    r = trigger(api, site.load, site.member.token, start=START.isoformat(), duration="PT24H")
    assert r.status == 200, r.json
    job_id = r.json["forecast"]
    assert r.json == {"status": "PROCESSED", "message": "Request has been processed.", "forecast": job_id}
    pending = get_forecast(api, site.load, job_id, site.member.token)
    assert pending.status == 400 and pending.json == {
        "result": "Rejected", "status": "UNKNOWN_FORECAST", "message": "Forecasting job waiting to be processed."}
    run_forecasts()
    assert get_forecast(api, site.load, job_id, site.member.token).status == 200


def test_viewpoints_every_forecast_frequency_believe_at_their_own_time(api, site):
    r = trigger(api, site.load, site.member.token, start=START.isoformat(), end=(START + timedelta(hours=12)).isoformat(),
                **{"max-forecast-horizon": "PT6H", "forecast-frequency": "PT6H"})
    assert r.status == 202, r.json
    assert run_forecasts() == [r.json["job"]]
    job = jobs.find(r.json["job"])
    assert job.meta["viewpoints"] == 2 and job.meta["forecasts"] == 12
    found = beliefs.read_beliefs(site.load.id, START, START + timedelta(hours=12), job.meta["data_source_info"]["id"])
    formed = {datetime.fromtimestamp(t / 1e6, timezone.utc) for t in found.belief_time}
    assert formed == {START, START + timedelta(hours=6)}


def test_a_future_regressor_is_read_over_the_horizon(api, site):
    first = START - timedelta(days=HISTORY_DAYS)
    save_values(site.temperature, site.member_source, [float(h % 24) for h in range(HISTORY_DAYS * 24 + 24)],
                first=first)
    r = trigger(api, site.load, site.member.token, start=START.isoformat(), duration="PT24H",
                config={"future-regressors": [site.temperature.id], "ensure-positive": True})
    assert r.status == 202, r.json
    run_forecasts()
    r = get_forecast(api, site.load, r.json["job"], site.member.token)
    assert r.status == 200 and len(r.json["values"]) == 24 and min(r.json["values"]) >= 0


def test_too_little_history_fails_the_job_with_its_reason(api, site):
    r = trigger(api, site.load, site.member.token, start=(START - timedelta(days=13)).isoformat(), duration="PT24H")
    job_id = r.json["job"]
    run_forecasts()
    r = get_forecast(api, site.load, job_id, site.member.token)
    assert r.status == 422
    assert r.json["status"] == "FAILED"
    assert r.json["message"].startswith("Forecasting job failed with NotEnoughDataException: Too little history")
    status = api.get(f"/api/v3_0/jobs/{job_id}", token=site.member.token)
    assert status.status == 422 and status.json["status"] == "FAILED"


@pytest.mark.parametrize("body, field", [
    ({"start": "2026-01-15T00:00:00+00:00", "end": "2026-01-16T00:00:00+00:00", "duration": "PT24H"}, "_schema"),
    ({"start": "2026-01-16T00:00:00+00:00", "end": "2026-01-15T00:00:00+00:00"}, "_schema"),
    ({"probabilistic": True}, "probabilistic"),
    ({"model-save-dir": "/tmp"}, "model-save-dir"),
    ({"max-forecast-horizon": "PT90M"}, "max-forecast-horizon"),
    ({"duration": "PT24H", "max-forecast-horizon": "PT6H"}, "max-forecast-horizon"),
    ({"duration": "P400D"}, "max-forecast-horizon"),
    ({"config": {"train-period": "P1D"}}, "config"),
    ({"config": {"model": "CustomLGBM"}}, "config"),
    ({"config": {"missing-threshold": "NaN"}}, "config"),
    ({"config": {"future-regressors": [999999]}}, "config"),
    ({"start": "2026-01-15T00:30:00+00:00"}, "_schema"),
    ({"duration": "soon"}, "duration"),
])
def test_invalid_triggers_get_422_and_queue_nothing(api, site, body, field):
    r = trigger(api, site.load, site.member.token, **body)
    assert r.status == 422, r.json
    assert field in r.json["message"]["json"], r.json
    assert run_forecasts() == []


def test_permissions(api, site):
    assert trigger(api, site.load, site.outsider.token).status == 403
    other = make_site(account_name="Other", sensors={"secret": dict(minutes=60)})
    r = trigger(api, site.load, site.member.token, config={"past-regressors": [other.secret.id]})
    assert r.status == 403  # a regressor the user may not read
    r = trigger(api, site.load, site.member.token, start=START.isoformat())
    job_id = r.json["job"]
    assert get_forecast(api, site.load, job_id, site.outsider.token).status == 403
    public = make_sensor(make_asset(account=None, name="public"), name="public", minutes=60)
    assert trigger(api, public, site.member.token).status == 403  # only admins write public sensors
    assert api.post("/api/v3_0/sensors/999999/forecasts/trigger", {}, token=site.member.token).status == 422


def test_unknown_and_mismatched_jobs_get_422(api, site):
    r = get_forecast(api, site.load, "0e9f3ff2-1d36-4c38-9f0f-000000000000", site.member.token)
    assert r.status == 422 and r.json["message"] == "Job 0e9f3ff2-1d36-4c38-9f0f-000000000000 not found."
    job_id = trigger(api, site.load, site.member.token, start=START.isoformat()).json["job"]
    r = get_forecast(api, site.temperature, job_id, site.member.token)
    assert r.status == 422
    assert r.json["message"] == (f"Sensor ID mismatch: job {job_id} is for sensor {site.load.id}, not sensor "
                                 f"{site.temperature.id}.")


def test_a_deleted_sensor_fails_its_queued_job(api, site):
    job_id = trigger(api, site.load, site.member.token, start=START.isoformat()).json["job"]
    account_admin = make_user(roles=["account-admin"], account=site.account)
    assert api.delete(f"/api/v3_0/sensors/{site.load.id}", token=account_admin.token).status == 204
    run_forecasts()
    job = jobs.find(job_id)
    assert job.status == "failed" and "no longer exists" in job.error
