"""Scheduling under a hostile probe (issue 14, findings 5 and 11): output sensors need write permission, other
sensors' jobs stay unknown, failure texts carry no server paths."""
from __future__ import annotations

import pytest

from chalicelib.store import beliefs, jobs
from chalicelib.workers import runner
from tests.expected import FORBIDDEN
from tests.factories import make_asset, make_sensor, make_site
from tests.schedule_jobs import BATTERY, BATTERY_POWER, PRICES, START, get_schedule, run_queue


@pytest.fixture
def site(aws):
    return make_site(outsider=True, sensors={"battery": BATTERY_POWER,
                                             "soc": dict(name="soc", unit="kWh", minutes=0)})


def _trigger(api, sensor, token, **model):
    body = {"start": START, "duration": "PT4H", "flex-model": {**BATTERY, **model},
            "flex-context": {"consumption-price": PRICES}}
    return api.post(f"/api/v3_0/sensors/{sensor.id}/schedules/trigger", body, token=token)


def test_a_state_of_charge_sensor_the_user_may_not_write_is_a_403(api, site):
    """A public sensor is readable by everyone but writable by admins only: the job would write 17 values in it."""
    public = make_sensor(make_asset(name="Public place"), name="public soc", unit="kWh", minutes=0)
    r = _trigger(api, site.battery, site.member.token, **{"state-of-charge": {"sensor": public.id}})
    assert r.status == 403 and r.json == FORBIDDEN
    assert jobs.list_for_asset(site.asset.id) == [] and run_queue() == []
    assert len(beliefs.read_all_beliefs(public.id)) == 0


def test_an_asset_trigger_checks_every_output_sensor(api, site):
    public = make_sensor(make_asset(name="Public place"), name="public soc", unit="kWh", minutes=0)
    body = {"start": START, "duration": "PT4H", "flex-context": {"consumption-price": PRICES},
            "flex-model": [{"sensor": site.battery.id, **BATTERY, "state-of-charge": {"sensor": public.id}}]}
    r = api.post(f"/api/v3_0/assets/{site.asset.id}/schedules/trigger", body, token=site.member.token)
    assert r.status == 403 and r.json == FORBIDDEN
    assert jobs.list_for_asset(site.asset.id) == []


def test_an_own_state_of_charge_sensor_is_written(api, site):
    r = _trigger(api, site.battery, site.member.token, **{"state-of-charge": {"sensor": site.soc.id}})
    assert r.status == 200, r.json
    assert run_queue() == [r.json["schedule"]]
    assert len(beliefs.read_all_beliefs(site.soc.id)) == 17
    soc = get_schedule(api, site.soc, r.json["schedule"], site.member.token)
    assert soc.status == 200 and len(soc.json["values"]) == 17


def test_another_accounts_job_is_unknown_on_an_own_sensor(api, site):
    other = make_site(account_name="Other", sensors={"battery": BATTERY_POWER})
    r = _trigger(api, other.battery, other.member.token, **{"soc-at-start": "1000 kWh"})  # infeasible: fails
    job_id = r.json["schedule"]
    run_queue()
    assert jobs.find(job_id).status == "failed"
    own = get_schedule(api, site.battery, job_id, site.member.token)
    assert own.status == 400 and own.json == {
        "result": "Rejected", "status": "UNRECOGNIZED_UDI_EVENT",
        "message": f"The requested UDI event (id = {job_id}, type = job) is not known."}
    assert get_schedule(api, other.battery, job_id, other.member.token).json["status"] == "UNKNOWN_SCHEDULE"


def test_job_failure_texts_carry_no_server_paths(aws):
    site = make_site(sensors={"battery": BATTERY_POWER})
    from tests.schedule_jobs import queue_sensor_job

    job_id = queue_sensor_job(site.battery)

    def crash(job):
        raise RuntimeError("Pulp: Error while executing /var/lang/lib/python3.13/site-packages/pulp/solverdir/cbc")

    runner.handle_message('{"job_id": "%s"}' % job_id, crash)
    job = jobs.find(job_id)
    assert job.status == "failed" and job.error == "RuntimeError: Pulp: Error while executing cbc"

    job_id = queue_sensor_job(site.battery, duration="PT5H")

    def fail(job):
        raise runner.JobFailed('Solver error in "/tmp/abc123-pulp.mps": infeasible')

    runner.handle_message('{"job_id": "%s"}' % job_id, fail)
    assert jobs.find(job_id).error == 'Solver error in "abc123-pulp.mps": infeasible'
