"""Sensor endpoints: list, create, get, update, delete, delete data (contract §7)."""
from __future__ import annotations

import pytest

from chalicelib.store import audit, beliefs, sensors, sources
from tests.expected import entity_address
from tests.factories import make_asset, make_sensor, make_site


@pytest.fixture
def site(aws):
    return make_site(admin=True)


def _create_body(asset_id: int, **over) -> dict:
    return {"name": "power", "unit": "kW", "event_resolution": "PT15M", "generic_asset_id": asset_id, **over}


def test_create_get_and_entity_address(api, site):
    r = api.post("/api/v3_0/sensors", _create_body(site.asset.id, attributes='{"a": 1}'), token=site.member.token)
    assert r.status == 201
    sensor_id = r.json["id"]
    assert r.json == {"id": sensor_id, "name": "power", "unit": "kW", "timezone": "UTC", "event_resolution": "PT15M",
                      "entity_address": entity_address(sensor_id), "attributes": '{"a": 1}',
                      "generic_asset_id": site.asset.id}  # no "status" key: FlexMeasures' create is not as_json
    assert [e.event for e in audit.entries_for_asset(site.asset.id)] == [f"Created sensor 'power': {sensor_id}"]
    got = api.get(f"/api/v3_0/sensors/{sensor_id}", token=site.member.token)
    assert got.status == 200 and got.json == {**r.json, "status": 200}


def test_create_accepts_client_durations_and_rejects_bad_fields(api, site):
    ok = api.post("/api/v3_0/sensors", _create_body(site.asset.id, event_resolution="P0DT0H5M0S"),
                  token=site.member.token)
    assert ok.status == 201 and ok.json["event_resolution"] == "PT5M"
    bad = api.post("/api/v3_0/sensors", _create_body(site.asset.id, name="x", unit="blorps",
                                                     event_resolution="PT30S", id=3), token=site.member.token)
    assert bad.status == 422
    assert bad.json["message"]["json"] == {"unit": ["Unit 'blorps' cannot be handled."],
                                           "event_resolution": ["FlexMeasures only support multiples of 1 minute."],
                                           "id": ["Unknown field."]}
    missing = api.post("/api/v3_0/sensors", {"name": "x"}, token=site.member.token)
    assert set(missing.json["message"]["json"]) == {"unit", "event_resolution", "generic_asset_id"}
    unknown_asset = api.post("/api/v3_0/sensors", _create_body(99999), token=site.member.token)
    assert unknown_asset.json["message"]["json"] == {"generic_asset_id": ["Generic asset with id 99999 doesn't exist."]}
    dup = api.post("/api/v3_0/sensors", _create_body(site.asset.id, name="x"), token=site.member.token)
    assert dup.status == 201
    dup = api.post("/api/v3_0/sensors", _create_body(site.asset.id, name="x"), token=site.member.token)
    assert dup.status == 422 and "name" in dup.json["message"]["json"]


def test_create_needs_create_children_on_the_asset(api, site, make_user):
    outsider = make_user()
    r = api.post("/api/v3_0/sensors", _create_body(site.asset.id), token=outsider.token)
    assert r.status == 403 and r.json["status"] == "INVALID_SENDER"
    assert sensors.list_for_asset(site.asset.id) == []
    reader = make_user(roles=["admin-reader"])
    assert api.post("/api/v3_0/sensors", _create_body(site.asset.id), token=reader.token).status == 403


def test_get_unknown_sensor_is_422_and_others_sensor_403(api, site, make_user):
    r = api.get("/api/v3_0/sensors/424242", token=site.member.token)
    assert r.status == 422 and r.json["message"] == {"path": {"id": ["No sensor found with ID 424242."]}}
    sensor = make_sensor(site.asset)
    assert api.get(f"/api/v3_0/sensors/{sensor.id}", token=make_user().token).status == 403
    assert api.get(f"/api/v3_0/sensors/{sensor.id}").status == 401


