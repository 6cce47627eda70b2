"""Account endpoints: list, read, create, update and audit log (flexmeasures-client's get_account reads one)."""
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
    assert r.status == 422 and "sort-by" in r.json["message"]["query"]  # FlexMeasures 1.0's spelling
    page = api.get("/api/v3_0/accounts", token=firms["consultant"].token,
                   query={"page": 1, "per-page": 1, "sort-by": "name", "sort-dir": "desc"}).json
    assert [a["name"] for a in page["data"]] == ["Client Co"]  # FlexMeasures 1.0's spellings
    # FlexMeasures 1.0.1 sorts accounts by id too.
    r = api.get("/api/v3_0/accounts", token=firms["consultant"].token, query={"sort_by": "id", "sort_dir": "desc"})
    assert [a["id"] for a in r.json] == [client.id, firms["consultancy"].id]


def unprocessable(location_errors):
    return {"message": {"json": location_errors}, "result": "Rejected", "status": "UNPROCESSABLE_ENTITY"}


# --- GET /accounts?role= -------------------------------------------------------------------------------------

def test_list_accounts_by_role(api, firms, admin):
    r = api.get("/api/v3_0/accounts", token=admin.token, query={"role": "Prosumer"})
    assert [a["id"] for a in r.json] == [firms["client"].id]
    r = api.get("/api/v3_0/accounts", token=admin.token, query={"role": "Astronaut"})
    assert r.status == 422 and r.json["message"]["query"] == {"role": ["No account role found with name Astronaut."]}


# --- POST /accounts --------------------------------------------------------------------------------------------

def test_admin_creates_accounts_with_any_consultancy(api, firms, admin):
    from chalicelib.store import accounts

    r = api.post("/api/v3_0/accounts", {"name": "New Co", "consultancy_account_id": firms["consultancy"].id},
                 token=admin.token)
    assert r.status == 201
    created = accounts.get(r.json["id"])
    assert r.json == {**summary(created), "status": 201}
    assert created.consultancy_account_id == firms["consultancy"].id
    # without one, an admin's new account has no consultancy
    assert api.post("/api/v3_0/accounts", {"name": "Solo"}, token=admin.token).json["consultancy_account_id"] is None
    assert api.post("/api/v3_0/accounts", {"name": "New Co"}, token=admin.token).json == unprocessable(
        {"name": ["An account with name 'New Co' already exists."]})
    assert api.post("/api/v3_0/accounts", {"name": "  "}, token=admin.token).json == unprocessable(
        {"name": ["Account name cannot be empty."]})
    assert api.post("/api/v3_0/accounts", {"name": "X", "consultancy_account_id": 999}, token=admin.token).json == \
        unprocessable({"consultancy_account_id": ["No account found with id 999."]})
    assert api.post("/api/v3_0/accounts", {"name": "X", "plan_id": 1}, token=admin.token).json == unprocessable(
        {"plan_id": ["Unknown field."]})


def test_consultants_of_a_consultancy_create_client_accounts(api, make_account, make_user):
    consultancy = make_account("Helpers", roles=["Consultancy"])
    consultant = make_user(roles=["consultant"], account=consultancy)
    r = api.post("/api/v3_0/accounts", {"name": "Client A"}, token=consultant.token)
    assert r.status == 201 and r.json["consultancy_account_id"] == consultancy.id  # defaults to their own
    r = api.post("/api/v3_0/accounts", {"name": "Client B", "consultancy_account_id": consultancy.id},
                 token=consultant.token)
    assert r.status == 201
    elsewhere = make_account("Elsewhere")
    assert api.post("/api/v3_0/accounts", {"name": "Client C", "consultancy_account_id": elsewhere.id},
                    token=consultant.token).json == FORBIDDEN
    # an account-admin of a Consultancy account passes the body's rules, but creating accounts needs a consultant
    boss = make_user(roles=["account-admin"], account=consultancy)
    assert api.post("/api/v3_0/accounts", {"name": "Client D"}, token=boss.token).json == FORBIDDEN
    # consultants without the Consultancy account role, plain users and admin-readers may not create accounts
    plain_consultant = make_user(roles=["consultant"], account=make_account("Plain"))
    for actor in (plain_consultant, make_user(account=consultancy), make_user(roles=["admin-reader"])):
        assert api.post("/api/v3_0/accounts", {"name": "Client E"}, token=actor.token).json == FORBIDDEN
    # body errors come first
    assert api.post("/api/v3_0/accounts", {"name": "Client A"}, token=plain_consultant.token).json == unprocessable(
        {"name": ["An account with name 'Client A' already exists."]})
    assert api.post("/api/v3_0/accounts", {"name": "Client F"}).status == 401


# --- PATCH /accounts/<id> and its audit log ----------------------------------------------------------------------

