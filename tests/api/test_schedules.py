"""Scheduling API: triggers, schedules the worker made from them, asset jobs, job status (the worker itself:
tests/integration/test_worker.py)."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from chalicelib.store import beliefs, jobs, sources
from tests.factories import make_asset, make_sensor, make_site
from tests.schedule_jobs import BATTERY, BATTERY_POWER, PRICES, START, get_schedule, run_queue


@pytest.fixture
def site(aws):
    return make_site(outsider=True, sensors={"battery": BATTERY_POWER})


def trigger(api, sensor, token, **over):
    body = {"start": START, "duration": "PT4H", "flex-model": dict(BATTERY),
            "flex-context": {"consumption-price": PRICES}, **over}
    return api.post(f"/api/v3_0/sensors/{sensor.id}/schedules/trigger", body, token=token)


def test_sensor_trigger_worker_and_schedule_round_trip(api, site):
    r = trigger(api, site.battery, site.member.token)
    assert r.status == 200
    job_id = r.json["schedule"]
    assert r.json == {"schedule": job_id, "status": "PROCESSED", "message": "Request has been processed."}

    pending = get_schedule(api, site.battery, job_id, site.member.token)
    assert pending.status == 400
    assert pending.json == {"result": "Rejected", "status": "UNKNOWN_SCHEDULE",
                            "message": "No known schedule for this time period. Scheduling job waiting to be "
                                       "processed. StorageScheduler was used."}

    assert run_queue() == [job_id]
    r = get_schedule(api, site.battery, job_id, site.member.token, duration="PT4H")
    assert r.status == 200, r.json
    values = r.json["values"]
    assert len(values) == 16 and r.json["start"] == START and r.json["duration"] == "PT4H"
    assert r.json["unit"] == "kW" and r.json["status"] == "PROCESSED"
    assert r.json["scheduler_info"] == {"scheduler": "StorageScheduler"}
    assert r.json["message"] == "Request has been processed. StorageScheduler was used."
    # Charge 100 kWh while cheap (consumption positive), sell it all while dear.
    assert sum(values[:8]) / 4 == pytest.approx(100) and all(v >= 0 for v in values[:8])
    assert sum(values[8:]) / 4 == pytest.approx(-100)
    assert all(abs(v) <= 50 + 1e-6 for v in values)
    costs = r.json["costs"]
    assert costs["currency"] == "EUR"
    assert costs["energy"] == pytest.approx(0.1 * 10 - 0.1 * 100, abs=1e-3)

    # Stored as beliefs of the scheduler's source, consumption negative in the database (§10.3).
    stored = beliefs.read_latest(site.battery, datetime(2026, 1, 1, tzinfo=timezone.utc),
                                 datetime(2026, 1, 1, 4, tzinfo=timezone.utc))
    source = sources.find(int(stored.source_id[0]))
    assert (source.type, source.model, source.name) == ("scheduler", "StorageScheduler", "Seita")
    assert [-v for v in stored.value] == pytest.approx(values)

    # The default duration is 6 hours, trimmed to the available data; a unit converts the values.
    r = get_schedule(api, site.battery, job_id, site.member.token, unit="MW")
    assert r.json["duration"] == "PT4H" and r.json["unit"] == "MW"
    assert r.json["values"] == pytest.approx([v / 1000 for v in values])
    r = get_schedule(api, site.battery, job_id, site.member.token, duration="PT1H")
    assert r.json["values"] == values[:4] and r.json["duration"] == "PT1H"


def test_schedule_duration_of_a_day_or_more_is_written_in_hours(api, site):
    """FlexMeasures formats the GET's duration without nominal days (PT24H, not P1D)."""
    r = trigger(api, site.battery, site.member.token, duration="PT30H",
                **{"flex-context": {"consumption-price": "10 EUR/MWh"}})
    job_id = r.json["schedule"]
    assert run_queue() == [job_id]
    r = get_schedule(api, site.battery, job_id, site.member.token, duration="PT24H")
    assert r.status == 200 and r.json["duration"] == "PT24H" and len(r.json["values"]) == 96
    r = get_schedule(api, site.battery, job_id, site.member.token, duration="PT48H")
    assert r.json["duration"] == "PT30H" and len(r.json["values"]) == 120