def test_patch_updates_fields_and_always_audits(api, site):
    sensor = make_sensor(site.asset, name="old")
    token = site.admin.token
    r = api.patch(f"/api/v3_0/sensors/{sensor.id}", {"name": "new", "event_resolution": "PT1H",
                                                    "attributes": '{"x": true}'}, token=token)
    assert r.status == 200
    assert (r.json["name"], r.json["event_resolution"], r.json["attributes"]) == ("new", "PT1H", '{"x": true}')
    stored = sensors.find(sensor.id)
    assert (stored.name, stored.event_resolution_minutes, stored.attributes) == ("new", 60, {"x": True})
    assert api.patch(f"/api/v3_0/sensors/{sensor.id}", {}, token=token).status == 200
    events = sorted(e.event for e in audit.entries_for_asset(site.asset.id))
    assert events == sorted([
        f"Updated sensor 'old': {sensor.id}. Updated fields: Field name: name, Old value: old, New value: new; "
        f"Field name: event_resolution, Old value: 0:15:00, New value: 1:00:00; "
        f"Field name: attributes, Old value: {{}}, New value: {{'x': True}}",
        f"Updated sensor 'new': {sensor.id}. Updated fields: "])


def test_patch_audit_notes_only_changed_fields(api, site):
    sensor = make_sensor(site.asset, name="power", unit="kW", attributes={"x": 1})
    r = api.patch(f"/api/v3_0/sensors/{sensor.id}", {"name": "power", "unit": "MW", "attributes": '{"x": 1}'},
                  token=site.admin.token)
    assert r.status == 200 and r.json["unit"] == "MW"
    assert [e.event for e in audit.entries_for_asset(site.asset.id)] == [
        f"Updated sensor 'power': {sensor.id}. Updated fields: Field name: unit, Old value: kW, New value: MW"]


def test_patch_rejects_immutable_fields_and_plain_members(api, site):
    sensor = make_sensor(site.asset)
    r = api.patch(f"/api/v3_0/sensors/{sensor.id}", {"generic_asset_id": 1, "entity_address": "x"},
                  token=site.admin.token)
    assert r.status == 422
    assert r.json["message"]["json"] == {"generic_asset_id": ["Unknown field."], "entity_address": ["Unknown field."]}
    assert api.patch(f"/api/v3_0/sensors/{sensor.id}", {"name": "x"}, token=site.member.token).status == 403
    assert sensors.find(sensor.id).name == "power"


def test_delete_sensor_removes_its_data(api, site):
    sensor = make_sensor(site.asset)
    r = api.post(f"/api/v3_0/sensors/{sensor.id}/data", {"values": [1, 2], "start": "2025-01-01T00:00:00+00:00",
                                                         "duration": "PT30M", "unit": "kW"}, token=site.member.token)
    assert r.status == 200
    assert api.delete(f"/api/v3_0/sensors/{sensor.id}", token=site.member.token).status == 403
    r = api.delete(f"/api/v3_0/sensors/{sensor.id}", token=site.admin.token)
    assert r.status == 204 and r.body == b""
    assert sensors.find(sensor.id) is None
    assert list(beliefs.BeliefChunk.query(sensor.id)) == []
    assert f"Deleted sensor 'power': {sensor.id}" in [e.event for e in audit.entries_for_asset(site.asset.id)]
    # the name is free again
    assert make_sensor(site.asset).name == "power"


def test_delete_sensor_data_all_or_filtered(api, site):
    sensor = make_sensor(site.asset)
    body = {"values": [1, 2, 3, 4], "start": "2025-01-01T00:00:00+00:00", "duration": "PT1H", "unit": "kW"}
    assert api.post(f"/api/v3_0/sensors/{sensor.id}/data", body, token=site.member.token).status == 200
    r = api.delete(f"/api/v3_0/sensors/{sensor.id}/data", json_body={"start": "2025-01-01T00:30:00+00:00"},
                   token=site.admin.token)
    assert r.status == 204
    left = beliefs.read_beliefs(sensor.id, *_window())
    assert left.value.tolist() == [1.0, 2.0]
    assert api.delete(f"/api/v3_0/sensors/{sensor.id}/data", json_body={"source": 987}, token=site.admin.token).status == 422
    assert api.delete(f"/api/v3_0/sensors/{sensor.id}/data", json_body={"bogus": 1}, token=site.admin.token).status == 422
    assert api.delete(f"/api/v3_0/sensors/{sensor.id}/data", token=site.member.token).status == 403
    assert api.delete(f"/api/v3_0/sensors/{sensor.id}/data", token=site.admin.token).status == 204
    assert len(beliefs.read_beliefs(sensor.id, *_window())) == 0
    events = [e.event for e in audit.entries_for_asset(site.asset.id)]
    assert f"Deleted data for sensor 'power': {sensor.id}" in events
    assert f"Deleted data for sensor 'power': {sensor.id} (start: 2025-01-01T00:30:00+00:00)" in events