def test_members_patch_their_account_and_it_is_audited(api, firms, make_user):
    from chalicelib.store import accounts

    client, member = firms["client"], firms["member"]
    body = {"name": "Client Co Renamed", "primary_color": "#1a3443", "logo_url": "https://example.com/logo.png",
            "attributes": '{"tier": 2}', "account_roles": [1, 3]}
    r = api.patch(f"/api/v3_0/accounts/{client.id}", body, token=member.token)
    assert r.status == 200
    stored = accounts.get(client.id)
    assert stored.name == "Client Co Renamed" and stored.attributes == {"tier": 2}
    assert stored.account_roles == ["Prosumer", "Supplier"]
    assert r.json == {**summary(stored, [{"id": 1, "name": "Prosumer"}, {"id": 3, "name": "Supplier"}]),
                      "primary_color": "#1a3443", "logo_url": "https://example.com/logo.png",
                      "attributes": '{"tier": 2}', "status": 200}
    # FlexMeasures lists the fields whose sent value (None when not sent) differs from the stored one.
    log = api.get(f"/api/v3_0/accounts/{client.id}/auditlog", token=firms["consultant"].token)
    assert log.status == 200
    assert [(row["event"], row["active_user_id"]) for row in log.json] == [
        ("Account Updated, Field: name, primary_color, logo_url, consultancy_account_id, attributes, account_roles",
         member.id)]
    assert set(log.json[0]) == {"event", "event_datetime", "active_user_id"}
    api.patch(f"/api/v3_0/accounts/{client.id}", {"secondary_color": "fff"}, token=member.token)
    assert api.get(f"/api/v3_0/accounts/{client.id}/auditlog", token=firms["consultant"].token).json[1]["event"] == (
        "Account Updated, Field: name, primary_color, secondary_color, logo_url, consultancy_account_id, attributes, "
        "account_roles")
    # the row is on the editor's own user audit log too (FlexMeasures' affected_user_id)
    mine = api.get(f"/api/v3_0/users/{member.id}/auditlog", token=member.token).json
    assert [row["event"] for row in mine][-1].startswith("Account Updated, Field: ")


def test_patch_account_rules_and_errors(api, firms, admin, make_account):
    from chalicelib.store import plans

    client = firms["client"]
    member, consultant = firms["member"], firms["consultant"]
    url = f"/api/v3_0/accounts/{client.id}"
    assert api.patch(url, {"name": "By consultant"}, token=consultant.token).status == 200
    assert api.patch(url, {"name": "Nope"}, token=make_user_of(firms["other"])).json == FORBIDDEN
    assert api.patch(url, {"primary_color": "blue"}, token=member.token).json == unprocessable(
        {"primary_color": ["#blue is not a valid hex color code."]})
    assert api.patch(url, {"logo_url": "not a url"}, token=member.token).json == unprocessable(
        {"logo_url": ["'not a url' is not a valid URL."]})
    assert api.patch(url, {"account_roles": [1, 99]}, token=member.token).json == unprocessable(
        {"_schema": ["Invalid account role ID(s): [99]."]})
    assert api.patch(url, {"id": 5}, token=member.token).json == unprocessable({"id": ["Unknown field."]})
    assert api.patch(url, {"name": "Other Ltd"}, token=member.token).json == unprocessable(
        {"name": ["An account with name 'Other Ltd' already exists."]})
    # plans are for admins; a retired plan is handed to no other account
    plan, old = plans.create("Pro"), plans.create("Old")
    old.update(actions=[type(old).legacy.set(True)])
    assert api.patch(url, {"plan_id": plan.id}, token=member.token).json == FORBIDDEN
    assert api.patch(url, {"plan_id": plan.id}, token=admin.token).json["plan_id"] == plan.id
    assert api.patch(url, {"plan_id": 999}, token=admin.token).json == unprocessable(
        {"plan_id": ["No plan found with id 999."]})
    assert api.patch(url, {"plan_id": old.id}, token=admin.token).json == unprocessable(
        {"plan_id": ["Plan 'Old' has been retired and can no longer be assigned."]})
    # setting a consultancy needs a Consultancy account and the consultant or account-admin role
    assert api.patch(url, {"consultancy_account_id": None}, token=member.token).json == FORBIDDEN
    assert api.patch(url, {"consultancy_account_id": None}, token=admin.token).json["consultancy_account_id"] is None
    # body errors before the unknown account's 404
    assert api.patch("/api/v3_0/accounts/9999", {"primary_color": "x"}, token=admin.token).status == 422
    assert api.patch("/api/v3_0/accounts/9999", {"name": "x"}, token=admin.token).json == {
        "message": "Account 9999 not found", "status": 404}


def make_user_of(account):
    from tests.factories import make_user

    return make_user(account=account).token


def test_account_auditlog_permissions(api, firms, admin, make_user):
    from chalicelib.services.users import create_user

    client = firms["client"]
    created = create_user("new@client.co", "pw-123456", client.id, created_by=admin.user)
    url = f"/api/v3_0/accounts/{client.id}/auditlog"
    rows = api.get(url, token=admin.token).json
    assert [(r["event"], r["active_user_id"]) for r in rows] == [(f"User {created.username} created", admin.id)]
    assert api.get(url, token=make_user(roles=["account-admin"], account=client).token).status == 200
    assert api.get(url, token=make_user(roles=["admin-reader"]).token).status == 200
    assert api.get(url, token=firms["consultant"].token).status == 200
    assert api.get(url, token=firms["member"].token).json == FORBIDDEN
    assert api.get(url, token=make_user(roles=["account-admin"], account=firms["other"]).token).json == FORBIDDEN
    assert api.get("/api/v3_0/accounts/9999/auditlog", token=admin.token).status == 404