def test_consumption_is_positive_false_stores_and_returns_the_solver_sign(api, site):
    """[SEED] §10.3: the sensor attribute set to false stores consumption positive, and GET returns it as stored."""
    sensor = make_sensor(site.asset, name="ev power", attributes={"consumption_is_positive": False})
    job_id = trigger(api, sensor, site.member.token).json["schedule"]
    assert run_queue() == [job_id]
    values = get_schedule(api, sensor, job_id, site.member.token, duration="PT4H").json["values"]
    assert sum(values[:8]) / 4 == pytest.approx(100)  # charging while cheap is consumption, positive
    stored = beliefs.read_latest(sensor, datetime(2026, 1, 1, tzinfo=timezone.utc),
                                 datetime(2026, 1, 1, 4, tzinfo=timezone.utc))
    assert list(stored.value) == pytest.approx(values)
    # wysiwyg shows what the database holds: here the same sign.
    wysiwyg = get_schedule(api, sensor, job_id, site.member.token, duration="PT4H", **{"sign-convention": "wysiwyg"})
    assert wysiwyg.json["values"] == values


def test_trigger_validation_errors(api, site):
    member, battery = site.member.token, site.battery
    r = api.post(f"/api/v3_0/sensors/{battery.id}/schedules/trigger", {"flex-model": BATTERY}, token=member)
    assert r.status == 422
    assert r.json == {"message": {"json": {"start": ["Missing data for required field."]}}, "result": "Rejected",
                      "status": "UNPROCESSABLE_ENTITY"}
    r = trigger(api, battery, member, start="2026-01-01T00:00:00")
    assert r.status == 422 and r.json["message"] == {"json": {"start": ["Not a valid aware datetime."]}}
    r = trigger(api, battery, member, colour="blue")
    assert r.status == 422 and r.json["message"] == {"json": {"colour": ["Unknown field."]}}
    # Flex errors: FlexMeasures' invalid_flex_config shape, naming the field.
    r = trigger(api, battery, member, **{"flex-model": {**BATTERY, "power-capacity": 50}})
    assert r.status == 422 and r.json["result"] == "Rejected" and r.json["status"] == "UNPROCESSABLE_ENTITY"
    assert list(r.json["message"]["json"]["flex-model"]) == ["power-capacity"]
    r = trigger(api, battery, member, **{"flex-context": {"consumption-price": "10 EUR/kW"}})
    assert r.status == 422 and "consumption-price" in r.json["message"]["json"]["flex-context"]
    r = trigger(api, battery, member, **{"flex-model": {"soc-at-start": 10, "power-capacity": "5 kW"}})
    assert r.status == 422
    assert r.json["message"] == {"json": {"flex-model": {"soc-max": [
        "Need maximal permitted state of charge, please specify soc-max or some soc-targets."]}}}
    r = trigger(api, battery, member, **{"flex-context": {"consumption-price": {"sensor": 999999}}})
    assert r.status == 422
    assert r.json["message"] == {"json": {"flex-context": {"consumption-price": ["No sensor found with ID 999999."]}}}
    r = trigger(api, battery, member, **{"flex-model": {**BATTERY, "soc-min": "60 kWh", "soc-max": "50 kWh"}})
    assert r.status == 422 and list(r.json["message"]["json"]["flex-model"]) == ["soc-max"]
    r = trigger(api, battery, member, **{"flex-model": {**BATTERY, "state-of-charge": {"sensor": battery.id}}})
    assert r.status == 422 and "non-instantaneous" in r.json["message"]["json"]["flex-model"]["state-of-charge"][0]
    # 2520 steps of 15 minutes at most.
    r = trigger(api, battery, member, duration="P30D")
    assert r.status == 422 and "2520 steps" in r.json["message"]["json"]["duration"][0]
    assert jobs.list_for_asset(site.asset.id) == []  # nothing was queued for any of these


