"""Stored flex config (FlexMeasures 1.0.1): asset bodies carry flex_model, description, external_id and the newer
sensors_to_show forms; stored config is checked when written; triggers merge it (flex-context upward, flex-model
downward, the trigger's own values win); deleting a sensor or an asset prunes references to it."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from chalicelib.store import assets, beliefs, jobs, sources
from tests.factories import make_asset, make_sensor, make_site
from tests.schedule_jobs import get_schedule, run_queue

T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)
START = "2026-01-01T00:00:00+00:00"
BATTERY_MODEL = {"soc-min": "0 kWh", "soc-max": "100 kWh", "power-capacity": "50 kW"}


@pytest.fixture
def site(aws):
    site = make_site(admin=True, outsider=True)
    site.prices = make_sensor(site.asset, name="prices", unit="EUR/MWh", minutes=60)
    site.battery_asset = make_asset(account=site.account, name="battery", parent=site.asset)
    site.battery = make_sensor(site.battery_asset, name="battery power", unit="kW", minutes=15)
    site.soc = make_sensor(site.battery_asset, name="battery soc", unit="kWh", minutes=0)
    return site


def write(sensor, times, values, user):
    beliefs.write_beliefs(sensor, sources.user_source(user), times, values, belief_time=T0 - timedelta(days=1))


def store_site_config(site, **battery_over):
    """Prices cheap for 2 hours, then dear over the rest of the 48-hour planning horizon; the site's flex-context,
    the battery's flex-model, SoC 20 kWh at T0."""
    write(site.prices, [T0 + timedelta(hours=h) for h in range(48)], [10, 10] + [100] * 46, site.admin.user)
    write(site.soc, [T0], [20], site.admin.user)
    assets.update(site.asset, {"flex_context": {"consumption-price": {"sensor": site.prices.id},
                                                "site-power-capacity": "100 kW"}})
    assets.update(site.battery_asset, {"flex_model": {**BATTERY_MODEL, "state-of-charge": {"sensor": site.soc.id},
                                                      **battery_over}})


def asset_url(asset) -> str:
    return f"/api/v3_0/assets/{asset.id}"


# --- asset bodies ----------------------------------------------------------------------------------------

def test_asset_bodies_carry_flex_model_description_and_external_id(api, site):
    body = {"name": "EV bay", "generic_asset_type_id": site.asset.generic_asset_type_id,
            "parent_asset_id": site.asset.id, "description": "Two chargers", "external_id": "ev-7",
            "flex_model": {"power-capacity": "22 kW", "soc-max": "60 kWh"}}
    r = api.post("/api/v3_0/assets", json=body, token=site.admin.token)
    assert r.status == 201, r.json
    assert r.json["description"] == "Two chargers" and r.json["external_id"] == "ev-7"
    assert json.loads(r.json["flex_model"]) == {"power-capacity": "22 kW", "soc-max": "60 kWh"}
    created = r.json["id"]
    r = api.patch(f"/api/v3_0/assets/{created}", json={"external_id": "  ", "description": None},
                  token=site.member.token)
    assert r.status == 200 and r.json["external_id"] is None and r.json["description"] is None
    r = api.get(f"/api/v3_0/assets/{created}", token=site.member.token)
    assert json.loads(r.json["flex_model"])["power-capacity"] == "22 kW"
    assert json.loads(api.get(asset_url(site.asset), token=site.member.token).json["flex_model"]) == {}


