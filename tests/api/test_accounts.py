"""Account endpoints: GET /accounts and GET /accounts/<id> (flexmeasures-client's get_account uses the latter)."""
from __future__ import annotations

import pytest

from tests.expected import FORBIDDEN
from tests.factories import make_asset


@pytest.fixture
def firms(make_account, make_user):
    consultancy = make_account("Advisors")
    client = make_account("Client Co", consultancy_account_id=consultancy.id, roles=["Prosumer"])
    other = make_account("Other Ltd")
    return {"consultancy": consultancy, "client": client, "other": other,
            "member": make_user(account=client), "consultant": make_user(roles=["consultant"], account=consultancy)}


def summary(account, roles=()):
    """FlexMeasures 1.0.1's AccountSchema: attributes as a JSON string, and the plan."""
    return {"id": account.id, "name": account.name, "primary_color": None, "secondary_color": None,
            "logo_url": None, "attributes": "{}", "account_roles": list(roles),
            "consultancy_account_id": account.consultancy_account_id, "plan_id": None}


def test_get_account_read_rules(api, firms, admin):
    client, member = firms["client"], firms["member"]
    r = api.get(f"/api/v3_0/accounts/{client.id}", token=member.token)
    assert r.status == 200 and r.headers["content-type"] == "application/json"
    assert r.json == {**summary(client, r.json["account_roles"]), "status": 200}
    assert [role["name"] for role in r.json["account_roles"]] == ["Prosumer"]
    assert api.get(f"/api/v3_0/accounts/{client.id}", token=firms["consultant"].token).status == 200
    assert api.get(f"/api/v3_0/accounts/{firms['other'].id}", token=member.token).json == FORBIDDEN
    assert api.get(f"/api/v3_0/accounts/{firms['other'].id}", token=admin.token).status == 200
    r = api.get("/api/v3_0/accounts/9999", token=member.token)
    assert r.status == 404 and r.json == {"message": "Account 9999 not found", "status": 404}
    assert api.get(f"/api/v3_0/accounts/{client.id}").status == 401


def test_list_accounts_scope_filter_and_pages(api, firms, admin, make_user):
    client, consultancy = firms["client"], firms["consultancy"]
    assert [a["id"] for a in api.get("/api/v3_0/accounts", token=firms["member"].token).json] == [client.id]
    mine = api.get("/api/v3_0/accounts", token=firms["consultant"].token).json
    assert mine == [summary(consultancy), {**summary(client), "account_roles": mine[1]["account_roles"]}]
    everyone = api.get("/api/v3_0/accounts", token=admin.token).json
    assert {firms["other"].id, client.id, consultancy.id} <= {a["id"] for a in everyone}
    r = api.get("/api/v3_0/accounts", token=admin.token, query={"filter": '"ltd advis" ignored'})
    assert [a["name"] for a in r.json] == ["Advisors", "Other Ltd"]
    make_asset(account=client, name="site")
    make_user(account=client)
    page = api.get("/api/v3_0/accounts", token=firms["consultant"].token,
                   query={"page": 1, "per_page": 1, "sort_by": "users", "sort_dir": "desc"}).json
    assert page["num-records"] == 2 and page["filtered-records"] == 2 and page["status"] == 200
    assert page["data"] == [{**summary(client), "account_roles": mine[1]["account_roles"],
                             "user_count": 2, "asset_count": 1}]
    assert api.get("/api/v3_0/accounts", token=firms["member"].token, query={"page": 2}).status == 404
    r = api.get("/api/v3_0/accounts", token=firms["member"].token, query={"sort_by": "colour", "sort_dir": "asc"})
    assert r.status == 422 and "sort_by" in r.json["message"]["query"]
    # FlexMeasures 1.0.1 sorts accounts by id too.
    r = api.get("/api/v3_0/accounts", token=firms["consultant"].token, query={"sort_by": "id", "sort_dir": "desc"})
    assert [a["id"] for a in r.json] == [client.id, firms["consultancy"].id]