def _window():
    from datetime import datetime, timezone

    return datetime(2025, 1, 1, tzinfo=timezone.utc), datetime(2025, 1, 2, tzinfo=timezone.utc)


def test_list_own_account_asset_tree_filters_and_paging(api, site, make_user, make_account):
    child = make_asset(account=site.account, name="battery", parent=site.asset)
    s1 = make_sensor(site.asset, name="power")
    s2 = make_sensor(child, name="soc", unit="kWh")
    other_account = make_account(name="Other")
    make_sensor(make_asset(account=other_account, name="elsewhere"), name="power")
    token = site.member.token
    r = api.get("/api/v3_0/sensors", token=token)
    assert r.status == 200 and [s["id"] for s in r.json] == [s1.id, s2.id]
    assert api.get("/api/v3_0/sensors", query={"asset_id": child.id}, token=token).json[0]["id"] == s2.id
    assert [s["id"] for s in api.get("/api/v3_0/sensors", query={"asset_id": site.asset.id}, token=token).json] \
        == [s1.id, s2.id]
    assert [s["id"] for s in api.get("/api/v3_0/sensors", query={"unit": "kWh"}, token=token).json] == [s2.id]
    assert [s["id"] for s in api.get("/api/v3_0/sensors", query={"filter": "battery nothing"}, token=token).json] \
        == [s2.id]
    assert len(api.get("/api/v3_0/sensors", query={"filter": "acme"}, token=token).json) == 2
    page = api.get("/api/v3_0/sensors", query={"page": 2, "per_page": 1}, token=token)
    assert page.json == {"data": [page.json["data"][0]], "num-records": 2, "filtered-records": 2, "status": 200}
    assert page.json["data"][0]["id"] == s2.id
    assert api.get("/api/v3_0/sensors", query={"page": 3, "per_page": 1}, token=token).status == 404
    # FlexMeasures 1.0's spellings (`asset`, `account`, `per-page`) and id-prefix filter terms.
    assert [s["id"] for s in api.get("/api/v3_0/sensors", query={"asset": child.id}, token=token).json] == [s2.id]
    assert len(api.get("/api/v3_0/sensors", query={"account": site.account.id}, token=token).json) == 2
    assert len(api.get("/api/v3_0/sensors", query={"page": 1, "per-page": 1}, token=token).json["data"]) == 1
    assert [s["id"] for s in api.get("/api/v3_0/sensors", query={"filter": str(s2.id)}, token=token).json] == [s2.id]
    assert api.get("/api/v3_0/sensors", query={"asset": 99999}, token=token).json["message"]["query"] == {
        "asset": ["No asset found with ID 99999."]}