def test_stored_flex_model_rules(api, site):
    url, token = asset_url(site.battery_asset), site.member.token

    def error_of(flex_model):
        r = api.patch(url, json={"flex_model": json.dumps(flex_model)}, token=token)
        assert r.status == 422 and set(r.json) == {"error", "status"} and r.json["status"] == 422, r.json
        return r.json["error"]

    assert error_of({"soc-at-start": "10 kWh"}) == "{'soc-at-start': ['Unknown field.']}"
    series = [{"value": "10 kWh", "start": START, "duration": "PT1H"}]
    assert "A time series specification (listing segments) is not supported when storing flex-model" in error_of(
        {"soc-minima": series})
    assert "power-capacity" in error_of({"power-capacity": "3 blobs"})
    assert error_of({"power-capacity": {"sensor": site.prices.id}}) == (
        "{'power-capacity': [\"Power field 'power-capacity' must have a power unit.\"]}")
    assert error_of({"state-of-charge": {"sensor": 999999}}) == (
        "{'state-of-charge': ['No sensor found with ID 999999.']}")
    other = make_site(account_name="Other", sensors={"soc": dict(unit="kWh", minutes=0)})
    assert "No sensor found with ID" in error_of({"state-of-charge": {"sensor": other.soc.id}})  # not readable
    assert error_of([1]) == "The flex-model should be a JSON object."

    good = {**BATTERY_MODEL, "state-of-charge": {"sensor": site.soc.id}, "roundtrip-efficiency": "90%"}
    r = api.patch(url, json={"flex_model": good}, token=token)
    assert r.status == 200 and json.loads(r.json["flex_model"]) == good
    # POST checks it too.
    r = api.post("/api/v3_0/assets", json={"name": "x", "generic_asset_type_id": site.asset.generic_asset_type_id,
                                           "flex_model": {"soc-unit": "kWh"}}, token=site.admin.token)
    assert r.status == 422 and r.json["error"] == "{'soc-unit': ['Unknown field.']}"


def test_stored_flex_context_rules(api, site):
    url, token = asset_url(site.asset), site.member.token

    def error_of(flex_context):
        r = api.patch(url, json={"flex_context": flex_context}, token=token)
        assert r.status == 422 and set(r.json) == {"error", "status"}, r.json
        return r.json["error"]

    assert "Fixed prices are not currently supported for consumption-price" in error_of(
        {"consumption-price": "10 EUR/MWh"})
    assert error_of({"consumption-price": {"sensor": site.battery.id}}) == (
        "{'consumption-price': [\"Energy price field 'consumption-price' must have an energy price unit.\"]}")
    assert "Capacity price field 'site-consumption-breach-price'" in error_of(
        {"site-consumption-breach-price": {"sensor": site.prices.id}})
    assert "must have a power or energy unit" in error_of({"inflexible-device-sensors": [site.prices.id]})
    assert "No sensor found with ID 999999." in error_of({"inflexible-device-sensors": [999999]})
    good = {"consumption-price": {"sensor": site.prices.id}, "inflexible-device-sensors": [site.battery.id],
            "site-consumption-breach-price": "1000 EUR/MW"}
    assert api.patch(url, json={"flex_context": good}, token=token).status == 200


def test_sensors_to_show_plots_and_y_axis(api, site):
    url, token = asset_url(site.asset), site.member.token
    assets.update(site.battery_asset, {"flex_model": {"soc-max": "100 kWh"}})
    graphs = [{"title": "Power", "y-axis": [0, 50], "plots": [{"sensor": site.battery.id}, {"sensors": [site.soc.id]}]},
              {"plots": [{"asset": site.battery_asset.id, "flex-model": "soc-max"}], "y-axis": {"min": 0, "max": 1}},
              {"title": "Prices", "sensor": site.prices.id}, site.prices.id, [site.battery.id, site.soc.id]]
    r = api.patch(url, json={"sensors_to_show": graphs}, token=token)
    assert r.status == 200 and json.loads(r.json["sensors_to_show"]) == graphs
    for bad, message in (
            ([{"plots": [{"sensor": 1}], "y-axis": "log"}], "'y-axis' must be 'zero', 'data'"),
            ([{"plots": [{"sensor": 1}], "y-axis": {"min": 1, "max": 1}}], "cannot be equal"),
            ([{"plots": [{"title": "no sensor"}]}], "Each plot must contain either"),
            ([{"plots": [{"asset": site.battery_asset.id, "flex-model": "soc-min"}]}], "does not have a 'soc-min'"),
            ([{"plots": [{"asset": site.battery_asset.id}]}], "'flex-context' or 'flex-model' must also be")):
        r = api.patch(url, json={"sensors_to_show": bad}, token=token)
        assert r.status == 422 and message in r.json["error"], (bad, r.json)


# --- triggers merge the stored config ---------------------------------------------------------------------

