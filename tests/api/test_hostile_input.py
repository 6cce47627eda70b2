"""Hostile input (issue 14, findings 6-8): non-finite numbers, lone surrogates, odd JSON never give a 500, are
refused with the contract's 422 and leave nothing written."""
from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from chalicelib.store import assets, audit, beliefs, jobs
from tests.api.test_upload import multipart
from tests.factories import make_site
from tests.schedule_jobs import BATTERY, BATTERY_POWER, PRICES, START

DAY = (datetime(2025, 1, 1, tzinfo=timezone.utc), datetime(2025, 1, 2, tzinfo=timezone.utc))


@pytest.fixture
def site(aws):
    return make_site(admin=True, sensors={"sensor": dict(name="power", unit="kW", minutes=15),
                                          "battery": BATTERY_POWER})


def _raw_post(api, path, text, token):
    """POST a body as raw text: the literals NaN/Infinity and lone surrogates that json.dumps cannot write."""
    return api.request("POST", path, body=text, token=token, headers={"Content-Type": "application/json"})


def _errors(resp):
    assert resp.status == 422, (resp.status, resp.body)
    assert resp.json["status"] == "UNPROCESSABLE_ENTITY" and resp.json["result"] == "Rejected"
    return resp.json["message"]["json"]


@pytest.mark.parametrize("value", ["Infinity", "-Infinity", "NaN", "1e400", '"inf"', '"-Infinity"', '"nan"',
                                   "true", "false"])
def test_non_finite_and_boolean_values_are_refused_in_posts(api, site, value):
    text = ('{"values": [1.5, %s], "start": "2025-01-01T00:00:00+00:00", "duration": "PT30M", "unit": "kW"}'
            % value)
    r = _raw_post(api, f"/api/v3_0/sensors/{site.sensor.id}/data", text, site.member.token)
    assert _errors(r) == {"values": {"1": ["Not a valid number."]}}
    assert len(beliefs.read_beliefs(site.sensor.id, *DAY)) == 0


@pytest.mark.parametrize("cell", ["inf", "-inf", "Infinity", "nan", "NaN", "1e400"])
def test_non_finite_values_are_refused_in_uploads(api, site, cell):
    csv = f"event_start,event_value\n2025-01-01T00:00:00+00:00,1\n2025-01-01T00:15:00+00:00,{cell}\n".encode()
    body, content_type = multipart([("meter.csv", csv, "text/csv")])
    r = api.request("POST", f"/api/v3_0/sensors/{site.sensor.id}/data/upload", body=body,
                    headers={"Content-Type": content_type}, token=site.member.token)
    assert r.status == 422, r.body
    assert "line 3" in json.dumps(r.json) and "numeric" in json.dumps(r.json)
    assert len(beliefs.read_beliefs(site.sensor.id, *DAY)) == 0


@pytest.mark.parametrize("soc", ["NaN", "Infinity", "1e400", '"NaN kWh"', '"inf kWh"'])
def test_non_finite_flex_model_quantities_are_refused_at_trigger(api, site, soc):
    body = json.dumps({"start": START, "duration": "PT4H", "flex-model": {**BATTERY, "soc-at-start": "SOC"},
                       "flex-context": {"consumption-price": PRICES}}).replace('"SOC"', soc)
    r = _raw_post(api, f"/api/v3_0/sensors/{site.battery.id}/schedules/trigger", body, site.member.token)
    assert r.status == 422, (r.status, r.body)
    assert "soc-at-start" in json.dumps(r.json)
    assert jobs.list_for_asset(site.asset.id) == []


def test_non_finite_numbers_anywhere_in_a_body_are_refused(api, site):
    text = '{"name": "x", "attributes": {"a": [1, {"b": NaN}]}}'
    r = api.request("PATCH", f"/api/v3_0/assets/{site.asset.id}", body=text, token=site.admin.token,
                    headers={"Content-Type": "application/json"})
    assert _errors(r) == {"attributes": {"a": {"1": {"b": ["Not a valid number."]}}}}
    assert assets.find(site.asset.id).name == "ACME site"


SURROGATE = '"bad\\ud800text"'


@pytest.mark.parametrize("method,path,body,field", [
    ("PATCH", "/api/v3_0/assets/{asset}", '{"name": %s}', "name"),
    ("PATCH", "/api/v3_0/assets/{asset}", '{"attributes": {"k": %s}}', "attributes"),
    ("PATCH", "/api/v3_0/assets/{asset}", '{"attributes": "{\\"k\\": %s}"}', "attributes"),
    ("PATCH", "/api/v3_0/assets/{asset}", '{"flex_context": {"k": %s}}', "flex_context"),
    ("POST", "/api/v3_0/assets", '{"name": %s, "generic_asset_type_id": 1, "account_id": {account}}', "name"),
    ("PATCH", "/api/v3_0/sensors/{sensor}", '{"timezone": %s}', "timezone"),
    ("PATCH", "/api/v3_0/users/{user}", '{"username": %s}', "username"),
    ("PATCH", "/api/v3_0/users/{user}", '{"email": %s}', "email"),
])
def test_lone_surrogates_are_refused_on_every_text_field(api, site, method, path, body, field):
    path = path.format(asset=site.asset.id, sensor=site.sensor.id, user=site.member.id)
    text = body.replace("{account}", str(site.account.id)) % SURROGATE.replace('"', '\\"' if '\\"' in body else '"')
    before = audit.entries_for_asset(site.asset.id)
    r = api.request(method, path, body=text, token=site.admin.token, headers={"Content-Type": "application/json"})
    assert r.status == 422, (r.status, r.body)
    assert field in r.json["message"]["json"]
    assert assets.find(site.asset.id).name == "ACME site"
    assert len(audit.entries_for_asset(site.asset.id)) == len(before)


