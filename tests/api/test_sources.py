"""GET /sources (FlexMeasures 1.0): which sources a user sees, the latest version per lineage, the types."""
from __future__ import annotations

from chalicelib.store import sources
from chalicelib.store.models import DataSource
from tests.factories import make_account, make_user

TYPES = ["user", "scheduler", "forecaster", "reporter", "demo script", "gateway", "market"]


def _source(name, kind, **fields):
    from chalicelib.store.ids import next_id

    source = DataSource(next_id("source"), name=name, type=kind, **fields)
    source.save()
    return source


def test_sources_of_readable_accounts_and_system_sources(api, admin):
    consultancy = make_account("Helpers")
    client = make_account("Client", consultancy_account_id=consultancy.id)
    member, consultant = make_user(account=client), make_user(roles=["consultant"], account=consultancy)
    mine = sources.user_source(member.user)
    theirs = sources.user_source(make_user(account=make_account("Other")).user)
    old = sources.scheduler_source(version="1")
    new = sources.scheduler_source(version="2")
    odd = _source("Lab", "weather station", account_id=client.id)
    r = api.get("/api/v3_0/sources", token=member.token)
    assert r.status == 200
    assert r.json == {"types": [*TYPES, "weather station"], "status": 200, "sources": [
        {"id": mine.id, "name": mine.name, "type": "user", "description": mine.name, "account_id": client.id,
         "user_id": member.id},
        {"id": new.id, "name": "FlexMeasures", "type": "scheduler", "model": "StorageScheduler", "version": "2",
         "description": "FlexMeasures's StorageScheduler model v2"},
        {"id": odd.id, "name": "Lab", "type": "weather station", "description": "Lab", "account_id": client.id}]}
    every = api.get("/api/v3_0/sources", token=member.token, query={"only_latest": "false"}).json["sources"]
    assert [s["id"] for s in every] == [mine.id, old.id, new.id, odd.id]
    assert {s["id"] for s in api.get("/api/v3_0/sources", token=consultant.token).json["sources"]} == {
        mine.id, new.id, odd.id}
    assert theirs.id in {s["id"] for s in api.get("/api/v3_0/sources", token=admin.token).json["sources"]}
    assert api.get("/api/v3_0/sources").status == 401
    assert api.get("/api/v3_0/sources", token=member.token, query={"only_latest": "maybe"}).status == 422


def test_latest_version_per_lineage():
    from chalicelib.services.sources import latest_per_lineage, version_key

    assert version_key("1.10") > version_key("1.9") and version_key("1.0") == version_key("1")
    assert version_key("banana") == version_key(None) == (0,)

    class S:
        def __init__(self, id, version, account_id=None):
            self.id, self.version, self.account_id = id, version, account_id
            self.name, self.type, self.model = "F", "forecaster", "m"

    picked = latest_per_lineage([S(1, "2.0"), S(2, "10.0"), S(3, None), S(4, "1.0", account_id=7)])
    assert sorted(s.id for s in picked) == [2, 4]
    assert [s.id for s in latest_per_lineage([S(5, "x"), S(6, None)])] == [6]  # a tie goes to the higher id
