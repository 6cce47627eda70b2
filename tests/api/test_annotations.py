"""Annotations (FlexMeasures 1.0): POST on accounts, assets and sensors, and GET /assets/<id>/chart_annotations."""
from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from chalicelib.store import annotations, sources
from tests.expected import FORBIDDEN
from tests.factories import make_asset, make_sensor, make_site, make_user

BODY = {"content": "Server maintenance", "start": "2026-02-11T17:00:00+01:00", "end": "2026-02-11T19:00:00+01:00"}


def ms(text):
    return int(datetime.fromisoformat(text).timestamp() * 1000)


@pytest.fixture
def site(aws):
    return make_site(admin=True, outsider=True, sensors={"power": {}})


@pytest.mark.parametrize("kind", ["accounts", "assets", "sensors"])
def test_annotate_each_kind_once_then_find_it_again(api, site, kind):
    entity_id = {"accounts": site.account.id, "assets": site.asset.id, "sensors": site.power.id}[kind]
    url = f"/api/v3_0/{kind}/{entity_id}/annotations"
    r = api.post(url, {**BODY, "type": "alert", "prior": "2026-02-01T12:00:00+01:00"}, token=site.admin.token)
    assert r.status == 201
    source = sources.user_source(site.admin.user)
    # Not wrapped by as_json in FlexMeasures: no "status" key.
    # A new annotation is shown with the times as sent; a stored one in UTC (PostgreSQL's timestamptz, read back).
    assert r.json == {"id": r.json["id"], "source": source.id, "content": "Server maintenance",
                      "start": "2026-02-11T17:00:00+01:00", "end": "2026-02-11T19:00:00+01:00", "type": "alert",
                      "prior": "2026-02-01T12:00:00+01:00"}
    singular = kind[:-1]
    assert [a.id for a in annotations.on(annotations.subject(singular, entity_id))] == [r.json["id"]]
    # The same content, window, source and type is the same annotation: 200, and its stored belief time.
    again = api.post(url, {**BODY, "type": "alert"}, token=site.admin.token)
    assert again.status == 200 and again.json == {**r.json, "start": "2026-02-11T16:00:00+00:00",
                                                  "end": "2026-02-11T18:00:00+00:00",
                                                  "prior": "2026-02-01T11:00:00+00:00"}


def test_one_annotation_on_several_entities_and_defaults(api, site):
    first = api.post(f"/api/v3_0/assets/{site.asset.id}/annotations", BODY, token=site.member.token)
    assert first.status == 201 and first.json["type"] == "label" and first.json["prior"] is None
    second = api.post(f"/api/v3_0/sensors/{site.power.id}/annotations", BODY, token=site.member.token)
    assert second.status == 200 and second.json["id"] == first.json["id"]
    other_user = api.post(f"/api/v3_0/assets/{site.asset.id}/annotations", BODY, token=site.admin.token)
    assert other_user.status == 201 and other_user.json["id"] != first.json["id"]  # another source


def test_deleting_an_entity_takes_its_annotations_off(api, site):
    child = make_asset(account=site.account, name="child", parent=site.asset)
    sensor = make_sensor(child, name="gone")
    for url in (f"/api/v3_0/assets/{child.id}/annotations", f"/api/v3_0/sensors/{sensor.id}/annotations",
                f"/api/v3_0/assets/{site.asset.id}/annotations"):
        api.post(url, BODY, token=site.admin.token)
    assert api.delete(f"/api/v3_0/assets/{child.id}", token=site.admin.token).status == 204
    assert annotations.on(annotations.subject("asset", child.id)) == []
    assert annotations.on(annotations.subject("sensor", sensor.id)) == []
    assert len(annotations.on(annotations.subject("asset", site.asset.id))) == 1  # the annotation itself stays