def test_trigger_path_and_permission_errors(api, site, make_user):
    r = api.post("/api/v3_0/sensors/999999/schedules/trigger", {"start": START, "flex-model": BATTERY},
                 token=site.member.token)
    assert r.status == 422 and r.json["message"] == {"path": {"id": ["No sensor found with ID 999999."]}}
    r = trigger(api, site.battery, site.outsider.token)
    assert r.status == 403 and r.json["status"] == "INVALID_SENDER"
    r = trigger(api, site.battery, None)
    assert r.status == 401
    reader = make_user(roles=["admin-reader"])
    assert trigger(api, site.battery, reader.token).status == 403
    # A price sensor the user cannot read is as good as unknown.
    other_asset = make_asset(account=site.outsider.account, name="elsewhere")
    foreign = make_sensor(other_asset, name="their prices", unit="EUR/MWh", minutes=60)
    r = trigger(api, site.battery, site.member.token,
                **{"flex-context": {"consumption-price": {"sensor": foreign.id}}})
    assert r.status == 422
    assert r.json["message"]["json"]["flex-context"] == {
        "consumption-price": [f"No sensor found with ID {foreign.id}."]}


def test_job_cache_returns_the_same_job_unless_forced(api, site):
    member = site.member.token
    first = trigger(api, site.battery, member).json["schedule"]
    assert trigger(api, site.battery, member).json["schedule"] == first
    forced = trigger(api, site.battery, member, force_new_job_creation=True).json["schedule"]
    assert forced != first
    other = trigger(api, site.battery, member, duration="PT2H").json["schedule"]
    assert other not in (first, forced)
    hyphenated = trigger(api, site.battery, member, **{"force-new-job-creation": True}).json["schedule"]
    assert hyphenated not in (first, forced, other)
    # One job (and one message) per distinct trigger; cache hits queue nothing.
    assert {j.id for j in jobs.list_for_asset(site.asset.id)} == {first, forced, other, hyphenated}
    assert sorted(run_queue()) == sorted([first, forced, other, hyphenated])


def test_missing_prices_fail_the_job_and_the_get_says_why(api, site):
    r = trigger(api, site.battery, site.member.token, **{"flex-context": {}})
    assert r.status == 200
    job_id = r.json["schedule"]
    run_queue()
    r = get_schedule(api, site.battery, job_id, site.member.token)
    assert r.status == 400
    assert r.json == {"result": "Rejected", "status": "UNKNOWN_SCHEDULE",
                      "message": "No known schedule for this time period. Scheduling job failed with "
                                 "UnknownPricesException: Prices unknown for planning window.. StorageScheduler "
                                 "was used."}
    assert jobs.find(job_id).status == "failed"


def test_price_sensor_data_drives_the_schedule_and_gaps_fail(api, site, admin):
    prices = make_sensor(site.asset, name="prices", unit="EUR/MWh", minutes=60)
    t0 = datetime(2026, 1, 1, tzinfo=timezone.utc)
    source = sources.user_source(admin.user)
    beliefs.write_beliefs(prices, source, [t0 + timedelta(hours=h) for h in range(4)], [50, 10, 90, 20],
                          belief_time=t0 - timedelta(days=1))
    r = trigger(api, site.battery, site.member.token,
                **{"flex-context": {"consumption-price": {"sensor": prices.id}},
                   "flex-model": {**BATTERY, "soc-max": "25 kWh", "soc-targets": [
                       {"value": "0 kWh", "datetime": "2026-01-01T04:00:00+00:00"}]}})
    job_id = r.json["schedule"]
    run_queue()
    values = get_schedule(api, site.battery, job_id, site.member.token).json["values"]
    # Buy 25 kWh in the 10 EUR hour, sell it in the 90 EUR hour.
    assert sum(values[4:8]) / 4 == pytest.approx(25) and sum(values[8:12]) / 4 == pytest.approx(-25)
    assert jobs.find(job_id).meta["costs"]["energy"] == pytest.approx(0.025 * 10 - 0.025 * 90, abs=1e-3)
    # Prices recorded only after the job's prior are not known to it.
    r = trigger(api, site.battery, site.member.token, prior="2026-01-01T00:00:00+00:00",
                start="2026-01-02T00:00:00+00:00", **{"flex-context": {"consumption-price": {"sensor": prices.id}}})
    run_queue()
    failed = get_schedule(api, site.battery, r.json["schedule"], site.member.token)
    assert failed.status == 400 and f"(sensor {prices.id})" in failed.json["message"]


