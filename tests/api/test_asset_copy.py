"""POST /assets/<id>/copy (FlexMeasures 1.0.1): the subtree and its sensors, names, references, targets, rights."""
from __future__ import annotations

import json

import pytest

from chalicelib.store import assets, audit, sensors
from tests.expected import FORBIDDEN
from tests.factories import make_account, make_asset, make_sensor, make_user


@pytest.fixture
def tree(aws):
    account = make_account("Home Co")
    site = make_asset(account=account, name="Home", latitude=52.0, longitude=4.0, attributes={"a": 1})
    battery = make_asset(account=account, name="Battery", parent=site)
    power = make_sensor(battery, name="power", attributes={"template_role": "x", "capacity": 5})
    price = make_sensor(site, name="price", unit="EUR/MWh")
    public_price = make_sensor(make_asset(name="Market"), name="day-ahead", unit="EUR/MWh")
    elsewhere = make_sensor(make_asset(account=make_account("Other"), name="Far"), name="far")
    assets.update(site, {
        "flex_context": {"consumption-price": {"sensor": price.id}, "production-price": {"sensor": public_price.id},
                         "site-power-capacity": {"sensor": elsewhere.id}, "inflexible-device-sensors": [
                             power.id, elsewhere.id]},
        "sensors_to_show": [price.id, [power.id, elsewhere.id], {"title": "P", "sensors": [power.id]}],
        "sensors_to_show_as_kpis": [{"title": "Far", "sensor": elsewhere.id, "function": "sum"}]})
    return {"account": account, "site": site, "battery": battery, "power": power, "price": price,
            "public_price": public_price, "elsewhere": elsewhere,
            "admin": make_user(roles=["account-admin"], account=account), "member": make_user(account=account)}


def test_copy_beside_the_original_with_children_sensors_and_references(api, tree):
    site = tree["site"]
    r = api.post(f"/api/v3_0/assets/{site.id}/copy", token=tree["admin"].token)
    assert r.status == 201
    copy_id = r.json["asset"]
    assert r.json == {"message": f"Successfully copied asset {site.id}.", "asset": copy_id, "status": 201}
    copied = assets.find(copy_id)
    assert (copied.name, copied.account_id, copied.parent_asset_id) == ("Home (Copy)", tree["account"].id, None)
    assert (copied.latitude, copied.attributes) == (52.0, {"a": 1})
    [child] = assets.children_of(copy_id)
    assert child.name == "Battery" and child.id != tree["battery"].id  # only the root gets the suffix
    [new_power] = sensors.list_for_asset(child.id)
    [new_price] = sensors.list_for_asset(copy_id)
    assert new_power.name == "power" and new_power.attributes == {"capacity": 5}  # template_role dropped
    # references: copied sensors -> copies, public sensors kept, other private sensors dropped with their entry
    assert copied.flex_context == {"consumption-price": {"sensor": new_price.id},
                                   "production-price": {"sensor": tree["public_price"].id},
                                   "inflexible-device-sensors": [new_power.id]}
    assert copied.sensors_to_show == [new_price.id, [new_power.id], {"title": "P", "sensors": [new_power.id]}]
    assert copied.sensors_to_show_as_kpis == []
    # the original is untouched; the copy's own audit log has the row
    assert assets.find(site.id).flex_context["consumption-price"] == {"sensor": tree["price"].id}
    assert [e.event for e in audit.entries_for_asset(copy_id)] == [
        f"Copied asset 'Home': {site.id} to 'Home (Copy)': {copy_id}"]
    again = api.post(f"/api/v3_0/assets/{site.id}/copy", token=tree["admin"].token).json["asset"]
    assert assets.find(again).name == "Home (Copy 2)"
    shown = api.get(f"/api/v3_0/assets/{copy_id}", token=tree["member"].token).json
    assert json.loads(shown["sensors_to_show"])[0] == new_price.id