def test_annotation_permissions(api, site):
    # create-children: members on assets and sensors; account-admins (and consultants) on accounts
    assert api.post(f"/api/v3_0/accounts/{site.account.id}/annotations", BODY, token=site.member.token).json == \
        FORBIDDEN
    for url in (f"/api/v3_0/accounts/{site.account.id}/annotations", f"/api/v3_0/assets/{site.asset.id}/annotations",
                f"/api/v3_0/sensors/{site.power.id}/annotations"):
        assert api.post(url, BODY, token=site.outsider.token).json == FORBIDDEN
        assert api.post(url, BODY, token=make_user(roles=["admin-reader"]).token).json == FORBIDDEN
        assert api.post(url, BODY).status == 401
    public = make_asset(name="Public")
    assert api.post(f"/api/v3_0/assets/{public.id}/annotations", BODY, token=site.member.token).json == FORBIDDEN
    assert api.post(f"/api/v3_0/assets/{public.id}/annotations", BODY,
                    token=make_user(roles=["admin"]).token).status == 201


def test_annotation_errors(api, site):
    url = f"/api/v3_0/assets/{site.asset.id}/annotations"
    token = site.member.token

    def errors(body, path=url):
        r = api.post(path, body, token=token)
        assert r.status == 422, r.json
        return r.json["message"]

    assert errors({**BODY, "end": BODY["start"]}) == {"json": {"_schema": ["end must be after start"]}}
    assert errors({**BODY, "type": "joke"}) == {"json": {"type": [
        "Must be one of: alert, holiday, label, feedback, warning, error."]}}
    assert errors({**BODY, "content": "x" * 1025}) == {"json": {"content": ["Longer than maximum length 1024."]}}
    assert errors({**BODY, "start": "2026-02-11T17:00:00"}) == {"json": {"start": ["Not a valid aware datetime."]}}
    assert errors({"start": BODY["start"], "end": BODY["end"]}) == {"json": {"content": [
        "Missing data for required field."]}}
    assert errors({**BODY, "source": 3}) == {"json": {"source": ["Unknown field."]}}
    # unknown entities: a 404 for accounts, 422s on the path for assets and sensors, before the body is read
    assert api.post("/api/v3_0/accounts/9999/annotations", {}, token=token).json == {
        "message": "Account 9999 not found", "status": 404}
    assert errors({}, "/api/v3_0/assets/9999/annotations") == {"path": {"id": ["No asset found with ID 9999."]}}
    assert errors({}, "/api/v3_0/sensors/9999/annotations") == {"path": {"id": ["No sensor found with ID 9999."]}}


def test_chart_annotations_of_the_asset_and_its_account(api, site):
    token = site.admin.token
    api.post(f"/api/v3_0/assets/{site.asset.id}/annotations",
             {"content": "Battery swap", "start": "2026-02-11T08:00:00+00:00", "end": "2026-02-11T10:00:00+00:00"},
             token=token)
    api.post(f"/api/v3_0/accounts/{site.account.id}/annotations",
             {"content": "Holiday", "type": "holiday", "start": "2026-02-11T00:00:00+00:00",
              "end": "2026-02-12T00:00:00+00:00", "prior": "2026-01-01T00:00:00+00:00"}, token=token)
    api.post(f"/api/v3_0/sensors/{site.power.id}/annotations", BODY, token=token)  # sensor ones are not shown
    r = api.get(f"/api/v3_0/assets/{site.asset.id}/chart_annotations", token=site.member.token,
                query={"start": "2026-02-11T06:00:00+00:00", "duration": "PT12H"})
    assert r.status == 200 and r.headers["content-type"].startswith("text/html")
    source = sources.description(sources.user_source(site.admin.user))
    assert json.loads(r.body) == [
        {"index": 0, "start": ms("2026-02-11T08:00:00+00:00"), "end": ms("2026-02-11T10:00:00+00:00"),
         "belief_time": None, "source": source, "type": "label", "content": ["Battery swap"]},
        {"index": 1, "start": ms("2026-02-11T06:00:00+00:00"), "end": ms("2026-02-11T18:00:00+00:00"),
         "belief_time": ms("2026-01-01T00:00:00+00:00"), "source": source, "type": "holiday", "content": ["Holiday"]}]
    unclipped = json.loads(api.get(f"/api/v3_0/assets/{site.asset.id}/chart_annotations", token=token, query={
        "event_starts_after": "2026-02-11T06:00:00+00:00", "event_ends_before": "2026-02-11T18:00:00+00:00",
        "clip": "false"}).body)
    assert unclipped[1]["start"] == ms("2026-02-11T00:00:00+00:00")
    # belief filter: annotations recorded before `prior` (and those without a belief time)
    early = json.loads(api.get(f"/api/v3_0/assets/{site.asset.id}/chart_annotations", token=token,
                               query={"prior": "2025-12-01T00:00:00+00:00"}).body)
    assert [row["content"] for row in early] == [["Battery swap"]]
    # outside the window: nothing
    assert json.loads(api.get(f"/api/v3_0/assets/{site.asset.id}/chart_annotations", token=token,
                              query={"end": "2026-02-10T00:00:00+00:00"}).body) == []