def test_asset_trigger_with_only_start_schedules_the_stored_config(api, site):
    """Nothing but `start`: the site's flex-context and its battery's flex-model, SoC from the battery's SoC
    sensor (20 kWh at the start), over the default 48-hour horizon. Buy 80 kWh while cheap, sell all 100 kWh
    while dear."""
    store_site_config(site)
    r = api.post(f"/api/v3_0/assets/{site.asset.id}/schedules/trigger", {"start": START},
                 token=site.member.token)
    assert r.status == 200, r.json
    job_id = r.json["schedule"]
    stored_body = jobs.find(job_id).request["body"]
    assert stored_body["flex-model"] == [{"sensor": site.battery.id, **BATTERY_MODEL,
                                          "state-of-charge": {"sensor": site.soc.id}}]
    assert stored_body["flex-context"]["consumption-price"] == {"sensor": site.prices.id}
    assert run_queue() == [job_id]
    r = get_schedule(api, site.battery, job_id, site.member.token, duration="PT48H")
    assert r.status == 200, r.json
    values = r.json["values"]
    assert len(values) == 192 and r.json["duration"] == "PT48H"
    assert sum(values[:8]) / 4 == pytest.approx(80) and sum(values[8:]) / 4 == pytest.approx(-100)
    costs = jobs.find(job_id).meta["costs"]
    assert costs["currency"] == "EUR"
    assert costs["energy"] == pytest.approx(0.08 * 10 - 0.1 * 100, abs=1e-3)
    assert r.json["costs"]["energy"] == pytest.approx(costs["energy"])


def test_sensor_trigger_with_only_start_and_the_trigger_wins(api, site):
    store_site_config(site)
    r = api.post(f"/api/v3_0/sensors/{site.battery.id}/schedules/trigger", {"start": START},
                 token=site.member.token)
    assert r.status == 200, r.json
    run_queue()
    values = get_schedule(api, site.battery, r.json["schedule"], site.member.token).json["values"]
    assert sum(values[:8]) / 4 == pytest.approx(80)
    assert jobs.find(r.json["schedule"]).meta["costs"]["energy"] == pytest.approx(0.08 * 10 - 0.1 * 100, abs=1e-3)
    # The trigger's own flex-model and flex-context values win over the stored ones.
    r = api.post(f"/api/v3_0/sensors/{site.battery.id}/schedules/trigger",
                 {"start": START, "duration": "PT4H", "flex-model": {"soc-at-start": "0 kWh", "power-capacity": "10 kW"},
                  "flex-context": {"site-power-capacity": "5 kW"}}, token=site.member.token)
    assert r.status == 200, r.json
    run_queue()
    values = get_schedule(api, site.battery, r.json["schedule"], site.member.token).json["values"]
    assert max(values) == pytest.approx(5)


def test_asset_trigger_entries_merge_with_stored_models_by_asset(api, site):
    store_site_config(site, **{"power-capacity": "50 kW"})
    ev_asset = make_asset(account=site.account, name="ev", parent=site.asset)
    make_sensor(ev_asset, name="ev soc", unit="kWh", minutes=0)  # not a power sensor
    assets.update(ev_asset, {"flex_model": {"power-capacity": "11 kW"}})
    r = api.post(f"/api/v3_0/assets/{site.asset.id}/schedules/trigger", {"start": START, "duration": "PT4H"},
                 token=site.member.token)
    assert r.status == 422 and r.json["message"] == {"json": {"flex-model": [
        f"Asset {ev_asset.id} has a stored flex-model but no power sensor to schedule."]}}
    ev = make_sensor(ev_asset, name="ev power", unit="kW", minutes=15)
    body = {"start": START, "duration": "PT4H",
            "flex-model": [{"sensor": site.battery.id, "power-capacity": "20 kW"}]}
    r = api.post(f"/api/v3_0/assets/{site.asset.id}/schedules/trigger", body, token=site.member.token)
    assert r.status == 200, r.json
    entries = jobs.find(r.json["schedule"]).request["body"]["flex-model"]
    assert entries == [{"sensor": ev.id, "power-capacity": "11 kW"},
                       {"sensor": site.battery.id, **BATTERY_MODEL, "state-of-charge": {"sensor": site.soc.id},
                        "power-capacity": "20 kW"}]


def test_asset_trigger_without_any_flex_model(api, site):
    r = api.post(f"/api/v3_0/assets/{site.asset.id}/schedules/trigger", {"start": START}, token=site.member.token)
    assert r.status == 422 and r.json["message"] == {"json": {"flex-model": [
        "No flex-model was given, and none is stored on the asset or its offspring."]}}


