"""Automations: CRUD with FlexMeasures' fields and checks, their EventBridge schedules (moto), and runs: one job per
occurrence, created as the trigger creates it, never overlapping, a backlog caught up once."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from chalicelib import settings
from chalicelib.services import automations as service
from chalicelib.store import audit, automations, eventbridge, jobs
from chalicelib.store.models import Automation
from chalicelib.workers import forecasting, scheduling
from tests.factories import make_asset, make_sensor, make_site, make_user, save_values
from tests.schedule_jobs import BATTERY, BATTERY_POWER, run_queue

PRICES = "50 EUR/MWh"


@pytest.fixture
def site(aws):
    return make_site(outsider=True, sensors={"battery": {**BATTERY_POWER, "timezone": "Europe/Amsterdam"},
                                             "load": dict(unit="kW", minutes=60)})


def schedule_parameters(site, **over):
    return {"duration": "PT4H", "flex-model": [{"sensor": site.battery.id, **BATTERY}],
            "flex-context": {"consumption-price": PRICES}, **over}


def post(api, site, token=None, **body):
    body = {"name": "Nightly schedules", "cron": "0 6 * * *", "type": "scheduling",
            "parameters": schedule_parameters(site), **body}
    return api.post(f"/api/v3_0/assets/{site.asset.id}/automations", body, token=token or site.member.token)


def url(site, automation_id=None, suffix=""):
    base = f"/api/v3_0/assets/{site.asset.id}/automations"
    return base + (f"/{automation_id}" if automation_id is not None else "") + suffix


def test_create_list_show_change_and_delete_with_its_eventbridge_schedule(api, site):
    r = post(api, site)
    assert r.status == 201, r.json
    automation_id = r.json["id"]
    assert r.json["type"] == "scheduling" and r.json["cron"] == "0 6 * * *" and r.json["active"] is True
    assert r.json["timezone"] == "Europe/Amsterdam"  # the asset's own, from its sensors
    assert r.json["recurrence-description"] == "At 06:00" and r.json["schedule-revision"] == 1
    assert r.json["cursor"] is None and r.json["next-run"].endswith("T06:00:00+01:00")
    assert r.json["output-sensors"] == [{"id": site.battery.id, "name": "battery power"}]

    schedule = eventbridge.get_schedule(automation_id)
    assert schedule["ScheduleExpression"] == "cron(0 6 * * ? *)"
    assert schedule["ScheduleExpressionTimezone"] == "Europe/Amsterdam" and schedule["State"] == "ENABLED"
    assert schedule["Target"]["Arn"] == eventbridge.queue_arn(settings.schedule_queue_name())
    assert json.loads(schedule["Target"]["Input"]) == {"automation_id": automation_id,
                                                       "scheduled_at": "<aws.scheduler.scheduled-time>"}

    listed = api.get(url(site), token=site.member.token)
    assert listed.status == 200 and [a["id"] for a in listed.json["automations"]] == [automation_id]
    assert "parameters" not in listed.json["automations"][0]
    shown = api.get(url(site, automation_id), token=site.member.token)
    assert shown.status == 200 and shown.json["parameters"] == schedule_parameters(site)

    r = api.patch(url(site, automation_id), {"active": False, "cron": "30 5 * * 1-5", "timezone": "Asia/Seoul"},
                  token=site.member.token)
    assert r.status == 200, r.json
    assert r.json["active"] is False and r.json["next-run"] is None and r.json["schedule-revision"] == 2
    schedule = eventbridge.get_schedule(automation_id)
    assert schedule["State"] == "DISABLED" and schedule["ScheduleExpression"] == "cron(30 5 ? * MON-FRI *)"
    assert schedule["ScheduleExpressionTimezone"] == "Asia/Seoul"

    assert api.delete(url(site, automation_id), token=site.member.token).status == 204
    assert eventbridge.get_schedule(automation_id) is None and automations.find(automation_id) is None
    assert api.get(url(site, automation_id), token=site.member.token).status == 404
    assert api.delete(url(site, automation_id), token=site.member.token).status == 404
    events = [e.event for e in audit.entries_for_asset(site.asset.id)]
    assert any(e.startswith("Created scheduling automation 'Nightly schedules'") for e in events)
    assert any(e.startswith("Updated automation 'Nightly schedules'") for e in events)
    assert any(e.startswith("Deleted automation 'Nightly schedules'") for e in events)


def test_permissions(api, site):
    assert post(api, site, token=site.outsider.token).status == 403
    automation_id = post(api, site).json["id"]
    for method, path in (("get", url(site)), ("get", url(site, automation_id)),
                         ("delete", url(site, automation_id)), ("post", url(site, automation_id, "/trigger"))):
        assert getattr(api, method)(path, token=site.outsider.token).status == 403
    other = make_asset(name="elsewhere")
    assert api.get(f"/api/v3_0/assets/{other.id}/automations/{automation_id}", token=other_admin()).status == 404


def other_admin():
    return make_user(roles=["admin"]).token


def test_sensors_out_of_reach_are_refused_and_nothing_is_stored(api, site):
    foreign = make_site(account_name="Foreign", member=False, sensors={"power": dict(minutes=15)})
    r = post(api, site, parameters=schedule_parameters(site, **{"flex-context": {
        "consumption-price": PRICES, "inflexible-device-sensors": [foreign.power.id]}}))
    assert r.status == 403 and r.json["message"] == f"You may not read sensor {foreign.power.id}."
    r = post(api, site, type="forecasting", parameters={"sensor": foreign.power.id})
    assert r.status == 403 and r.json["message"] == f"You may not record data on sensor {foreign.power.id}."
    public = make_sensor(make_asset(account=None, name="public"), name="public prices", minutes=60)
    r = post(api, site, type="forecasting", parameters={"sensor": public.id})
    assert r.status == 403  # only admins record on public sensors
    assert list(Automation.scan()) == []


@pytest.mark.parametrize("body, field", [
    ({"cron": "0 6 * *"}, "cron"),
    ({"cron": "61 6 * * *"}, "cron"),
    ({"cron": "0 6 1 * 1"}, "cron"),  # EventBridge cannot combine a day of the month with a day of the week
    ({"timezone": "Europe/NotAmsterdam"}, "timezone"),
    ({"type": "reporting"}, "type"),
    ({"name": ""}, "name"),
    ({"type": "forecasting", "parameters": {}}, "parameters"),
    ({"type": "forecasting", "parameters": {"sensor": "BATTERY", "not-a-parameter": 1}}, "parameters"),
    ({"type": "forecasting", "parameters": {"sensor": "BATTERY"}, "config": {"not-a-config-field": 1}}, "config"),
    ({"config": {"model": "CustomLGBM"}}, "config"),
    ({"data-generator": "TrainPredictPipeline"}, "data-generator"),
    ({"parameters": {"duration": "PT12H", "not-a-parameter": 1}}, "parameters"),
])
def test_invalid_automations_get_422_naming_the_field(api, site, body, field):
    body = json.loads(json.dumps(body).replace('"BATTERY"', str(site.battery.id)))
    r = post(api, site, **body)
    assert r.status == 422, r.json
    assert field in r.json["message"]["json"], r.json
    assert list(Automation.scan()) == []


def occurrence(hours_ago: float = 0) -> datetime:
    now = datetime.now(timezone.utc).replace(second=0, microsecond=0)
    return now - timedelta(hours=hours_ago)


def every_minute(api, site, **body) -> int:
    r = post(api, site, cron="* * * * *", **body)
    assert r.status == 201, r.json
    return r.json["id"]


def test_a_run_creates_the_job_as_the_trigger_does_once_and_never_overlapping(api, site):
    automation_id = every_minute(api, site)
    first = occurrence()
    job_id = service.run(automation_id, first)
    assert job_id is not None
    job = jobs.find(job_id)
    assert job.meta["automation_id"] == automation_id and job.request["user_id"] == site.member.id
    assert job.request["body"]["start"] == first.isoformat()  # each run schedules from its own time
    assert service.run(automation_id, first) is None  # a redelivered occurrence runs once
    later = first + timedelta(minutes=1)
    assert service.run(automation_id, later, now=later) is None  # the first job is still queued: no overlap
    assert run_queue() == [job_id]
    status = api.get(f"/api/v3_0/jobs/{job_id}", token=site.member.token)
    assert status.status == 200 and status.json["automation"] == automation_id
    listed = api.get(f"/api/v3_0/assets/{site.asset.id}/jobs", token=site.member.token).json["jobs"]
    assert [json.loads(j["metadata"])["automation_id"] for j in listed] == [automation_id]
    schedule = api.get(f"/api/v3_0/sensors/{site.battery.id}/schedules/{job_id}", token=site.member.token)
    assert schedule.status == 200 and len(schedule.json["values"]) == 16
    even_later = later + timedelta(minutes=1)
    assert service.run(automation_id, even_later, now=even_later) is not None
    assert automations.find(automation_id).cursor == even_later


def test_a_backlog_is_caught_up_once(api, site):
    automation_id = every_minute(api, site)
    assert service.run(automation_id, occurrence(hours_ago=2)) is None  # later occurrences are due: superseded
    automation = automations.find(automation_id)
    automation.update(actions=[Automation.created_at.set(occurrence(hours_ago=3))])
    sent: dict = {}
    fired = service.fire_due(sent)
    assert [a for a, _ in fired] == [automation_id] and service.fire_due(sent) == []  # the latest only, once
    # The worker takes the occurrence, which creates and queues the run's job, then runs that job.
    job_ids = run_queue(handle=scheduling.handle_message)
    assert job_ids == [automations.find(automation_id).last_job_id]
    assert jobs.find(job_ids[0]).status == "finished"


def test_manual_trigger_runs_now_and_leaves_the_recurrence_alone(api, site):
    automation_id = every_minute(api, site, active=False)
    r = api.post(url(site, automation_id, "/trigger"), token=site.member.token)
    assert r.status == 202, r.json
    assert r.json["status"] == "ACCEPTED" and r.json["n-jobs"] == 1
    assert jobs.find(r.json["job"]).meta["automation_id"] == automation_id
    assert automations.find(automation_id).cursor is None


def test_a_run_the_parameters_no_longer_allow_leaves_a_failed_job(api, site):
    automation_id = every_minute(api, site, type="forecasting", parameters={"sensor": site.load.id})
    account_admin = make_user(roles=["account-admin"], account=site.account)
    assert api.delete(f"/api/v3_0/sensors/{site.load.id}", token=account_admin.token).status == 204
    job = jobs.find(service.run(automation_id, occurrence()))
    assert job.status == "failed" and "no longer exists" in job.error and job.kind == "forecasting"


def test_a_forecast_automation_runs_the_forecaster(api, site):
    first = occurrence(hours_ago=24 * 14)
    save_values(site.load, site.member_source, [float(h % 24) for h in range(24 * 14)], first=first)
    automation_id = every_minute(api, site, type="forecasting", parameters={"sensor": site.load.id,
                                                                             "duration": "PT6H"},
                                 config={"train-period": "P7D"})
    job_id = service.run(automation_id, occurrence())
    assert jobs.find(job_id).kind == "forecasting"
    assert run_queue(queue_name=settings.forecast_queue_name(), handle=forecasting.handle_message) == [job_id]
    assert jobs.find(job_id).status == "finished"
    schedule = eventbridge.get_schedule(automation_id)
    assert schedule["Target"]["Arn"] == eventbridge.queue_arn(settings.forecast_queue_name())


def test_deleting_the_asset_leaves_no_automation_or_schedule(api, site):
    automation_id = post(api, site).json["id"]
    account_admin = make_user(roles=["account-admin"], account=site.account)
    assert api.delete(f"/api/v3_0/assets/{site.asset.id}", token=account_admin.token).status == 204
    assert automations.find(automation_id) is None and eventbridge.get_schedule(automation_id) is None