def test_infeasible_problem_fails_with_a_reason(api, site):
    # A target above soc-max is no 422 (FlexMeasures checks it in the job), but the job fails.
    model = {**BATTERY, "soc-targets": [{"value": "150 kWh", "datetime": "2026-01-01T03:00:00+00:00"}]}
    r = trigger(api, site.battery, site.member.token, **{"flex-model": model})
    assert r.status == 200
    run_queue()
    r = get_schedule(api, site.battery, r.json["schedule"], site.member.token)
    assert r.status == 400 and r.json["status"] == "UNKNOWN_SCHEDULE"
    assert "Scheduling job failed with ValueError: The input data yields an infeasible problem." in r.json["message"]
    r = trigger(api, site.battery, site.member.token,
                **{"flex-context": {"consumption-price": PRICES, "site-power-capacity": "0 kW"},
                   "flex-model": {**BATTERY, "soc-targets": [
                       {"value": "50 kWh", "datetime": "2026-01-01T02:00:00+00:00"}]}})
    run_queue()
    r = get_schedule(api, site.battery, r.json["schedule"], site.member.token)
    assert r.status == 400
    assert "failed with InfeasibleProblemException: The scheduling problem is infeasible" in r.json["message"]


def test_get_schedule_states_and_errors(api, site):
    member = site.member.token
    unknown = "3a1d1f1e-0000-4000-8000-000000000000"
    r = get_schedule(api, site.battery, unknown, member)
    assert r.status == 400 and r.json == {
        "result": "Rejected", "status": "UNRECOGNIZED_UDI_EVENT",
        "message": f"The requested UDI event (id = {unknown}, type = job) is not known."}
    job_id = trigger(api, site.battery, member).json["schedule"]
    assert get_schedule(api, site.battery, job_id, site.outsider.token).status == 403
    assert get_schedule(api, site.battery, job_id, member, duration="PT1M30S").json["message"] == {
        "query": {"duration": ["FlexMeasures only support multiples of 1 minute."]}}
    job = jobs.find(job_id)
    assert jobs.claim(job)
    r = get_schedule(api, site.battery, job_id, member)
    assert r.json["message"] == ("No known schedule for this time period. Scheduling job in progress. "
                                 "StorageScheduler was used.")
    job.update(actions=[type(job).status.set("stopped")])
    r = get_schedule(api, site.battery, job_id, member)
    assert r.status == 400
    assert r.json["message"].endswith("Scheduling job has an unknown status. StorageScheduler was used.")
    # A finished job without a result for this sensor (it was not part of the job).
    job.update(actions=[type(job).status.set("finished")])
    other = make_sensor(site.asset, name="other power")
    r = get_schedule(api, other, job_id, member)
    assert r.status == 400 and r.json["message"] == (
        "No known schedule for this time period. A scheduling job has been processed with your job ID, but  the "
        "schedule was not found in the database. StorageScheduler was used.")


@pytest.fixture
def ems(site):
    """The site asset with a battery, a child asset with an hourly EV charger, and a SoC sensor."""
    site.child = make_asset(account=site.account, name="EV bay", parent=site.asset)
    site.sensors.update(ev=make_sensor(site.child, name="charger power", unit="kW", minutes=60),
                        soc=make_sensor(site.asset, name="battery soc", unit="kWh", minutes=0))
    return site


EV = {"soc-at-start": 0, "soc-unit": "kWh", "soc-max": 40, "power-capacity": "20 kW",
      "soc-targets": [{"value": 40, "datetime": "2026-01-01T04:00:00+00:00"}]}


def trigger_asset(api, asset, token, flex_model, **over):
    body = {"start": START, "duration": "PT4H", "flex-model": flex_model,
            "flex-context": {"consumption-price": PRICES, "site-power-capacity": "60 kW"}, **over}
    return api.post(f"/api/v3_0/assets/{asset.id}/schedules/trigger", body, token=token)


def schedules_of(api, job_id, token, *sensors):
    out = []
    for sensor in sensors:
        r = get_schedule(api, sensor, job_id, token)
        assert r.status == 200, r.json
        out.append(r.json)
    return out