def test_chart_annotations_stack_same_end_and_wrap(api, site):
    token = site.admin.token
    long_text = "word " * 20
    for content, start in ((long_text.strip(), "2026-02-11T09:00:00+00:00"), ("Second", "2026-02-11T08:00:00+00:00")):
        api.post(f"/api/v3_0/assets/{site.asset.id}/annotations",
                 {"content": content, "start": start, "end": "2026-02-11T10:00:00+00:00"}, token=token)
    [row] = json.loads(api.get(f"/api/v3_0/assets/{site.asset.id}/chart_annotations", token=token).body)
    assert row["index"] == 1 and row["start"] == ms("2026-02-11T08:00:00+00:00")
    assert row["content"] == ["Second", ("word " * 12).strip(), ("word " * 8).strip()]


def test_chart_annotations_errors_and_access(api, site):
    token = site.member.token
    url = f"/api/v3_0/assets/{site.asset.id}/chart_annotations"
    assert api.get("/api/v3_0/assets/9999/chart_annotations", token=token).status == 404
    r = api.get(url, token=token, query={"duration": "PT1H"})
    assert r.status == 422 and r.json["message"]["query"] == {
        "duration": ["Provide `duration` together with `start` or `end`."]}
    assert api.get(url, token=token, query={"start": "yesterday"}).json["message"]["query"] == {
        "start": ["Not a valid aware datetime."]}
    assert api.get(url, token=site.outsider.token).json == FORBIDDEN
    assert api.get(url).status == 401


def test_asset_chart_gets_annotation_layers_on_request(api, site):
    from chalicelib.store import assets

    assets.update(site.asset, {"sensors_to_show": [site.power.id]})
    plain = json.loads(api.get(f"/api/v3_0/assets/{site.asset.id}/chart", token=site.member.token).body)
    assert not any(layer.get("name", "").startswith("annotation_") for layer in plain["vconcat"][0]["layer"])
    for flag in ("include-asset-annotations", "include_account_annotations"):
        spec = json.loads(api.get(f"/api/v3_0/assets/{site.asset.id}/chart", token=site.member.token,
                                  query={flag: "true"}).body)
        layers = spec["vconcat"][0]["layer"]
        names = [layer.get("name") for layer in layers]
        assert names[:3] == ["annotation_band_0", "annotation_rule_0", "annotation_marker_0"]
        assert names[-1] == "annotation_text_0"
        assert len(layers) == len(plain["vconcat"][0]["layer"]) + 4
        assert {layer["data"]["name"] for layer in layers[:3]} == {f"asset_{site.asset.id}_annotations"}
        band = layers[0]
        assert band["mark"] == {"type": "rect", "clip": True} and band["encoding"]["x2"] == {"field": "end",
                                                                                           "title": None}
        assert band["encoding"]["color"]["condition"][0] == {"test": "datum.type == 'alert'", "value": "#d9822b"}
        assert [p["name"] for p in band["params"]] == ["annotation_hover_time_0", "annotation_pin_time_0"]
        # the instant-annotation tolerance is one bin of the chart's resolution (15 minutes)
        assert "<= 900000" in layers[1]["encoding"]["opacity"]["condition"][0]["test"]
