"""User endpoints: list scopes and paging, get, patch with role rules, deactivation, password reset, audit log."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from tests.expected import FORBIDDEN

UNAUTHORIZED_STATUS = 401


def error_of(resp, location="json"):
    assert resp.status == 422, resp.json
    return resp.json["message"][location]


@pytest.fixture
def team(make_account, make_user):
    """An account with a plain member and an account-admin, and a client account with a consultant above it."""
    consultancy = make_account("Consultancy")
    account = make_account("Client Co", consultancy_account_id=consultancy.id, roles=["Prosumer"])
    return {
        "account": account,
        "consultancy": consultancy,
        "member": make_user(account=account, username="member", email="member@client.co"),
        "aa": make_user(roles=["account-admin"], account=account, username="boss", email="boss@client.co"),
        "consultant": make_user(roles=["consultant"], account=consultancy, username="advisor"),
    }


# --- GET /users ---------------------------------------------------------------------------------------------

def test_list_users_of_own_account_with_account_and_iso_times(api, team):
    from chalicelib.store import users

    member = team["member"]
    users.record_login(member.user)
    resp = api.get("/api/v3_0/users", token=member.token)
    assert resp.status == 200
    assert [u["username"] for u in resp.json] == ["member", "boss"]
    me = resp.json[0]
    assert me["flexmeasures_roles"] == [] and resp.json[1]["flexmeasures_roles"] == ["account-admin"]
    # ISO times, as FlexMeasures 1.0 lists them (the seed's code naturalized them: "now", "never").
    stored = users.get(member.id)
    assert me["last_login_at"] == stored.last_login_at.isoformat() and resp.json[1]["last_login_at"] is None
    assert me["account"] == {"id": team["account"].id, "name": "Client Co", "primary_color": None,
                             "secondary_color": None, "logo_url": None, "attributes": "{}",
                             "account_roles": [{"id": 1, "name": "Prosumer"}],
                             "consultancy_account_id": team["consultancy"].id, "plan_id": None}
    assert "password_hash" not in me and "fs_uniquifier" not in me


def test_list_users_scope_inactive_and_consultant_clients(api, team, make_user):
    inactive = make_user(account=team["account"], active=False, username="sleeper")
    resp = api.get("/api/v3_0/users", token=team["member"].token, query={"include_inactive": "true"})
    assert inactive.id in [u["id"] for u in resp.json]
    consultant = team["consultant"]
    ids = [u["id"] for u in api.get("/api/v3_0/users", token=consultant.token).json]
    assert ids == sorted([consultant.id, team["member"].id, team["aa"].id])


def test_list_users_of_another_account(api, team, make_account):
    member = team["member"]
    other = make_account()
    assert api.get("/api/v3_0/users", token=member.token, query={"account_id": other.id}).json == FORBIDDEN
    resp = api.get("/api/v3_0/users", token=member.token, query={"account_id": 9999})
    assert resp.status == 404 and resp.json == {"message": "Account 9999 not found", "status": 404}


def test_list_users_paged_filtered_sorted(api, team):
    member = team["member"]
    resp = api.get("/api/v3_0/users", token=member.token, query={"page": 1})
    assert resp.json["num-records"] == 2 and len(resp.json["data"]) == 1  # per_page defaults to 1 [SEED]
    resp = api.get("/api/v3_0/users", token=member.token,
                   query={"page": 1, "per_page": 5, "filter": "client.co", "sort_by": "email", "sort_dir": "asc"})
    assert [u["email"] for u in resp.json["data"]] == ["boss@client.co", "member@client.co"]
    resp = api.get("/api/v3_0/users", token=member.token, query={"page": 1, "per_page": 5, "filter": "boss client"})
    assert resp.json["filtered-records"] == 1 and resp.json["num-records"] == 2
    assert api.get("/api/v3_0/users", token=member.token, query={"page": 3}).status == 404
    # FlexMeasures 1.0's spellings: per-page, sort-by, sort-dir, account
    resp = api.get("/api/v3_0/users", token=member.token,
                   query={"page": 1, "per-page": 5, "sort-by": "email", "sort-dir": "desc", "account":
                          team["account"].id})
    assert [u["email"] for u in resp.json["data"]] == ["member@client.co", "boss@client.co"]
    assert api.get("/api/v3_0/users", token=member.token, query={"account": 9999}).status == 404
    assert error_of(api.get("/api/v3_0/users", token=member.token, query={"sort_by": "id"}), "query")


# --- GET /users/<id> -----------------------------------------------------------------------------------------

def test_get_user(api, team, make_user):
    member, aa = team["member"], team["aa"]
    resp = api.get(f"/api/v3_0/users/{aa.id}", token=member.token)
    assert resp.status == 200
    assert resp.json == {"id": aa.id, "email": "boss@client.co", "username": "boss",
                         "account_id": team["account"].id, "active": True, "timezone": "Europe/Amsterdam",
                         "flexmeasures_roles": [3], "last_login_at": None,
                         "last_seen_at": resp.json["last_seen_at"], "status": 200}
    missing = api.get("/api/v3_0/users/9999", token=member.token)
    assert missing.status == 404 and missing.json == {"message": "User 9999 not found", "status": 404}
    assert api.get(f"/api/v3_0/users/{member.id}", token=team["consultant"].token).json == FORBIDDEN
    assert api.get(f"/api/v3_0/users/{member.id}", token=make_user(roles=["admin-reader"]).token).status == 200


# --- PATCH /users/<id> ----------------------------------------------------------------------------------------

def test_patch_self_fields(api, team):
    member = team["member"]
    resp = api.patch(f"/api/v3_0/users/{member.id}", token=member.token,
                     json={"username": "renamed", "timezone": "Europe/Berlin", "email": "new@client.co"})
    assert resp.status == 200 and resp.json["username"] == "renamed" and resp.json["timezone"] == "Europe/Berlin"
    from chalicelib.store import users

    assert users.find_by_email("new@client.co").id == member.id
    assert users.find_by_email("member@client.co") is None


def test_patch_validation(api, team):
    member = team["member"]
    assert error_of(api.patch(f"/api/v3_0/users/{member.id}", token=member.token,
                              json={"timezone": "Mars/Olympus"})) == {"timezone": ["Timezone Mars/Olympus doesn't exist."]}
    assert error_of(api.patch(f"/api/v3_0/users/{member.id}", token=member.token,
                              json={"id": 1, "account_id": 2, "password": "x"})) == {
        "id": ["Unknown field."], "account_id": ["Unknown field."], "password": ["Unknown field."]}
    # The body is checked before the user lookup.
    assert api.patch("/api/v3_0/users/9999", token=member.token, json={"id": 1}).status == 422
    assert api.patch("/api/v3_0/users/9999", token=member.token, json={"username": "x"}).status == 404


def test_duplicate_email_or_username_is_400(api, team):
    member = team["member"]
    for body in ({"email": "boss@client.co"}, {"username": "boss"}):
        resp = api.patch(f"/api/v3_0/users/{member.id}", token=member.token, json=body)
        assert resp.status == 400 and resp.json["message"] == "Duplicate user already exists"
        assert resp.json["status"] == 400 and resp.json["detail"]


def test_self_may_not_edit_active_or_roles_admins_included(api, team, admin):
    member = team["member"]
    assert api.patch(f"/api/v3_0/users/{member.id}", token=member.token, json={"active": False}).json == FORBIDDEN
    assert api.patch(f"/api/v3_0/users/{admin.id}", token=admin.token, json={"flexmeasures_roles": []}).json == FORBIDDEN


def test_plain_member_may_not_patch_colleague(api, team):
    assert api.patch(f"/api/v3_0/users/{team['aa'].id}", token=team["member"].token,
                     json={"username": "x"}).json == FORBIDDEN


def test_role_edits_follow_the_rules_and_are_audited(api, team, admin):
    member, aa, consultant = team["member"], team["aa"], team["consultant"]
    # Account-admins may change `consultant` (4) on their own account's users, not `account-admin` (3).
    resp = api.patch(f"/api/v3_0/users/{member.id}", token=aa.token, json={"flexmeasures_roles": [4]})
    assert resp.status == 200 and resp.json["flexmeasures_roles"] == [4]
    assert api.patch(f"/api/v3_0/users/{member.id}", token=aa.token,
                     json={"flexmeasures_roles": [3, 4]}).json == FORBIDDEN
    # Consultants may change `account-admin` on client users, but not `consultant`.
    assert api.patch(f"/api/v3_0/users/{member.id}", token=consultant.token,
                     json={"flexmeasures_roles": [3]}).json == FORBIDDEN
    resp = api.patch(f"/api/v3_0/users/{member.id}", token=consultant.token, json={"flexmeasures_roles": [4, 3]})
    assert resp.status == 200 and resp.json["flexmeasures_roles"] == [4, 3]
    resp = api.patch(f"/api/v3_0/users/{member.id}", token=admin.token, json={"flexmeasures_roles": [3]})
    assert resp.status == 200 and resp.json["flexmeasures_roles"] == [3]
    # Nobody grants `admin` (1) through the API.
    assert api.patch(f"/api/v3_0/users/{member.id}", token=admin.token,
                     json={"flexmeasures_roles": [1]}).json == FORBIDDEN
    assert error_of(api.patch(f"/api/v3_0/users/{member.id}", token=admin.token,
                              json={"flexmeasures_roles": [42]})) == {"flexmeasures_roles": ["Role with id 42 doesn't exist."]}
    log = api.get(f"/api/v3_0/users/{member.id}/auditlog", token=admin.token).json
    assert [row["event"] for row in log] == [
        "Added role(s): [consultant].",
        "Added role(s): [account-admin].",
        "Removed role(s): [consultant].",
    ]
    assert log[1]["active_user_name"] == "advisor" and log[1]["active_user_id"] == consultant.id


def test_deactivation_revokes_tokens_and_is_audited(api, team):
    from chalicelib.store import audit

    member, aa = team["member"], team["aa"]
    resp = api.patch(f"/api/v3_0/users/{member.id}", token=aa.token, json={"active": False})
    assert resp.status == 200 and resp.json["active"] is False
    assert api.get(f"/api/v3_0/users/{member.id}", token=member.token).status == UNAUTHORIZED_STATUS
    (row,) = audit.entries_for_user(member.id)
    assert row.event == "Active status set to 'False'."
    assert row.affected_account_id == team["account"].id and row.active_user_id == aa.id


# --- password reset ------------------------------------------------------------------------------------------------

def _sent_mails():
    from moto.backends import get_backend

    backend = get_backend("ses")["123456789012"]["eu-west-1"]
    return list(backend.sent_messages)


def test_password_reset_kills_tokens_sends_mail_and_audits(api, team):
    from chalicelib.auth.passwords import verify_password
    from chalicelib.store import audit, users

    member, aa = team["member"], team["aa"]
    before = len(_sent_mails())
    resp = api.patch(f"/api/v3_0/users/{member.id}/password-reset", token=aa.token)
    assert resp.status == 200 and resp.json == {"status": 200}
    assert api.get(f"/api/v3_0/users/{member.id}", token=member.token).status == UNAUTHORIZED_STATUS
    assert not verify_password(users.get(member.id).password_hash, "secret-password")
    mails = _sent_mails()[before:]
    assert len(mails) == 1 and mails[0].destinations["ToAddresses"] == ["member@client.co"]
    (row,) = audit.entries_for_user(member.id)
    assert row.event == "Password reset for user member" and row.affected_account_id is None


def test_password_reset_permissions(api, team):
    member, aa = team["member"], team["aa"]
    assert api.patch(f"/api/v3_0/users/{aa.id}/password-reset", token=member.token).json == FORBIDDEN
    assert api.patch(f"/api/v3_0/users/{member.id}/password-reset", token=member.token).status == 200
    assert api.patch("/api/v3_0/users/9999/password-reset", token=aa.token).status == 404


# --- audit log -----------------------------------------------------------------------------------------------------

def test_user_auditlog_access_paging_and_old_times(api, team, make_user):
    from chalicelib.store import audit

    member, aa = team["member"], team["aa"]
    old = audit.record_user_event("Old event", member.user, aa.user)
    long_ago = datetime.now(timezone.utc) - timedelta(days=400)
    old.update(actions=[type(old).event_datetime.set(long_ago)])
    recent = audit.record_user_event("Recent event", member.user, aa.user)
    rows = api.get(f"/api/v3_0/users/{member.id}/auditlog", token=member.token).json
    assert isinstance(rows, list) and [r["event"] for r in rows] == ["Old event", "Recent event"]
    # ISO times, as FlexMeasures 1.0 shows them (the seed's code naturalized them).
    assert rows[1]["event_datetime"] == recent.event_datetime.isoformat()
    assert rows[0]["event_datetime"] == long_ago.isoformat()
    page = api.get(f"/api/v3_0/users/{member.id}/auditlog", token=aa.token,
                   query={"page": 1, "per_page": 1, "sort_by": "event_datetime", "sort_dir": "desc"}).json
    assert page["num-records"] == 2 and [r["event"] for r in page["data"]] == ["Recent event"]
    # A plain colleague may not read it; the consultant of the account may.
    assert api.get(f"/api/v3_0/users/{aa.id}/auditlog", token=member.token).json == FORBIDDEN
    assert api.get(f"/api/v3_0/users/{member.id}/auditlog", token=team["consultant"].token).status == 200
    assert api.get("/api/v3_0/users/9999/auditlog", token=aa.token).status == 404


def test_user_auditlog_pages_hold_ten_rows_by_default(api, team):
    from chalicelib.store import audit

    member, aa = team["member"], team["aa"]
    for i in range(11):
        audit.record_user_event(f"event {i}", member.user, aa.user)
    page = api.get(f"/api/v3_0/users/{member.id}/auditlog", token=aa.token, query={"page": 1}).json
    assert len(page["data"]) == 10 and (page["num-records"], page["filtered-records"]) == (11, 11)
    assert len(api.get(f"/api/v3_0/users/{member.id}/auditlog", token=aa.token, query={"page": 2}).json["data"]) == 1
    assert api.get(f"/api/v3_0/users/{member.id}/auditlog", token=aa.token, query={"page": 3}).status == 404
    assert len(api.get(f"/api/v3_0/users/{member.id}/auditlog", token=aa.token).json) == 11


def test_sorting_by_last_login_puts_never_as_postgresql_does(api, team):
    from chalicelib.store import users

    users.record_login(team["member"].user)
    token = team["aa"].token
    asc = api.get("/api/v3_0/users", token=token, query={"sort_by": "lastLogin", "sort_dir": "asc"}).json
    assert [(u["username"], u["last_login_at"] is None) for u in asc] == [("member", False), ("boss", True)]
    desc = api.get("/api/v3_0/users", token=token, query={"sort_by": "lastLogin", "sort_dir": "desc"}).json
    assert [u["username"] for u in desc] == ["boss", "member"]


# --- POST /users (FlexMeasures 1.0) -------------------------------------------------------------------------------

def test_account_admins_and_consultants_create_users(api, team, make_user):
    from chalicelib.store import audit, users

    aa, consultant = team["aa"], team["consultant"]
    before = len(_sent_mails())
    body = {"email": "new@client.co", "username": "newbie", "account_id": team["account"].id}
    resp = api.post("/api/v3_0/users", body, token=aa.token)
    assert resp.status == 201
    created = users.find_by_email("new@client.co")
    # FlexMeasures' create is not wrapped by as_json: no "status" key.
    assert resp.json == {"id": created.id, "email": "new@client.co", "username": "newbie",
                         "account_id": team["account"].id, "active": True, "timezone": "Europe/Amsterdam",
                         "flexmeasures_roles": [], "last_login_at": None, "last_seen_at": None}
    assert created.password_hash  # a random one; the user is mailed how to set their own
    mails = _sent_mails()[before:]
    assert len(mails) == 1 and mails[0].destinations["ToAddresses"] == ["new@client.co"]
    (row,) = audit.entries_for_user(created.id)
    assert (row.event, row.active_user_id, row.affected_account_id) == (
        "User newbie created", aa.id, team["account"].id)
    body2 = {"email": "second@client.co", "username": "second", "account_id": team["account"].id}
    assert api.post("/api/v3_0/users", body2, token=consultant.token).status == 201
    # plain members, other accounts' account-admins and admin-readers may not
    other_aa = make_user(roles=["account-admin"])
    for actor in (team["member"], other_aa, make_user(roles=["admin-reader"])):
        body3 = {"email": "x@client.co", "username": "x", "account_id": team["account"].id}
        assert api.post("/api/v3_0/users", body3, token=actor.token).json == FORBIDDEN
    assert users.find_by_email("x@client.co") is None


def test_create_user_errors(api, team, admin):
    account_id = team["account"].id
    post = lambda body: api.post("/api/v3_0/users", body, token=admin.token)  # noqa: E731
    assert error_of(post({"email": "boss@client.co", "username": "b2", "account_id": account_id})) == {
        "email": ["User with email boss@client.co already exists."]}
    assert error_of(post({"email": "b2@client.co", "username": "boss", "account_id": account_id})) == {
        "username": ["User with username boss already exists."]}
    assert error_of(post({"email": "nope", "username": "n", "account_id": account_id})) == {
        "email": ["Not a valid email address."]}
    assert error_of(post({"email": "a@b.co", "account_id": account_id})) == {
        "username": ["Missing data for required field."]}
    assert error_of(post({"email": "a@b.co", "username": "a", "account_id": account_id, "password": "x"})) == {
        "password": ["Unknown field."]}
    resp = post({"email": "a@b.co", "username": "a", "account_id": 9999})
    assert resp.status == 404 and resp.json == {"message": "Account 9999 not found", "status": 404}
