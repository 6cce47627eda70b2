"""ProcessScheduler through the API: sensors of process and load assets, trigger -> worker -> schedule."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from chalicelib.store import asset_types, beliefs, jobs, sources
from tests.factories import make_asset, make_sensor, make_site
from tests.schedule_jobs import START, get_schedule, run_queue

T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)
HOURLY_PRICES = [50, 40, 90, 10, 20, 80, 30, 70]  # EUR/MWh from START
SHIFTABLE = {"duration": "PT2H", "power": 30, "process-type": "SHIFTABLE"}


@pytest.fixture
def plant(aws, admin):
    plant = make_site(account_name="Works", asset_name="kiln", asset_type=asset_types.create("process"), outsider=True,
                      sensors={"prices": dict(unit="EUR/MWh", minutes=60),
                               "kiln": dict(name="kiln power", unit="kW", minutes=60)})
    beliefs.write_beliefs(plant.prices, sources.user_source(admin.user), [T0 + timedelta(hours=h) for h in range(8)],
                          HOURLY_PRICES, belief_time=T0 - timedelta(days=1))
    return plant


def trigger(api, plant, flex_model, sensor=None, token=None, **over):
    body = {"start": START, "duration": "PT8H", "flex-model": flex_model,
            "flex-context": {"consumption-price": {"sensor": plant.prices.id}}, **over}
    return api.post(f"/api/v3_0/sensors/{(sensor or plant.kiln).id}/schedules/trigger", body,
                    token=token or plant.member.token)


def schedule_values(api, plant, job_id, sensor=None) -> list[float]:
    r = get_schedule(api, sensor or plant.kiln, job_id, plant.member.token, duration="PT8H")
    assert r.status == 200, r.json
    return r.json["values"]


def test_a_process_sensor_trigger_is_scheduled_by_the_process_scheduler(api, plant):
    r = trigger(api, plant, SHIFTABLE)
    assert r.status == 200
    job_id = r.json["schedule"]
    pending = get_schedule(api, plant.kiln, job_id, plant.member.token)
    assert pending.status == 400 and pending.json["message"].endswith(
        "Scheduling job waiting to be processed. ProcessScheduler was used.")

    assert run_queue() == [job_id]
    r = get_schedule(api, plant.kiln, job_id, plant.member.token, duration="PT8H")
    assert r.status == 200, r.json
    # The cheapest two consecutive hours: 10 + 20 EUR/MWh from 03:00.
    assert r.json["values"] == [0, 0, 0, 30, 30, 0, 0, 0]
    assert (r.json["start"], r.json["duration"], r.json["unit"]) == (START, "PT8H", "kW")
    assert r.json["scheduler_info"] == {"scheduler": "ProcessScheduler"}
    assert r.json["message"] == "Request has been processed. ProcessScheduler was used."
    # 30 kW for 2 hours = 0.06 MWh at 10 and 20 EUR/MWh.
    assert r.json["costs"]["energy"] == pytest.approx(0.03 * 10 + 0.03 * 20)
    assert r.json["costs"]["currency"] == "EUR"

    job = jobs.find(job_id)
    assert job.request["scheduler"] == "ProcessScheduler"
    assert (job.meta["data_source_info"]["model"], job.meta["data_source_info"]["version"]) == (
        "ProcessScheduler", "1")
    # Stored as the scheduler's beliefs, consumption negative in the database (§10.3).
    stored = beliefs.read_latest(plant.kiln, T0, T0 + timedelta(hours=8))
    source = sources.find(int(stored.source_id[0]))
    assert (source.type, source.model, source.name, source.version) == ("scheduler", "ProcessScheduler", "Seita", "1")
    assert [-v for v in stored.value] == [0, 0, 0, 30, 30, 0, 0, 0]


def test_process_types_senses_and_restrictions(api, plant):
    cases = [
        ({"duration": "PT2H", "power": 30}, [30, 30, 0, 0, 0, 0, 0, 0]),  # INFLEXIBLE by default
        ({**SHIFTABLE, "optimization-sense": "MAX"}, [0, 30, 30, 0, 0, 0, 0, 0]),  # 40 + 90
        # k = ⌈1.5 h / 1 h⌉ = 2 of the dearest hours, apart.
        ({"duration": "PT1H30M", "power": 30, "process-type": "BREAKABLE", "optimization-sense": "MAX"},
         [0, 0, 30, 0, 0, 30, 0, 0]),
        # Hours 0 and 4 excluded: 90 + 10 from 02:00 ties 30 + 70 from 06:00; the earlier block wins.
        ({**SHIFTABLE, "time-restrictions": [{"start": START, "duration": "PT1H"},
                                             {"start": "2026-01-01T04:00:00+00:00", "duration": "PT1H"}]},
         [0, 0, 30, 30, 0, 0, 0, 0]),
    ]
    job_ids = [trigger(api, plant, flex_model).json["schedule"] for flex_model, _ in cases]
    assert len(set(job_ids)) == len(cases)
    run_queue()
    assert [schedule_values(api, plant, job_id) for job_id in job_ids] == [values for _, values in cases]


def test_the_process_type_defaults_to_the_asset_attribute_and_load_assets_are_processes(api, plant):
    heater = make_asset(account=plant.account, name="heater", type=asset_types.create("load"),
                        attributes={"process-type": "BREAKABLE"})
    sensor = make_sensor(heater, name="heater power", unit="MW", minutes=60)
    job_id = trigger(api, plant, {"duration": "PT3H", "power": 1.5}, sensor=sensor).json["schedule"]
    run_queue()
    assert schedule_values(api, plant, job_id, sensor) == [0, 0, 0, 1.5, 1.5, 0, 1.5, 0]  # 10, 20, 30 EUR/MWh
    assert jobs.find(job_id).request["body"]["flex-model"]["process-type"] == "BREAKABLE"


def test_a_block_that_cannot_fit_fails_the_job_with_flexmeasures_text(api, plant):
    job_id = trigger(api, plant, {**SHIFTABLE, "duration": "PT5H", "time-restrictions": [
        {"start": "2026-01-01T04:00:00+00:00", "duration": "PT1H"}]}).json["schedule"]
    run_queue()
    r = get_schedule(api, plant.kiln, job_id, plant.member.token)
    assert r.status == 400
    assert r.json["message"] == (
        "No known schedule for this time period. Scheduling job failed with ValueError: Cannot allocate a block of "
        "time {duration} given the time restrictions provided.. ProcessScheduler was used.")


def test_a_bad_process_flex_model_is_a_422_naming_the_field(api, plant):
    r = trigger(api, plant, {"duration": "PT2H", "process-type": "SOMETIMES", "soc-at-start": "1 kWh"})
    assert r.status == 422
    assert r.json == {"result": "Rejected", "status": "UNPROCESSABLE_ENTITY", "message": {"json": {"flex-model": {
        "power": ["Missing data for required field."],
        "process-type": ["Must be one of: INFLEXIBLE, BREAKABLE, SHIFTABLE."],
        "soc-at-start": ["Unknown field."]}}}}
    r = trigger(api, plant, {**SHIFTABLE, "time-restrictions": [{"start": START}]})
    assert r.status == 422 and r.json["message"] == {"json": {"flex-model": {"time-restrictions": {"0": {
        "duration": ["Missing data for required field."]}}}}}
    r = trigger(api, plant, "PT2H")
    assert r.status == 422 and r.json["message"] == {"json": {"flex-model": ["Not a valid mapping type."]}}
    r = trigger(api, plant, SHIFTABLE, **{"flex-context": {"consumption-price": {"sensor": 999999}}})
    assert r.status == 422
    assert r.json["message"] == {"json": {"flex-context": {"consumption-price": ["No sensor found with ID 999999."]}}}
    # The flex-model is read after the permission check, as FlexMeasures does.
    r = trigger(api, plant, {"duration": "PT2H"}, token=plant.outsider.token)
    assert r.status == 403 and r.json["status"] == "INVALID_SENDER"
    assert jobs.list_for_asset(plant.asset.id) == []  # nothing was queued for any of these


def test_a_storage_flex_model_on_a_process_sensor_is_refused_and_vice_versa(api, plant):
    battery_asset = make_asset(account=plant.account, name="battery", type=asset_types.create("battery"))
    battery = make_sensor(battery_asset, name="battery power", unit="kW", minutes=60)
    r = trigger(api, plant, {"soc-at-start": "0 kWh", "soc-max": "10 kWh", "power-capacity": "5 kW"})
    assert r.status == 422 and set(r.json["message"]["json"]["flex-model"]) == {
        "soc-at-start", "soc-max", "power-capacity", "duration", "power"}
    r = trigger(api, plant, SHIFTABLE, sensor=battery)
    assert r.status == 422 and set(r.json["message"]["json"]["flex-model"]) == {"duration", "power", "process-type"}