# --- pruning ----------------------------------------------------------------------------------------------

def test_deleting_a_sensor_prunes_references_to_it(api, site):
    store_site_config(site)
    assets.update(site.asset, {"sensors_to_show": [site.soc.id, {"title": "SoC", "plots": [{"sensor": site.soc.id}]},
                                                   [site.soc.id, site.battery.id]],
                               "sensors_to_show_as_kpis": [{"title": "x", "sensor": site.soc.id}],
                               "flex_context": {**assets.find(site.asset.id).flex_context,
                                                "inflexible-device-sensors": [site.soc.id]}})
    r = api.delete(f"/api/v3_0/sensors/{site.soc.id}", token=site.admin.token)
    assert r.status == 204
    battery_asset, site_asset = assets.find(site.battery_asset.id), assets.find(site.asset.id)
    assert battery_asset.flex_model == BATTERY_MODEL
    assert site_asset.flex_context["inflexible-device-sensors"] == []
    assert site_asset.sensors_to_show == [[site.battery.id]] and site_asset.sensors_to_show_as_kpis == []
    log = api.get(f"/api/v3_0/assets/{site.battery_asset.id}/auditlog", token=site.admin.token).json["data"]
    label = f"'battery soc': {site.soc.id}"
    assert f"Removed sensor reference {label} from flex-model (because sensor has been deleted)." in [
        e["event"] for e in log]
    site_log = [e["event"] for e in api.get(f"/api/v3_0/assets/{site.asset.id}/auditlog",
                                            token=site.admin.token).json["data"]]
    for field in ("flex-context", "sensors-to-show", "sensors-to-show-as-kpis"):
        assert f"Removed sensor reference {label} from {field} (because sensor has been deleted)." in site_log


def test_deleting_an_asset_prunes_plots_of_it(api, site):
    assets.update(site.battery_asset, {"flex_model": {"soc-max": "100 kWh"}})
    graphs = [{"title": "mixed", "plots": [{"sensor": site.prices.id},
                                           {"asset": site.battery_asset.id, "flex-model": "soc-max"}]},
              {"title": "only", "plots": [{"asset": site.battery_asset.id, "flex-model": "soc-max"}]}]
    assets.update(site.asset, {"sensors_to_show": graphs})
    assert api.delete(asset_url(site.battery_asset), token=site.admin.token).status == 204
    assert assets.find(site.asset.id).sensors_to_show == [{"title": "mixed", "plots": [{"sensor": site.prices.id}]}]
    log = [e["event"] for e in api.get(f"/api/v3_0/assets/{site.asset.id}/auditlog",
                                       token=site.admin.token).json["data"]]
    assert (f"Removed asset reference 'battery': {site.battery_asset.id} from sensors-to-show (because asset has "
            "been deleted).") in log


def test_asset_trigger_entries_may_name_their_asset(api, site):
    """FlexMeasures 1.0.1: {"asset": id, ...} instead of a sensor; the asset's power sensor is scheduled, with its
    stored flex-model merged in."""
    store_site_config(site)
    url = f"/api/v3_0/assets/{site.asset.id}/schedules/trigger"
    body = {"start": START, "duration": "PT4H",
            "flex-model": [{"asset": site.battery_asset.id, "power-capacity": "20 kW"}]}
    r = api.post(url, body, token=site.member.token)
    assert r.status == 200, r.json
    assert jobs.find(r.json["schedule"]).request["body"]["flex-model"] == [
        {"sensor": site.battery.id, **BATTERY_MODEL, "state-of-charge": {"sensor": site.soc.id},
         "power-capacity": "20 kW"}]
    for entry, message in (({"asset": 999999}, "No asset found with ID 999999."),
                           ({"asset": site.battery_asset.id, "sensor": site.prices.id},
                            "Sensor does not belong to asset."),
                           ({"asset": site.asset.id}, f"Asset {site.asset.id} has no power sensor to schedule.")):
        r = api.post(url, {**body, "flex-model": [entry]}, token=site.member.token)
        assert r.status == 422 and r.json["message"] == {"json": {"flex-model": [message]}}, r.json