def test_copy_to_a_parent_or_an_account(api, tree):
    battery, site = tree["battery"], tree["site"]
    other_site = make_asset(account=tree["account"], name="Cottage")
    r = api.post(f"/api/v3_0/assets/{battery.id}/copy", token=tree["member"].token, query={"parent": other_site.id})
    assert r.status == 201 and r.json["message"] == (
        f"Successfully copied asset {battery.id} to parent asset {other_site.id}.")
    assert assets.find(r.json["asset"]).parent_asset_id == other_site.id
    # a plain member may add children under a parent, but not top-level assets to the account
    assert api.post(f"/api/v3_0/assets/{site.id}/copy", token=tree["member"].token,
                    query={"account": tree["account"].id}).json == FORBIDDEN
    target = make_account("New home", consultancy_account_id=None)
    admin = make_user(roles=["admin"])
    r = api.post(f"/api/v3_0/assets/{site.id}/copy", token=admin.token, query={"account": target.id})
    assert r.json["message"] == f"Successfully copied asset {site.id} to account {target.id}."
    copied = assets.find(r.json["asset"])
    assert (copied.account_id, copied.parent_asset_id, copied.name) == (target.id, None, "Home (Copy)")
    assert [c.account_id for c in assets.children_of(copied.id)] == [target.id]
    assert sensors.list_for_asset(copied.id)[0].account_id == target.id
    both = api.post(f"/api/v3_0/assets/{battery.id}/copy", token=admin.token,
                    query={"account": target.id, "parent": copied.id})
    assert both.json["message"] == (
        f"Successfully copied asset {battery.id} to account {target.id} under parent {copied.id}.")


def test_copy_errors_and_rights(api, tree):
    site, battery = tree["site"], tree["battery"]
    token = tree["admin"].token
    url = f"/api/v3_0/assets/{site.id}/copy"
    r = api.post(url, token=token, query={"parent": battery.id})
    assert r.status == 422 and r.json["message"] == {
        "json": "Invalid copy target parent: cannot copy an asset to itself or any of its descendants."}
    assert api.post("/api/v3_0/assets/9999/copy", token=token).status == 404
    assert api.post(url, token=token, query={"account": 9999}).json == {"message": "Account 9999 not found",
                                                                     "status": 404}
    r = api.post(url, token=token, query={"parent": 9999})
    assert r.status == 422 and r.json["message"]["query"] == {"parent": ["No asset found with ID 9999."]}
    # child assets share their parent's account here
    other = make_account("Elsewhere")
    r = api.post(url, token=make_user(roles=["admin"]).token, query={"account": other.id, "parent": battery.id})
    assert r.status == 422 and r.json["message"]["query"] == {
        "parent": [f"Parent GenericAsset with id {battery.id} belongs to another account."]}
    # reading the source and creating in the target are both needed
    outsider = make_user(roles=["account-admin"], account=other)
    assert api.post(url, token=outsider.token, query={"account": other.id}).json == FORBIDDEN
    assert api.post(url, token=make_user(roles=["admin-reader"]).token).json == FORBIDDEN
    public = make_asset(name="Public thing")
    assert api.post(f"/api/v3_0/assets/{public.id}/copy", token=token).json == FORBIDDEN
    assert api.post(f"/api/v3_0/assets/{public.id}/copy", token=make_user(roles=["admin"]).token).status == 201
    assert api.post(url).status == 401


def test_a_failed_copy_leaves_nothing_behind(api, tree, monkeypatch):
    from chalicelib.services import asset_copies

    before = {a.id for a in assets.list_for_account(tree["account"].id)}

    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(asset_copies, "_rewrite_references", broken)
    r = api.post(f"/api/v3_0/assets/{tree['site'].id}/copy", token=tree["admin"].token)
    assert r.status == 500
    assert {a.id for a in assets.list_for_account(tree["account"].id)} == before


def test_copy_names_and_reference_rules_unit():
    from chalicelib.services.asset_copies import copy_name, replace_sensor_refs

    assert copy_name("Home", set()) == "Home (Copy)"
    assert copy_name("Home", {"Home (Copy)", "Home (Copy 4)", "Home (Copy x)"}) == "Home (Copy 5)"
    result = replace_sensor_refs({"a": {"sensor": 1}, "b": {"sensor": 2}, "c": [1, 2, 3], "d": {"x": 5}},
                                 {1: 10}, lambda sid: sid == 3)
    assert result == {"a": {"sensor": 10}, "c": [10, 3], "d": {"x": 5}}
