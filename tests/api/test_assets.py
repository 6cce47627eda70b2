"""Asset endpoints: listing scopes and paging, create/read/update/delete, sensors, public assets, audit log."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from functools import partial

import pytest

from tests import factories
from tests.expected import FORBIDDEN
from tests.factories import make_sensor


@pytest.fixture
def battery_type(aws):
    from chalicelib.store import asset_types

    return asset_types.create("battery", "A stationary battery")


@pytest.fixture
def make_asset(battery_type):
    """factories.make_asset with the battery type (the listings show it)."""
    return partial(factories.make_asset, type=battery_type)


def error_of(resp, location="json"):
    assert resp.status == 422, resp.json
    assert resp.json["status"] == "UNPROCESSABLE_ENTITY" and resp.json["result"] == "Rejected"
    return resp.json["message"][location]


# --- GET /assets ------------------------------------------------------------------------------------

def test_list_own_assets_bare_list_with_full_json(api, make_user, make_asset, battery_type):
    actor = make_user()
    parent = make_asset(name="Site", account=actor.account)
    child = make_asset(name="Battery", account=actor.account, parent=parent, latitude=52.1, longitude=4.3)
    sensor = make_sensor(child, unit="MW")
    make_asset(name="Elsewhere")  # public, not listed without include_public
    resp = api.get("/api/v3_0/assets", token=actor.token)
    assert resp.status == 200
    assert [a["id"] for a in resp.json] == [parent.id, child.id]
    site, battery = resp.json
    assert site["child_assets"] == [{"id": child.id, "name": "Battery", "account_id": actor.account_id,
                                     "generic_asset_type": {"id": battery_type.id, "name": "battery"}}]
    assert battery == {
        "id": child.id, "name": "Battery", "account_id": actor.account_id,
        "owner": {"id": actor.account_id, "name": actor.account.name},
        "latitude": 52.1, "longitude": 4.3, "generic_asset_type_id": battery_type.id,
        "generic_asset_type": {"id": battery_type.id, "name": "battery"}, "parent_asset_id": parent.id,
        "child_assets": [], "sensors": [{"id": sensor.id, "name": "power"}],
        "attributes": "{}", "sensors_to_show": "[]", "flex_context": "{}", "sensors_to_show_as_kpis": "[]",
        "flex_model": "{}", "description": None, "external_id": None,
    }


def test_list_paginated_with_filter_and_sort(api, make_user, make_asset):
    actor = make_user()
    account = actor.account
    for name in ("Solar roof", "Battery", "Solar field"):
        make_asset(name=name, account=account)
    resp = api.get("/api/v3_0/assets", token=actor.token,
                   query={"page": 1, "per_page": 1, "filter": "solar", "sort_by": "name", "sort_dir": "desc"})
    assert resp.status == 200
    assert resp.json["num-records"] == 3 and resp.json["filtered-records"] == 2 and resp.json["status"] == 200
    assert [a["name"] for a in resp.json["data"]] == ["Solar roof"]
    second = api.get("/api/v3_0/assets", token=actor.token,
                     query={"page": 2, "per_page": 1, "filter": "solar", "sort_by": "name", "sort_dir": "desc"})
    assert [a["name"] for a in second.json["data"]] == ["Solar field"]
    past = api.get("/api/v3_0/assets", token=actor.token, query={"page": 3, "per_page": 1, "filter": "solar"})
    assert past.status == 404 and past.json["status"] == 404


def test_filter_terms_all_match_name_or_account_name(api, make_account, make_user, make_asset):
    account = make_account("ACME corp")
    actor = make_user(account=account)
    make_asset(name="solar panel", account=account)
    make_asset(name="battery", account=account)
    resp = api.get("/api/v3_0/assets", token=actor.token, query={"filter": 'solar "acme CORP"'})
    assert [a["name"] for a in resp.json] == ["solar panel"]
    resp = api.get("/api/v3_0/assets", token=actor.token, query={"filter": "solar wind"})
    assert resp.json == []


def test_unbalanced_filter_quote_is_422(api, make_user):
    actor = make_user()
    resp = api.get("/api/v3_0/assets", token=actor.token, query={"filter": '"solar'})
    assert error_of(resp, "query") == {"filter": ["No closing quotation"]}


def test_bad_query_values_are_422(api, make_user):
    actor = make_user()
    assert error_of(api.get("/api/v3_0/assets", token=actor.token, query={"page": 0}), "query") == {
        "page": ["Must be greater than or equal to 1."]}
    assert error_of(api.get("/api/v3_0/assets", token=actor.token, query={"include_public": "maybe"}),
                    "query") == {"include_public": ["Not a valid boolean."]}
    # Errors name FlexMeasures 1.0's spelling, whichever one was sent.
    assert "sort-by" in error_of(api.get("/api/v3_0/assets", token=actor.token, query={"sort_by": "x"}), "query")
    assert "per-page" in error_of(api.get("/api/v3_0/assets", token=actor.token, query={"per-page": "0"}), "query")


def test_include_public_and_boolean_spellings(api, make_user, make_asset):
    actor = make_user()
    own = make_asset(name="Own", account=actor.account)
    public = make_asset(name="Public")
    for spelling in ("true", "True", "yes", "on", "1", "t", "y"):
        resp = api.get("/api/v3_0/assets", token=actor.token, query={"include_public": spelling})
        assert [a["id"] for a in resp.json] == [own.id, public.id], spelling
    resp = api.get("/api/v3_0/assets", token=actor.token, query={"include_public": "off"})
    assert [a["id"] for a in resp.json] == [own.id]


def test_account_id_scope_needs_read(api, make_account, make_user, make_asset):
    actor = make_user()
    other = make_account()
    make_asset(name="Theirs", account=other)
    assert api.get("/api/v3_0/assets", token=actor.token, query={"account_id": other.id}).json == FORBIDDEN
    missing = api.get("/api/v3_0/assets", token=actor.token, query={"account_id": 9999})
    assert missing.status == 404 and missing.json == {"message": "Account 9999 not found", "status": 404}


def test_consultant_reads_client_assets_and_all_accessible(api, make_account, make_user, make_asset):
    consultancy = make_account("Consultancy")
    client = make_account("Client", consultancy_account_id=consultancy.id)
    stranger = make_account("Stranger")
    consultant = make_user(roles=["consultant"], account=consultancy)
    theirs = make_asset(name="Client asset", account=client)
    make_asset(name="Stranger asset", account=stranger)
    public = make_asset(name="Public asset")
    resp = api.get("/api/v3_0/assets", token=consultant.token, query={"account_id": client.id})
    assert [a["id"] for a in resp.json] == [theirs.id]
    resp = api.get("/api/v3_0/assets", token=consultant.token, query={"all_accessible": "true"})
    assert [a["id"] for a in resp.json] == [theirs.id, public.id]


def test_admin_reader_all_accessible_sees_every_account(api, make_account, make_user, make_asset):
    reader = make_user(roles=["admin-reader"])
    ids = [make_asset(name=f"A{i}", account=make_account()).id for i in range(3)]
    resp = api.get("/api/v3_0/assets", token=reader.token, query={"all_accessible": "1"})
    assert [a["id"] for a in resp.json] == ids


def test_public_assets_endpoint(api, make_user, make_asset):
    actor = make_user()
    make_asset(name="Own", account=actor.account)
    public = make_asset(name="Public")
    resp = api.get("/api/v3_0/assets/public", token=actor.token)
    assert resp.status == 200 and [a["id"] for a in resp.json] == [public.id]
    assert resp.json[0]["owner"] is None and resp.json[0]["account_id"] is None
    assert api.get("/api/v3_0/assets/public").status == 401


def test_asset_types(api, make_user, battery_type):
    resp = api.get("/api/v3_0/assets/types", token=make_user().token)
    assert resp.json == [{"id": battery_type.id, "name": "battery", "description": "A stationary battery"}]


# --- GET /assets/<id> ---------------------------------------------------------------------------------

def test_get_asset_and_errors(api, make_user, make_account, make_asset):
    actor = make_user()
    asset = make_asset(name="Mine", account=actor.account, attributes={"capacity": 3})
    resp = api.get(f"/api/v3_0/assets/{asset.id}", token=actor.token)
    assert resp.status == 200 and resp.json["status"] == 200 and resp.json["name"] == "Mine"
    assert json.loads(resp.json["attributes"]) == {"capacity": 3}
    missing = api.get("/api/v3_0/assets/9999", token=actor.token)
    assert missing.status == 404 and missing.json == {"message": "No asset found with ID 9999.", "status": 404}
    assert api.get("/api/v3_0/assets/abc", token=actor.token).status == 404
    theirs = make_asset(name="Theirs", account=make_account())
    assert api.get(f"/api/v3_0/assets/{theirs.id}", token=actor.token).json == FORBIDDEN
    public = make_asset(name="Public")
    assert api.get(f"/api/v3_0/assets/{public.id}", token=actor.token).status == 200


# --- POST /assets ---------------------------------------------------------------------------------------

def test_account_admin_creates_asset_with_audit(api, make_user, battery_type):
    actor = make_user(roles=["account-admin"])
    body = {"name": "New battery", "generic_asset_type_id": battery_type.id, "latitude": 40,
            "longitude": 170.3, "attributes": json.dumps({"capacity_in_mw": 2}),
            "flex_context": json.dumps({"site-power-capacity": "1 MW"})}
    resp = api.post("/api/v3_0/assets", json=body, token=actor.token)
    assert resp.status == 201, resp.json
    created = resp.json
    assert created["account_id"] == actor.account_id and created["latitude"] == 40.0
    assert json.loads(created["attributes"]) == {"capacity_in_mw": 2}
    assert json.loads(created["flex_context"]) == {"site-power-capacity": "1 MW"}
    log = api.get(f"/api/v3_0/assets/{created['id']}/auditlog", token=actor.token).json
    assert log["data"][0]["event"] == f"Created asset 'New battery': {created['id']}"
    assert log["data"][0]["active_user_id"] == actor.id
    assert log["data"][0]["active_user_name"] == actor.user.username
    assert datetime.fromisoformat(log["data"][0]["event_datetime"]) > datetime.now(timezone.utc) - timedelta(minutes=1)


def test_plain_member_may_not_create_even_with_a_bad_body(api, make_user):
    actor = make_user()
    resp = api.post("/api/v3_0/assets", json={"nonsense": 1}, token=actor.token)
    assert resp.status == 403 and resp.json == FORBIDDEN


def test_create_validation_errors(api, make_user, make_account, battery_type):
    actor = make_user(roles=["account-admin"])
    assert error_of(api.post("/api/v3_0/assets", json={}, token=actor.token)) == {
        "name": ["Missing data for required field."],
        "generic_asset_type_id": ["Missing data for required field."]}
    base = {"name": "x", "generic_asset_type_id": battery_type.id}
    cases = [
        ({"longitude": 300.9}, "longitude", "Longitude 300.9 exceeds the maximum longitude of 180 degrees."),
        ({"latitude": -91}, "latitude", "Latitude -91.0 exceeds the minimum latitude of -90 degrees."),
        ({"latitude": 1.123456789}, "latitude", "Latitudes and longitudes are limited to 7 decimal places."),
        ({"generic_asset_type_id": 999}, "generic_asset_type_id", "GenericAssetType with id 999 doesn't exist."),
        ({"parent_asset_id": 999}, "parent_asset_id", "Parent GenericAsset with id 999 doesn't exist."),
        ({"attributes": "{not json"}, "attributes", "Not a valid JSON string."),
        ({"id": 5}, "id", "Unknown field."),
        ({"account_id": make_account().id}, "account_id", "User is not allowed to create assets for this account."),
        ({"account_id": 999}, "account_id", "Account with Id 999 doesn't exist."),
        ({"account_id": None}, "account_id", "Account with Id None doesn't exist."),
        ({"attributes": json.dumps({"sensors_to_show": [0]})}, "attributes", "No sensor found with ID 0."),
        ({"attributes": json.dumps({"sensors_to_show": [[1, "a"]]})}, "attributes",
         "All elements in a list within 'sensors_to_show' must be integers."),
        ({"attributes": json.dumps({"sensors_to_show": ["a"]})}, "attributes",
         "Invalid item type in 'sensors_to_show'. Expected int, list, or dict."),
    ]
    for extra, field, message in cases:
        resp = api.post("/api/v3_0/assets", json={**base, **extra}, token=actor.token)
        assert error_of(resp) == {field: [message]}, (extra, resp.json)
    assert api.get("/api/v3_0/assets", token=actor.token).json == []  # nothing half-written


def test_name_unique_under_parent(api, make_user, make_asset, battery_type):
    actor = make_user(roles=["account-admin"])
    parent = make_asset(name="Site", account=actor.account)
    make_asset(name="Battery", account=actor.account, parent=parent)
    body = {"name": "Battery", "generic_asset_type_id": battery_type.id, "parent_asset_id": parent.id}
    assert error_of(api.post("/api/v3_0/assets", json=body, token=actor.token)) == {
        "name": [f"An asset with the name 'Battery' already exists under parent asset {parent.id}"]}
    # An explicit null parent compares with every top-level asset, of any account.
    body = {"name": "Site", "generic_asset_type_id": battery_type.id, "parent_asset_id": None}
    assert error_of(api.post("/api/v3_0/assets", json=body, token=actor.token)) == {
        "name": ["An asset with the name 'Site' already exists under parent asset None"]}
    # Without the parent key, a second top-level "Site" is allowed (as in FlexMeasures).
    resp = api.post("/api/v3_0/assets", json={"name": "Site", "generic_asset_type_id": battery_type.id},
                    token=actor.token)
    assert resp.status == 201


def test_child_must_share_the_parents_account(api, admin, make_account, make_asset, battery_type):
    parent = make_asset(name="Site", account=make_account())
    body = {"name": "Child", "generic_asset_type_id": battery_type.id, "parent_asset_id": parent.id,
            "account_id": make_account().id}
    assert error_of(api.post("/api/v3_0/assets", json=body, token=admin.token)) == {
        "parent_asset_id": [f"Parent GenericAsset with id {parent.id} belongs to another account."]}


def test_admin_creates_public_asset_and_for_other_accounts(api, admin, make_account, battery_type):
    resp = api.post("/api/v3_0/assets", json={"name": "Pub", "generic_asset_type_id": battery_type.id},
                    token=admin.token)
    assert resp.status == 201 and resp.json["account_id"] is None and resp.json["owner"] is None
    other = make_account()
    resp = api.post("/api/v3_0/assets", json={"name": "Theirs", "generic_asset_type_id": battery_type.id,
                                              "account_id": other.id}, token=admin.token)
    assert resp.status == 201 and resp.json["account_id"] == other.id


def test_consultant_creates_only_when_also_account_admin(api, make_user, battery_type):
    body = {"name": "x", "generic_asset_type_id": battery_type.id}
    assert api.post("/api/v3_0/assets", json=body, token=make_user(roles=["consultant"]).token).status == 403
    both = make_user(roles=["consultant", "account-admin"])
    assert api.post("/api/v3_0/assets", json=body, token=both.token).status == 201


# --- PATCH /assets/<id> -------------------------------------------------------------------------------------

def test_member_patches_own_asset_with_audit_rows(api, make_user, make_asset):
    actor = make_user()
    asset = make_asset(name="Old", account=actor.account, attributes={"a": 1, "b": 2, "gone": 0})
    body = {"name": "New", "latitude": 10.5, "attributes": json.dumps({"a": 1, "b": 3, "c": 4})}
    resp = api.patch(f"/api/v3_0/assets/{asset.id}", json=body, token=actor.token)
    assert resp.status == 200 and resp.json["name"] == "New" and resp.json["latitude"] == 10.5
    assert json.loads(resp.json["attributes"]) == {"a": 1, "b": 3, "c": 4}  # replaced, not merged
    from chalicelib.store import assets

    assert assets.find(asset.id).name == "New"
    events = {row["event"] for row in api.get(f"/api/v3_0/assets/{asset.id}/auditlog", token=actor.token,
                                              query={"per_page": 50}).json["data"]}
    assert events == {"Updated Field: name, From: Old, To: New", "Updated Field: latitude, From: None, To: 10.5",
                      "Updated Attr: b, From: 2, To: 3", "Updated Attr: c, From: None, To: 4"}


def test_patch_with_unchanged_values_writes_no_audit_rows(api, make_user, make_asset):
    from chalicelib.store import audit

    actor = make_user()
    asset = make_asset(name="Same", account=actor.account, attributes={"a": 1})
    resp = api.patch(f"/api/v3_0/assets/{asset.id}", json={"name": "Same", "attributes": '{"a": 1}'},
                     token=actor.token)
    assert resp.status == 200 and audit.entries_for_asset(asset.id) == []


def test_patch_rejects_id_and_account_id_before_lookup(api, make_user):
    actor = make_user()
    resp = api.patch("/api/v3_0/assets/9999", json={"account_id": 1, "id": 2}, token=actor.token)
    assert error_of(resp) == {"account_id": ["Unknown field."], "id": ["Unknown field."]}
    missing = api.patch("/api/v3_0/assets/9999", json={"name": "x"}, token=actor.token)
    assert missing.status == 404


def test_patch_forbidden_for_admin_reader_and_strangers(api, make_user, make_account, make_asset):
    asset = make_asset(name="A", account=make_account())
    for actor in (make_user(roles=["admin-reader"]), make_user()):
        assert api.patch(f"/api/v3_0/assets/{asset.id}", json={"name": "x"}, token=actor.token).json == FORBIDDEN
    public = make_asset(name="Public")
    assert api.patch(f"/api/v3_0/assets/{public.id}", json={"name": "x"},
                     token=make_user(roles=["account-admin"]).token).status == 403


def test_patch_parent_cycle_and_sibling_name(api, make_user, make_asset):
    actor = make_user()
    top = make_asset(name="Top", account=actor.account)
    child = make_asset(name="Child", account=actor.account, parent=top)
    make_asset(name="Other", account=actor.account, parent=top)
    resp = api.patch(f"/api/v3_0/assets/{top.id}", json={"parent_asset_id": child.id}, token=actor.token)
    assert "parent_asset_id" in error_of(resp)
    resp = api.patch(f"/api/v3_0/assets/{child.id}", json={"name": "Other"}, token=actor.token)
    assert error_of(resp) == {"name": [f"An asset with the name 'Other' already exists under parent asset {top.id}"]}


def test_patch_flex_context_follows_the_stored_flex_context_rules(api, make_user, make_asset):
    actor = make_user()
    asset = make_asset(name="A", account=actor.account)
    price = make_sensor(asset, name="price", unit="EUR/MWh", minutes=60)
    url = f"/api/v3_0/assets/{asset.id}"
    resp = api.patch(url, json={"flex_context": "[1]"}, token=actor.token)
    assert resp.status == 422 and resp.json == {"error": "The flex-context should be a JSON object.", "status": 422}
    resp = api.patch(url, json={"flex_context": json.dumps({"site-power-capacity": "3 blobs"})}, token=actor.token)
    assert resp.status == 422 and set(resp.json) == {"error", "status"} and "site-power-capacity" in resp.json["error"]
    resp = api.patch(url, json={"flex_context": json.dumps({"not-a-field": 1})}, token=actor.token)
    assert resp.status == 422 and "Unknown field." in resp.json["error"]
    series = [{"value": 1, "start": "2025-01-01T00:00+00:00", "duration": "PT1H"}]
    resp = api.patch(url, json={"flex_context": json.dumps({"consumption-price": series})}, token=actor.token)
    assert resp.status == 422 and "time series" in resp.json["error"]
    good = {"site-power-capacity": "1 MW", "consumption-price": {"sensor": price.id}}
    resp = api.patch(url, json={"flex_context": json.dumps(good)}, token=actor.token)
    assert resp.status == 200 and json.loads(resp.json["flex_context"]) == good


# --- DELETE /assets/<id> ---------------------------------------------------------------------------------

def test_delete_cascades_to_children_sensors_and_claims(api, make_user, make_asset):
    from chalicelib.store import assets, sensors

    actor = make_user(roles=["account-admin"])
    top = make_asset(name="Top", account=actor.account)
    child = make_asset(name="Child", account=actor.account, parent=top)
    grandchild = make_asset(name="Grandchild", account=actor.account, parent=child)
    sensor_ids = [make_sensor(a, unit="MW").id for a in (top, child, grandchild)]
    resp = api.delete(f"/api/v3_0/assets/{top.id}", token=actor.token)
    assert resp.status == 204 and resp.body == b""
    assert all(assets.find(a.id) is None for a in (top, child, grandchild))
    assert all(sensors.find(i) is None for i in sensor_ids)
    assert api.get(f"/api/v3_0/assets/{top.id}", token=actor.token).status == 404
    from chalicelib.store import audit

    assert [e.event for e in audit.entries_for_asset(top.id)] == [f"Deleted asset 'Top': {top.id}"]
    # The name under the deleted parent is free again for a new tree.
    new_top = make_asset(name="Top", account=actor.account)
    assert make_asset(name="Child", account=actor.account, parent=new_top).id


def test_interrupted_delete_is_completed_by_a_retry(api, make_user, make_asset, monkeypatch):
    from chalicelib.store import assets, sensors

    actor = make_user(roles=["account-admin"])
    top = make_asset(name="Top", account=actor.account)
    children = [make_asset(name=f"Child {i}", account=actor.account, parent=top) for i in range(2)]
    for child in children:
        make_sensor(child, unit="MW")
    real_delete, calls = sensors.delete, []

    def failing_delete(sensor):
        calls.append(sensor.id)
        if len(calls) == 2:
            raise RuntimeError("network down")
        real_delete(sensor)

    monkeypatch.setattr(sensors, "delete", failing_delete)
    assert api.delete(f"/api/v3_0/assets/{top.id}", token=actor.token).status == 500
    assert assets.find(top.id) is not None  # the root stays until everything below it is gone
    monkeypatch.setattr(sensors, "delete", real_delete)
    assert api.delete(f"/api/v3_0/assets/{top.id}", token=actor.token).status == 204
    assert assets.find(top.id) is None and all(assets.find(c.id) is None for c in children)
    assert sensors.list_for_asset(children[1].id) == []


def test_delete_permissions(api, make_user, make_asset):
    member = make_user()
    asset = make_asset(name="A", account=member.account)
    assert api.delete(f"/api/v3_0/assets/{asset.id}", token=member.token).json == FORBIDDEN
    assert api.delete("/api/v3_0/assets/9999", token=member.token).status == 404


# --- GET /assets/<id>/sensors ------------------------------------------------------------------------------

def test_asset_sensors_always_paginated_with_iso_resolutions(api, make_user, make_asset):
    actor = make_user()
    asset = make_asset(name="A", account=actor.account)
    hourly = make_sensor(asset, name="hourly power", minutes=60, unit="MW")
    quarter = make_sensor(asset, name="quarter price", unit="EUR/MWh", minutes=15)
    make_sensor(asset, name="daily energy", unit="MWh", minutes=1440)
    resp = api.get(f"/api/v3_0/assets/{asset.id}/sensors", token=actor.token)
    assert resp.status == 200 and resp.json["num-records"] == 3 and resp.json["filtered-records"] == 3
    assert [s["event_resolution"] for s in resp.json["data"]] == ["PT1H", "PT15M", "P1D"]  # FlexMeasures 1.0
    assert resp.json["data"][0]["id"] == hourly.id and resp.json["data"][0]["generic_asset_id"] == asset.id
    resp = api.get(f"/api/v3_0/assets/{asset.id}/sensors", token=actor.token,
                   query={"filter": '"price hourly" ignored', "sort_by": "resolution", "sort_dir": "asc"})
    assert [s["id"] for s in resp.json["data"]] == [quarter.id, hourly.id]
    assert resp.json["num-records"] == 3 and resp.json["filtered-records"] == 2
    assert api.get(f"/api/v3_0/assets/{asset.id}/sensors", token=actor.token, query={"page": 2}).status == 404


def test_asset_sensors_unknown_asset_is_422_and_read_is_checked(api, make_user, make_account, make_asset):
    actor = make_user()
    resp = api.get("/api/v3_0/assets/9999/sensors", token=actor.token)
    assert error_of(resp, "path") == {"id": ["No asset found with ID 9999."]}
    theirs = make_asset(name="Theirs", account=make_account())
    assert api.get(f"/api/v3_0/assets/{theirs.id}/sensors", token=actor.token).status == 403


# --- audit log, default view ---------------------------------------------------------------------------------

def test_asset_auditlog_paging_filter_sort(api, make_user, make_asset):
    from chalicelib.store import audit

    actor = make_user()
    asset = make_asset(name="A", account=actor.account)
    for text in ("first event", "second thing", "third event"):
        audit.record_asset_event(text, asset.id, actor.user)
    resp = api.get(f"/api/v3_0/assets/{asset.id}/auditlog", token=actor.token,
                   query={"filter": "event", "sort_by": "event_datetime", "sort_dir": "desc", "per_page": 1})
    assert resp.json["num-records"] == 3 and resp.json["filtered-records"] == 2
    third = audit.entries_for_asset(asset.id)[-1]
    assert resp.json["data"] == [{"event": "third event", "event_datetime": third.event_datetime.isoformat(),
                                  "active_user_name": actor.user.username, "active_user_id": actor.id}]
    resp = api.get(f"/api/v3_0/assets/{asset.id}/auditlog", token=actor.token, query={"filter": "thing xyz"})
    assert [r["event"] for r in resp.json["data"]] == ["second thing"]
    assert error_of(api.get("/api/v3_0/assets/9999/auditlog", token=actor.token), "path") == {
        "id": ["No asset found with ID 9999."]}


def test_default_asset_view_is_kept_per_user(api, make_user):
    from chalicelib.store import users

    actor = make_user()
    resp = api.post("/api/v3_0/assets/default_asset_view", json={"default_asset_view": "Graphs"},
                    token=actor.token)
    assert resp.json == {"message": "Default asset view updated successfully.", "status": 200}
    assert users.get(actor.id).default_asset_view == "Graphs"
    api.post("/api/v3_0/assets/default_asset_view", json={"default_asset_view": "Graphs", "use_as_default": False},
             token=actor.token)
    assert users.get(actor.id).default_asset_view is None
    resp = api.post("/api/v3_0/assets/default_asset_view", json={"default_asset_view": "Map"}, token=actor.token)
    assert error_of(resp) == {"default_asset_view": [
        "Must be one of: Audit Log, Context, Graphs, Properties, Status."]}


def test_keep_legends_below_graphs_is_kept_per_user(api, make_user):
    from chalicelib.store import users

    actor = make_user()
    url = "/api/v3_0/assets/keep_legends_below_graphs"
    resp = api.post(url, json={"keep_legends_below_graphs": True}, token=actor.token)
    assert resp.json == {"message": "Default legend position updated successfully.", "status": 200}
    assert users.get(actor.id).keep_legends_below_graphs is True
    api.post(url, json={"keep_legends_below_graphs": False}, token=actor.token)
    assert users.get(actor.id).keep_legends_below_graphs is None
    assert api.post(url, token=actor.token).status == 200  # no body: true, as FlexMeasures defaults it
    assert users.get(actor.id).keep_legends_below_graphs is True
    assert error_of(api.post(url, json={"keep_legends_below_graphs": "sometimes"}, token=actor.token)) == {
        "keep_legends_below_graphs": ["Not a valid boolean."]}
    assert error_of(api.post(url, json={"legends": True}, token=actor.token)) == {"legends": ["Unknown field."]}
    assert api.post(url, json={}).status == 401


def test_page_sizes_default_per_endpoint(api, make_user, make_asset):
    """Without per_page: 10 assets, 20 asset sensors, 10 audit rows per page (contract §6)."""
    from chalicelib.store import audit

    actor = make_user()
    owned = [make_asset(name=f"A{i}", account=actor.account) for i in range(11)]
    resp = api.get("/api/v3_0/assets", token=actor.token, query={"page": 1})
    assert [a["id"] for a in resp.json["data"]] == [a.id for a in owned[:10]] and resp.json["num-records"] == 11
    assert [a["id"] for a in api.get("/api/v3_0/assets", token=actor.token, query={"page": 2}).json["data"]] == [
        owned[10].id]
    asset = owned[0]
    sensors = [make_sensor(asset, name=f"s{i}", unit="MW") for i in range(21)]
    resp = api.get(f"/api/v3_0/assets/{asset.id}/sensors", token=actor.token)
    assert [s["id"] for s in resp.json["data"]] == [s.id for s in sensors[:20]] and resp.json["num-records"] == 21
    resp = api.get(f"/api/v3_0/assets/{asset.id}/sensors", token=actor.token, query={"page": 2})
    assert [s["id"] for s in resp.json["data"]] == [sensors[20].id]
    for i in range(11):
        audit.record_asset_event(f"event {i}", asset.id, actor.user)
    resp = api.get(f"/api/v3_0/assets/{asset.id}/auditlog", token=actor.token)
    assert len(resp.json["data"]) == 10 and resp.json["num-records"] == 11
    assert len(api.get(f"/api/v3_0/assets/{asset.id}/auditlog", token=actor.token,
                       query={"page": 2}).json["data"]) == 1
    assert api.get(f"/api/v3_0/assets/{asset.id}/auditlog", token=actor.token, query={"page": 3}).status == 404


# --- FlexMeasures 1.0's listing arguments --------------------------------------------------------------------

def test_listing_new_spellings_fields_root_depth_and_asset_type(api, make_user, make_account, make_asset):
    from chalicelib.store import asset_types

    actor = make_user()
    other = make_account("Other")
    battery = asset_types.create("battery-x")
    top = make_asset(name="Top", account=actor.account)
    mid = make_asset(name="Mid", account=actor.account, parent=top, type=battery)
    low = make_asset(name="Low", account=actor.account, parent=mid, type=battery)
    public = make_asset(name="Public park")
    make_asset(name="Theirs", account=other)
    get = partial(api.get, "/api/v3_0/assets", token=actor.token)
    # per-page/sort-by/sort-dir as well as the old spellings; `account` beside `account_id`.
    page = get(query={"page": 1, "per-page": 2, "sort-by": "name", "sort-dir": "desc"}).json
    assert [a["name"] for a in page["data"]] == ["Top", "Mid"] and page["num-records"] == 3
    assert [a["id"] for a in get(query={"account": actor.account_id}).json] == [top.id, mid.id, low.id]
    assert get(query={"account": other.id}).status == 403
    # fields: only the named ones; the default list itself still gets whole assets (FlexMeasures' sunset is off).
    assert get(query={"fields": "id|name"}).json == [{"id": a.id, "name": a.name} for a in (top, mid, low)]
    assert "latitude" in get(query={"fields": "id|name|account_id|generic_asset_type"}).json[0]
    assert error_of(get(query={"fields": "id|colour"}), "query") == {
        "fields": ["Parameter 'colour' is not a valid asset field."]}
    assert api.get("/api/v3_0/assets/public", token=actor.token, query={"fields": "id|name"}).json == [
        {"id": public.id, "name": "Public park"}]
    # root: the subtree over every readable account (and public assets); depth counts levels below it.
    assert [a["id"] for a in get(query={"root": mid.id}).json] == [mid.id, low.id]
    assert [a["id"] for a in get(query={"root": top.id, "depth": 1}).json] == [top.id, mid.id]
    assert [a["id"] for a in get(query={"depth": 0, "include_public": "true"}).json] == [top.id, public.id]
    assert error_of(get(query={"root": 9999}), "query") == {"root": ["No asset found with ID 9999."]}
    assert error_of(get(query={"depth": -1}), "query") == {"depth": ["Must be greater than or equal to 0."]}
    # asset_type
    assert [a["id"] for a in get(query={"asset_type": battery.id}).json] == [mid.id, low.id]
    assert error_of(get(query={"asset_type": 9999}), "query") == {
        "asset_type": ["No generic asset type found with id 9999."]}


def test_numeric_filter_terms_match_an_id_prefix(api, make_user, make_account, make_asset):
    actor = make_user(account=make_account("Owners"))  # an account name without digits
    made = [make_asset(name=f"Asset {chr(97 + i)}", account=actor.account) for i in range(12)]
    ids = [a["id"] for a in api.get("/api/v3_0/assets", token=actor.token, query={"filter": "1"}).json]
    assert ids == [a.id for a in made if str(a.id).startswith("1")] and len(ids) == 4  # 1, 10, 11, 12
    assert [a["id"] for a in api.get("/api/v3_0/assets", token=actor.token,
                                     query={"filter": str(made[11].id)}).json] == [made[11].id]