def test_list_errors_and_permissions(api, site, make_user, make_account):
    token = site.member.token
    other = make_account(name="Other")
    other_asset = make_asset(account=other, name="elsewhere")
    r = api.get("/api/v3_0/sensors", query={"unit": "blorps"}, token=token)
    assert r.status == 422 and r.json["message"]["query"] == {"unit": ["Invalid unit: blorps"]}
    r = api.get("/api/v3_0/sensors", query={"account_id": site.account.id, "asset_id": other_asset.id}, token=token)
    assert r.status == 422
    assert r.json == {"message": "Please provide either an account or an asset ID, not both", "status": 422}
    r = api.get("/api/v3_0/sensors", query={"account_id": 99999}, token=token)
    assert r.status == 404 and r.json == {"message": "Account 99999 not found", "status": 404}
    assert api.get("/api/v3_0/sensors", query={"asset_id": 99999}, token=token).status == 422
    assert api.get("/api/v3_0/sensors", query={"account_id": other.id}, token=token).status == 403
    assert api.get("/api/v3_0/sensors", query={"asset_id": other_asset.id}, token=token).status == 403
    both = api.get("/api/v3_0/sensors", query={"account_id": site.account.id, "asset_id": site.asset.id},
                   token=token)
    assert both.status == 200


def test_consultant_sees_client_sensors_and_public_ones_on_request(api, make_account, make_user):
    consultancy = make_account(name="Consultancy")
    client = make_account(name="Client", consultancy_account_id=consultancy.id)
    consultant = make_user(roles=["consultant"], account=consultancy)
    client_sensor = make_sensor(make_asset(account=client, name="client site"))
    public_sensor = make_sensor(make_asset(name="public site"), name="price", unit="EUR/MWh", minutes=60)
    assert api.get("/api/v3_0/sensors", token=consultant.token).json == []
    r = api.get("/api/v3_0/sensors", query={"include_consultancy_clients": "True"}, token=consultant.token)
    assert [s["id"] for s in r.json] == [client_sensor.id]
    r = api.get("/api/v3_0/sensors", query={"include_public_assets": "true"}, token=consultant.token)
    assert [s["id"] for s in r.json] == [public_sensor.id]


def test_stats_per_source_over_all_beliefs(api, site):
    sensor = make_sensor(site.asset, timezone="Europe/Amsterdam")
    token = site.member.token
    body = {"values": [1, 2, 3], "start": "2025-01-01T00:00:00+00:00", "duration": "PT45M", "unit": "kW"}
    assert api.get(f"/api/v3_0/sensors/{sensor.id}/stats", token=token).json == {"status": 200}
    api.post(f"/api/v3_0/sensors/{sensor.id}/data", body, token=token)
    api.post(f"/api/v3_0/sensors/{sensor.id}/data", {**body, "values": [4, 2, 6]}, token=token)
    r = api.get(f"/api/v3_0/sensors/{sensor.id}/stats", token=token)
    assert r.status == 200
    source = sources.existing_user_source(site.member.user)
    block = r.json[f"{site.member.user.username} (ID: {source.id})"]
    assert block["First event start"] == "2025-01-01T01:00:00+01:00"
    assert block["Last event end"] == "2025-01-01T01:45:00+01:00"
    assert (block["Min value"], block["Max value"], block["Sum over values"], block["Number of values"]) == (1, 6, 16, 5)
    assert block["Mean value"] == pytest.approx(3.2)
    windowed = api.get(f"/api/v3_0/sensors/{sensor.id}/stats", token=token,
                       query={"event_start_time": "2025-01-01T00:15:00+00:00",
                              "event_end_time": "2025-01-01 01:30:00"}).json  # naive: Amsterdam time
    assert windowed[f"{site.member.user.username} (ID: {source.id})"]["Number of values"] == 1
    bad = api.get(f"/api/v3_0/sensors/{sensor.id}/stats", token=token, query={"event_start_time": "soon"})
    assert bad.status == 422


