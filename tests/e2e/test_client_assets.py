"""flexmeasures-client 0.9.6 against the local stack: asset types, users, asset CRUD, unchanged client code."""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e


def test_client_manages_assets(local_stack):
    async def scenario(client):
        types = await client.get_asset_types()
        battery = next(t for t in types if t["name"] == "battery")
        me = await client.get_user()
        asset = await client.add_asset(name="e2e battery", account_id=me["account_id"], latitude=52.0,
                                       longitude=4.5, generic_asset_type_id=battery["id"],
                                       attributes={"capacity_in_mw": 2}, flex_context={"site-power-capacity": "1 MW"})
        fetched = await client.get_asset(asset["id"], parse_json_fields=True)
        listed = await client.get_assets(parse_json_fields=True)
        updated = await client.update_asset(asset["id"], {"name": "e2e battery 2", "attributes": {"x": 1}},
                                            parse_json_fields=True)
        await client.delete_asset(asset["id"], confirm_first=False)
        remaining = await client.get_assets(parse_json_fields=False)
        return me, asset, fetched, listed, updated, remaining

    me, asset, fetched, listed, updated, remaining = local_stack.run(scenario)
    assert me["email"] == local_stack.admin_email
    assert fetched["attributes"] == {"capacity_in_mw": 2} and fetched["flex_context"] == {"site-power-capacity": "1 MW"}
    assert asset["id"] in [a["id"] for a in listed]
    assert updated["name"] == "e2e battery 2" and updated["attributes"] == {"x": 1}
    assert asset["id"] not in [a["id"] for a in remaining]


def test_client_reads_its_account(local_stack):
    async def scenario(client):
        return await client.get_user(), await client.get_account()

    me, account = local_stack.run(scenario)
    assert account["id"] == me["account_id"] and account["name"] and account["status"] == 200