def test_a_lone_surrogate_in_a_key_is_refused(api, site):
    r = api.request("PATCH", f"/api/v3_0/assets/{site.asset.id}", body='{"attributes": {"\\udc00": 1}}',
                    token=site.admin.token, headers={"Content-Type": "application/json"})
    assert r.status == 422 and "attributes" in r.json["message"]["json"]


@pytest.mark.parametrize("body", ["[1, 2]", '"text"', "3", "null", "true"])
def test_get_data_with_a_json_body_that_is_not_an_object(api, site, body):
    query = "start=2025-01-01T00:00:00%2B00:00&duration=PT1H&unit=kW"
    r = api.request("GET", f"/api/v3_0/sensors/{site.sensor.id}/data?{query}", body=body, token=site.member.token,
                    headers={"Content-Type": "application/json"})
    if body == "null":
        assert r.status == 200, r.body
    else:
        assert r.status == 422, (r.status, r.body)
        assert r.json["message"] == {"query": {"_schema": ["Invalid input type."]}}


@pytest.mark.parametrize("depth,message", [(33, "Nested deeper than 32 levels."),
                                           (5000, "Nested deeper than 32 levels."),
                                           (200_000, "Not a valid JSON string.")])
def test_attributes_nested_thousands_deep_are_refused(api, site, depth, message):
    nested = '{"a": ' * depth + "1" + "}" * depth
    r = api.patch(f"/api/v3_0/assets/{site.asset.id}", {"attributes": nested}, token=site.admin.token)
    assert _errors(r) == {"attributes": [message]}
    assert assets.find(site.asset.id).attributes == {}
    assert audit.entries_for_asset(site.asset.id) == []


def test_attributes_nested_32_deep_are_kept(api, site):
    nested = '{"a": ' * 31 + "1" + "}" * 31
    r = api.patch(f"/api/v3_0/assets/{site.asset.id}", {"attributes": nested}, token=site.admin.token)
    assert r.status == 200 and json.loads(r.json["attributes"]) == json.loads(nested)


def test_body_nested_too_deep_is_a_400_not_a_500(api, site):
    depth = 200_000
    r = api.request("PATCH", f"/api/v3_0/assets/{site.asset.id}", body="[" * depth + "]" * depth,
                    token=site.admin.token, headers={"Content-Type": "application/json"})
    assert r.status == 400 and r.json["message"] == "Invalid JSON body."


def test_responses_are_standard_json(api, site):
    """A non-finite number can never reach a body: the renderer refuses it (null), it does not write Infinity."""
    from chalicelib.api.responses import respond

    response = respond({"values": [1.0, float("inf"), float("nan")]})
    assert response.status_code == 200
    assert json.loads(response.body, parse_constant=lambda c: pytest.fail(c)) == {"values": [1.0, None, None],
                                                                                   "status": 200}


def test_an_asset_change_and_its_audit_rows_commit_together_or_not_at_all(api, site, monkeypatch):
    """An audit row that cannot be stored fails the whole change: the asset is not half-updated."""
    from chalicelib.store import audit as audit_store

    make_entry = audit_store.asset_entry

    def unstorable_entry(event, asset_id, active_user):
        entry = make_entry(event, asset_id, active_user)
        entry.event = "x" * 500_000  # over DynamoDB's 400 KB per item: the transaction is refused
        return entry

    monkeypatch.setattr(audit_store, "asset_entry", unstorable_entry)
    r = api.patch(f"/api/v3_0/assets/{site.asset.id}", {"name": "Renamed", "attributes": '{"a": 1}'},
                  token=site.admin.token)
    assert r.status == 413, (r.status, r.body)
    stored = assets.find(site.asset.id)
    assert (stored.name, stored.attributes) == ("ACME site", {})
    assert audit.entries_for_asset(site.asset.id) == []


def test_a_change_to_many_attributes_audits_each_one(api, site):
    attributes = {f"key{i}": i for i in range(150)}  # more rows than one DynamoDB transaction holds
    r = api.patch(f"/api/v3_0/assets/{site.asset.id}", {"attributes": json.dumps(attributes)},
                  token=site.admin.token)
    assert r.status == 200, r.body
    assert len(audit.entries_for_asset(site.asset.id)) == 150


@pytest.mark.parametrize("start", ["0001-01-01T00:00:00+00:00", "9999-12-30T00:00:00+00:00",
                                   "1677-01-01T00:00:00+00:00", "2262-06-01T00:00:00+00:00"])
def test_posted_data_that_could_not_be_read_back_is_refused(api, site, start):
    r = api.post(f"/api/v3_0/sensors/{site.sensor.id}/data",
                 {"values": [1.5], "start": start, "duration": "PT15M", "unit": "kW"}, token=site.member.token)
    assert r.status == 422, (r.status, r.body)
    assert len(beliefs.read_all_beliefs(site.sensor.id)) == 0