def test_status_per_source_type(api, site, make_user):
    from datetime import datetime, timedelta, timezone

    from chalicelib.timeseries.beliefs import Beliefs, to_us

    sensor = make_sensor(site.asset)
    token = site.member.token
    r = api.get(f"/api/v3_0/sensors/{sensor.id}/status", token=token)
    assert r.status == 200
    assert r.json == {"sensors_data": [{
        "staleness": None, "stale": True, "staleness_since": None, "reason": "no data recorded", "source_type": None,
        "id": sensor.id, "name": "power", "resolution": "PT15M", "asset_name": "ACME site",
        "relation": "sensor belongs to this asset"}], "status": 200}

    now = datetime.now(timezone.utc).replace(microsecond=0)
    user_source = sources.user_source(site.member.user)
    # latest event ends 20 minutes ago: within 2 x 15 minutes
    beliefs.save(sensor.id, user_source.id, Beliefs.of([to_us(now - timedelta(minutes=35))], to_us(now), [1.0]),
                 timedelta(minutes=15))
    scheduler = sources.scheduler_source()
    starts = [now + timedelta(hours=1) + i * timedelta(minutes=15) for i in range(20)]
    beliefs.write_beliefs(sensor, scheduler, starts, [1.0] * 20, now - timedelta(minutes=1))
    items = api.get(f"/api/v3_0/sensors/{sensor.id}/status", token=token).json["sensors_data"]
    assert [i["source_type"] for i in items] == ["user", "scheduler"]
    user, sched = items
    # ISO durations and times, as FlexMeasures 1.0 shows them.
    assert user["stale"] is False and user["staleness"].startswith(("PT20M", "PT21M"))
    assert user["reason"].startswith("most recent data is ") and user["reason"].endswith(
        "old, which is not more than 30 minutes old")
    assert user["staleness_since"] == (now - timedelta(minutes=20)).isoformat()
    assert sched["stale"] is True
    assert sched["reason"].endswith("in the future, but should be more than 12 hours in the future")
    assert sched["staleness_since"] == starts[-1].isoformat()
    assert api.get(f"/api/v3_0/sensors/{sensor.id}/status", token=make_user().token).status == 403


@pytest.mark.parametrize("method,path", [
    ("GET", "/api/v3_0/sensors/{id}"), ("PATCH", "/api/v3_0/sensors/{id}"), ("DELETE", "/api/v3_0/sensors/{id}"),
    ("DELETE", "/api/v3_0/sensors/{id}/data"), ("GET", "/api/v3_0/sensors/{id}/stats"),
    ("GET", "/api/v3_0/sensors/{id}/status"), ("GET", "/api/v3_0/sensors/{id}/data?start=2025-01-01T00:00:00Z&duration=PT1H&unit=kW"),
])
def test_sensor_paths_unknown_id_outsider_and_anonymous(api, site, make_user, method, path):
    sensor = make_sensor(site.asset)
    unknown = api.request(method, path.format(id=987654), token=site.admin.token)
    assert unknown.status == 422 and unknown.json["message"] == {"path": {"id": ["No sensor found with ID 987654."]}}
    assert api.request(method, path.format(id=sensor.id), token=make_user().token).status == 403
    assert api.request(method, path.format(id=sensor.id)).status == 401
    assert api.request(method, path.format(id="abc"), token=site.admin.token).status == 404
    assert sensors.find(sensor.id) is not None


def test_list_pages_hold_ten_sensors_by_default(api, site):
    made = [make_sensor(site.asset, name=f"s{i}") for i in range(11)]
    token = site.member.token
    first = api.get("/api/v3_0/sensors", query={"page": 1}, token=token).json
    assert [s["id"] for s in first["data"]] == [s.id for s in made[:10]]
    assert (first["num-records"], first["filtered-records"]) == (11, 11)
    assert [s["id"] for s in api.get("/api/v3_0/sensors", query={"page": 2}, token=token).json["data"]] == [made[10].id]


def test_unit_texts_that_would_freeze_pint_are_clear_422s(api, site):
    """Found by a hostile probe: `?unit=9**9**7 kW` stalled the process, `m**9**9**7` was stored as a unit."""
    listed = api.get("/api/v3_0/sensors", token=site.member.token, query={"unit": "9**9**7 kW"})
    assert listed.status == 422 and listed.json["message"]["query"] == {"unit": ["Invalid unit: 9**9**7 kW"]}
    created = api.post("/api/v3_0/sensors", _create_body(site.asset.id, unit="m**9**9**7"), token=site.member.token)
    assert created.status == 422
    assert created.json["message"]["json"] == {"unit": ["Unit 'm**9**9**7' cannot be handled."]}
    assert all(s.unit != "m**9**9**7" for s in sensors.list_for_asset(site.asset.id))