def site_power(battery_values, ev_values):
    """Net site power per 15 minutes (the EV schedule is hourly)."""
    return [b + ev_values[i // 4] for i, b in enumerate(battery_values)]


def test_joint_asset_schedule_shares_the_site_capacity(api, ems):
    token = ems.member.token
    model = [{"sensor": ems.battery.id, **BATTERY, "state-of-charge": {"sensor": ems.soc.id}},
             {"sensor": ems.ev.id, **EV}]
    r = trigger_asset(api, ems.asset, token, model)
    assert r.status == 200 and set(r.json) == {"schedule", "status", "message"}
    job_id = r.json["schedule"]
    run_queue()
    battery, ev, soc = schedules_of(api, job_id, token, ems.battery, ems.ev, ems.soc)
    assert len(battery["values"]) == 16 and len(ev["values"]) == 4 and ev["duration"] == "PT4H"
    assert sum(ev["values"]) == pytest.approx(40)  # kW over hours: the EV reaches its 40 kWh target
    assert all(-50 - 1e-6 <= v <= 50 + 1e-6 for v in battery["values"])
    assert all(0 - 1e-6 <= v <= 20 + 1e-6 for v in ev["values"])
    assert all(p <= 60 + 1e-6 for p in site_power(battery["values"], ev["values"]))
    # The SoC schedule: N+1 instantaneous values, within bounds, consistent with the power schedule.
    assert len(soc["values"]) == 17 and soc["duration"] == "PT4H" and soc["unit"] == "kWh"
    assert soc["values"][0] == 0 and all(-1e-6 <= s <= 100 + 1e-6 for s in soc["values"])
    assert soc["values"][8] == pytest.approx(sum(battery["values"][:8]) / 4)
    assert battery["costs"] == ev["costs"]  # one job, one cost breakdown
    stored_soc = beliefs.read_latest(ems.soc, datetime(2026, 1, 1, tzinfo=timezone.utc),
                                     datetime(2026, 1, 1, 4, 1, tzinfo=timezone.utc))
    assert list(stored_soc.value) == pytest.approx(soc["values"])  # SoC is stored as is (no sign flip)
    stored_ev = beliefs.read_latest(ems.ev, datetime(2026, 1, 1, tzinfo=timezone.utc),
                                    datetime(2026, 1, 1, 4, tzinfo=timezone.utc))
    assert [-v for v in stored_ev.value] == pytest.approx(ev["values"])  # hourly, at the sensor's resolution


def test_sequential_asset_schedule_sees_earlier_devices_as_inflexible(api, ems):
    token = ems.member.token
    model = [{"sensor": ems.battery.id, **BATTERY}, {"sensor": ems.ev.id, **EV}]
    job_id = trigger_asset(api, ems.asset, token, model, sequential=True).json["schedule"]
    run_queue()
    battery, ev = schedules_of(api, job_id, token, ems.battery, ems.ev)
    # The battery, scheduled first, ignores the EV: full power while cheap.
    assert battery["values"][:8] == pytest.approx([50] * 8)
    # The EV gets the 10 kW headroom while the battery charges, and the rest later.
    assert ev["values"][:2] == pytest.approx([10, 10]) and sum(ev["values"]) == pytest.approx(40)
    assert all(p <= 60 + 1e-6 for p in site_power(battery["values"], ev["values"]))
    assert jobs.find(job_id).meta["costs"]["energy"] == pytest.approx(
        (0.1 + 0.02) * 10 - 0.1 * 100 + 0.02 * 100, abs=1e-3)


def test_asset_flex_context_is_merged_from_ancestors(api, ems):
    from chalicelib.store import assets

    assets.update(ems.asset, {"flex_context": {"site-power-capacity": "10 kW"}})
    body = {"start": START, "duration": "PT4H", "flex-model": [{"sensor": ems.ev.id, **EV}],
            "flex-context": {"consumption-price": PRICES}}
    job_id = api.post(f"/api/v3_0/assets/{ems.child.id}/schedules/trigger", body,
                      token=ems.member.token).json["schedule"]
    run_queue()
    assert jobs.find(job_id).request["body"]["flex-context"] == {"consumption-price": PRICES,
                                                                 "site-power-capacity": "10 kW"}
    (ev,) = schedules_of(api, job_id, ems.member.token, ems.ev)
    assert ev["values"] == pytest.approx([10, 10, 10, 10])
    # The nearest asset wins, and the request wins over both.
    assets.update(ems.child, {"flex_context": {"site-power-capacity": "20 kW"}})
    body["flex-context"]["site-power-capacity"] = "40 kW"
    job_id = api.post(f"/api/v3_0/assets/{ems.child.id}/schedules/trigger", body,
                      token=ems.member.token).json["schedule"]
    assert jobs.find(job_id).request["body"]["flex-context"]["site-power-capacity"] == "40 kW"
    # A price given in either spelling overrides a stored price in the other one.
    prices = make_sensor(ems.asset, name="prices", unit="EUR/MWh", minutes=60)
    assets.update(ems.asset, {"flex_context": {"consumption-price-sensor": prices.id}})
    r = api.post(f"/api/v3_0/assets/{ems.child.id}/schedules/trigger", body, token=ems.member.token)
    assert r.status == 200
    assert "consumption-price-sensor" not in jobs.find(r.json["schedule"]).request["body"]["flex-context"]
    del body["flex-context"]["consumption-price"]
    r = api.post(f"/api/v3_0/assets/{ems.child.id}/schedules/trigger", body, token=ems.member.token)
    assert jobs.find(r.json["schedule"]).request["body"]["flex-context"]["consumption-price-sensor"] == prices.id


def test_asset_trigger_errors(api, ems, make_account):
    token = ems.member.token
    battery = {"sensor": ems.battery.id, **BATTERY}
    other = make_asset(account=ems.account, name="other site")
    stranger = make_sensor(other, name="other power")
    r = trigger_asset(api, ems.child, token, [battery])
    assert r.status == 422 and r.json == {"result": "Rejected", "status": "UNPROCESSABLE_ENTITY", "message": {
        "json": {"flex-model": [f"Sensor {ems.battery.id} does not belong to asset {ems.child.id} "
                                "(or to one of its offspring)"]}}}
    r = trigger_asset(api, ems.asset, token, [battery, {"sensor": stranger.id, **EV}])
    assert r.status == 422 and "does not belong" in r.json["message"]["json"]["flex-model"][0]
    r = trigger_asset(api, ems.asset, token, [battery, battery])
    assert r.status == 422 and r.json["message"]["json"] == {
        "_schema": [f"Sensor {ems.battery.id} should not occur more than once in the flex-model"]}
    r = trigger_asset(api, ems.asset, token, [battery], force_new_job_creation=True)
    assert r.status == 422 and r.json["message"] == {"args_and_json": {"force_new_job_creation": ["Unknown field."]}}
    r = trigger_asset(api, ems.asset, token, [battery], sequential="sometimes")
    assert r.status == 422 and r.json["message"] == {"args_and_json": {"sequential": ["Not a valid boolean."]}}
    # A device with SoC constraints but no soc-at-start is refused (v0.28 would silently drop them).
    r = trigger_asset(api, ems.asset, token, [{"sensor": ems.ev.id, **{**EV, "soc-at-start": None}}])
    assert r.status == 422
    r = trigger_asset(api, ems.asset, token, [{"sensor": ems.ev.id, "soc-max": 40, "power-capacity": "2 kW"}])
    assert r.status == 422 and r.json["message"]["json"] == {"flex-model": {"0": {"soc-at-start": [
        f"Sensor {ems.ev.id} has state-of-charge constraints but no soc-at-start."]}}}
    r = api.post("/api/v3_0/assets/999999/schedules/trigger", {"start": START, "flex-model": [battery]}, token=token)
    assert r.status == 422 and r.json["message"] == {"path": {"id": ["No asset found with ID 999999."]}}
    outsider = make_sensor(make_asset(account=make_account(), name="foreign"), name="x")
    assert trigger_asset(api, ems.asset, ems.outsider.token, [battery]).status == 403
    r = trigger_asset(api, ems.asset, token, [{"sensor": outsider.id}])
    assert r.status == 422
    # A key both in the query and in the body.
    r = api.post(f"/api/v3_0/assets/{ems.asset.id}/schedules/trigger", {"start": START, "flex-model": [battery]},
                 token=token, query={"start": START})
    assert r.status == 422 and isinstance(r.json["message"], str)
    assert jobs.list_for_asset(ems.asset.id) == []


def test_asset_jobs_and_job_status(api, ems):
    token = ems.member.token
    asset_job = trigger_asset(api, ems.asset, token, [{"sensor": ems.battery.id, **BATTERY}]).json["schedule"]
    sensor_job = trigger(api, ems.battery, token).json["schedule"]
    failing = trigger(api, ems.battery, token, **{"flex-context": {}}).json["schedule"]

    r = api.get(f"/api/v3_0/jobs/{asset_job}", token=token)
    assert r.status == 202 and r.json["status"] == "QUEUED" and int(r.headers["retry-after"]) >= 1
    assert r.json["message"] == "Scheduling job waiting to be processed." and r.json["enqueued-at"]
    assert r.json["started-at"] is None and r.json["exc-info"] is None and r.json["origin"] == "scheduling"
    # FlexMeasures 1.0 sends the underscore spellings beside the hyphenated ones.
    for hyphenated in ("func-name", "enqueued-at", "started-at", "ended-at", "exc-info"):
        assert r.json[hyphenated.replace("-", "_")] == r.json[hyphenated]
    assert r.json["result"] is None
    assert jobs.claim(jobs.find(sensor_job))
    r = api.get(f"/api/v3_0/jobs/{sensor_job}", token=token)
    assert (r.status, r.json["status"], r.json["message"]) == (202, "STARTED", "Scheduling job in progress.")
    assert r.json["started-at"] and r.json["ended-at"] is None
    run_queue()
    r = api.get(f"/api/v3_0/jobs/{asset_job}", token=token)
    assert r.status == 200 and r.json["status"] == "FINISHED" and r.json["ended-at"] == r.json["ended_at"]
    # 16 quarter-hours of battery power.
    assert r.json["result"] == {"unresolved": [], "resolved": [], "num-beliefs": 16}
    r = api.get(f"/api/v3_0/jobs/{failing}", token=token)
    assert r.status == 422 and r.json["status"] == "FAILED" and r.json["exc_info"] == r.json["exc-info"]
    # FlexMeasures 1.0 drops the reason's own final period here (the schedule GET keeps v0.28's "window..").
    assert r.json["message"] == ("Scheduling job failed with UnknownPricesException: Prices unknown for planning "
                                 "window.")
    r = api.get("/api/v3_0/jobs/unknown-job", token=token)
    assert r.status == 404 and r.json == {"status": "ERROR", "message": "Job unknown-job not found."}
    assert api.get(f"/api/v3_0/jobs/{asset_job}", token=ems.outsider.token).status == 403

    r = api.get(f"/api/v3_0/assets/{ems.asset.id}/jobs", token=token)
    assert r.status == 200 and r.json["redis_connection_err"] is None and r.json["status"] == 200
    items = {item["job_id"]: item for item in r.json["jobs"]}
    assert set(items) == {asset_job, sensor_job, failing}
    assert items[asset_job]["asset_or_sensor_type"] == "asset"
    assert items[asset_job]["entity"] == f"asset: ACME site (Id: {ems.asset.id})"
    assert items[sensor_job]["entity"] == f"sensor: battery power (Id: {ems.battery.id})"
    assert items[sensor_job]["status"] == "finished" and items[sensor_job]["err"] is None
    assert items[failing]["err"] == ("Scheduling job failed with UnknownPricesException: Prices unknown for "
                                     "planning window.")
    metadata = json.loads(items[asset_job]["metadata"])
    assert metadata["job_id"] == asset_job and metadata["scheduler_info"] == {"scheduler": "StorageScheduler"}
    import hashlib

    assert items[asset_job]["metadata_hash"] == hashlib.sha256(items[asset_job]["metadata"].encode()).hexdigest()
    assert api.get(f"/api/v3_0/assets/{ems.child.id}/jobs", token=token).json["jobs"] == []
    assert api.get(f"/api/v3_0/assets/{ems.asset.id}/jobs", token=ems.outsider.token).status == 403
    r = api.get("/api/v3_0/assets/999999/jobs", token=token)
    assert r.status == 422 and r.json["message"] == {"path": {"id": ["No asset found with ID 999999."]}}


def test_schedule_duration_in_a_json_body_and_bad_units(api, site):
    job_id = trigger(api, site.battery, site.member.token).json["schedule"]
    run_queue()
    path = f"/api/v3_0/sensors/{site.battery.id}/schedules/{job_id}"
    r = api.request("GET", path, json_body={"duration": "PT30M"}, token=site.member.token)
    assert r.status == 200 and len(r.json["values"]) == 2 and r.json["duration"] == "PT30M"
    r = api.get(path, token=site.member.token, query={"unit": "EUR"})
    assert r.status == 422 and r.json["message"] == {"query": {"unit": ["Cannot convert kW to EUR."]}}


def test_a_trigger_too_large_to_keep_with_its_job_is_refused(api, site):
    hourly = [{"value": f"{10 + h % 7} EUR/MWh", "start": (datetime(2026, 1, 1, tzinfo=timezone.utc)
                                                           + timedelta(hours=h)).isoformat(), "duration": "PT1H"}
              for h in range(3700)]
    r = trigger(api, site.battery, site.member.token, **{"flex-context": {"consumption-price": hourly}})
    assert r.status == 413 and r.json["status"] == "PAYLOAD_TOO_LARGE"
    assert jobs.list_for_asset(site.asset.id) == []


def test_trigger_resolution_schedules_coarser_and_keeps_it(api, site):
    """FlexMeasures 1.0.1's `resolution`: hourly set points for a 15-minute battery, kept hourly (not resampled)."""
    member = site.member.token
    r = trigger(api, site.battery, member, resolution="PT1H")
    assert r.status == 200, r.json
    hourly = r.json["schedule"]
    assert trigger(api, site.battery, member).json["schedule"] != hourly  # not the same cached job
    run_queue()
    r = get_schedule(api, site.battery, hourly, member, duration="PT4H")
    assert r.status == 200 and r.json["duration"] == "PT4H"
    assert r.json["values"] == pytest.approx([50, 50, -50, -50], abs=1e-4)

    r = trigger(api, site.battery, member, resolution="PT20M")
    assert r.status == 422 and r.json["message"] == {"json": {"resolution": [
        "Resolution of 0:20:00 is incompatible with the sensor's required resolution of 0:15:00."]}}
    r = trigger(api, site.battery, member, resolution="PT0M")
    assert r.status == 422 and "resolution" in r.json["message"]["json"]
    body = {"start": START, "duration": "PT4H", "resolution": "PT2H",
            "flex-model": [{"sensor": site.battery.id, **BATTERY}], "flex-context": {"consumption-price": PRICES}}
    r = api.post(f"/api/v3_0/assets/{site.asset.id}/schedules/trigger", body, token=member)
    assert r.status == 200, r.json
    run_queue()
    r = get_schedule(api, site.battery, r.json["schedule"], member)
    assert r.json["values"] == pytest.approx([50, -50], abs=1e-4)


def test_job_result_reports_soc_minima_and_maxima_as_flexmeasures_does(api, site):
    """GET /jobs/<uuid> `result`: violated soft minima under `unresolved`, fields met everywhere under `resolved`
    (with their margins), keyed by the device's asset."""
    member = site.member.token
    model = {**BATTERY, "soc-minima": [{"datetime": "2026-01-01T00:15:00+00:00", "value": "30 kWh"}],
             "soc-maxima": [{"datetime": "2026-01-01T04:00:00+00:00", "value": "90 kWh"}]}
    context = {"consumption-price": PRICES, "soc-minima-breach-price": "1 EUR/kWh"}
    job_id = trigger(api, site.battery, member, **{"flex-model": model, "flex-context": context}).json["schedule"]
    run_queue()
    r = api.get(f"/api/v3_0/jobs/{job_id}", token=member)
    assert r.status == 200, r.json
    result = r.json["result"]
    # At most 50 kW for 15 minutes: 12.5 kWh of the 30 kWh minimum.
    assert result["unresolved"] == [{"asset": site.asset.id, "soc-minima": [
        {"datetime": "2026-01-01T00:15:00+00:00", "violation": "17.5 kWh"}]}]
    # All sold by the end: 90 kWh of headroom below the maximum.
    assert result["resolved"] == [{"asset": site.asset.id, "soc-maxima": [
        {"datetime": "2026-01-01T04:00:00+00:00", "margin": "90.0 kWh"}]}]
    assert result["num-beliefs"] == 16
