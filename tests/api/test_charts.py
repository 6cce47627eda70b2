"""GET /assets/<id>/chart_data and /chart: records of the shown sensors, and their Vega-Lite spec (contract §6)."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from chalicelib.store import assets, sources
from tests.factories import make_asset, make_sensor, make_site, save_values
from tests.store_reads import count_belief_queries

T0 = datetime(2025, 1, 1, tzinfo=timezone.utc)
MIN = timedelta(minutes=1)
WINDOW = {"event_starts_after": "2025-01-01T00:00:00+00:00", "event_ends_before": "2025-01-01T01:00:00+00:00"}


def ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


@pytest.fixture
def site(aws):
    site = make_site(parent_name="ACME campus", username="Ann",
                     sensors={"power": dict(unit="kW", minutes=15), "pv": dict(unit="MW", minutes=60)})
    assets.update(site.asset, {"sensors_to_show": [{"title": "Power", "sensors": [site.power.id, site.pv.id]}]})
    sources.user_source(site.member.user)  # Ann's source comes before the scheduler's
    return site


def get(api, site, what, token=None, asset_id=None, **query):
    return api.get(f"/api/v3_0/assets/{asset_id or site.asset.id}/{what}", query=query,
                   token=token or site.member.token)


def about(sensor, unit):
    return {"asset_id": sensor.generic_asset_id, "id": sensor.id, "name": sensor.name, "sensor_unit": unit,
            "description": f"{sensor.name} (ACME site)", "asset_description": "ACME site (ACME campus)"}


def test_chart_data_records_are_upsampled_scaled_and_described(api, site):
    save_values(site.power, site.member_source, [1.0, 2.0])
    save_values(site.pv, site.member_source, [0.5], formed=T0 - timedelta(hours=1))
    r = get(api, site, "chart_data", **WINDOW)
    assert r.status == 200 and r.headers["content-type"].startswith("text/html")
    ann = {"id": site.member_source.id, "name": "Ann", "model": "", "type": "other", "description": "Ann"}
    power = [{"index": i, "event_start": ms(T0 + 15 * i * MIN), "event_value": v, "belief_horizon": 0,
              "source": ann, "sensor": about(site.power, "kW"), "sensor_unit": "kW", "scale_factor": 1.0}
             for i, v in enumerate([1.0, 2.0])]
    # The hourly MW sensor is repeated on the 15-minute slots; each slot's horizon counts from its own end.
    pv = [{"index": i, "event_start": ms(T0 + 15 * i * MIN), "event_value": 0.5,
           "belief_horizon": (75 + 15 * i) * 60_000, "source": ann, "sensor": about(site.pv, "MW"),
           "sensor_unit": "MW", "scale_factor": 1000.0} for i in range(4)]
    assert json.loads(r.body) == power + pv  # a bare list: no "status"


def test_most_recent_belief_per_event_and_source_unless_all_are_asked_for(api, site):
    save_values(site.power, site.member_source, [5.0], formed=T0 - timedelta(hours=1))
    save_values(site.power, site.member_source, [1.0])
    save_values(site.power, sources.scheduler_source(), [7.0], formed=T0 - timedelta(hours=2))
    latest = get(api, site, "chart_data", **WINDOW).json
    # Per event: ordered by belief time, like FlexMeasures' frames.
    assert [(r["event_value"], r["source"]["type"]) for r in latest] == [(7.0, "scheduler"), (1.0, "other")]
    everything = get(api, site, "chart_data", most_recent_beliefs_only="false", **WINDOW).json
    assert [(r["event_value"], r["belief_time"], r["belief_horizon"]) for r in everything] == [
        (7.0, ms(T0 - timedelta(hours=2)), ms(T0 + 15 * MIN) - ms(T0 - timedelta(hours=2))),
        (5.0, ms(T0 - timedelta(hours=1)), ms(T0 + 15 * MIN) - ms(T0 - timedelta(hours=1))),
        (1.0, ms(T0 + 15 * MIN), 0)]
    assert [r["index"] for r in everything] == [0, 1, 2]
    before = get(api, site, "chart_data", beliefs_before="2025-01-01T00:00:00+00:00", **WINDOW).json
    assert [r["event_value"] for r in before] == [7.0, 5.0]
    after = get(api, site, "chart_data", beliefs_after="2024-12-31T23:30:00+00:00", **WINDOW).json
    assert [r["event_value"] for r in after] == [1.0]


def test_window_keeps_events_that_overlap_it(api, site):
    save_values(site.power, site.member_source, [1.0, 2.0, 3.0, 4.0])
    save_values(site.pv, site.member_source, [0.5])
    got = get(api, site, "chart_data", event_starts_after="2025-01-01T00:30:00+00:00",
              event_ends_before="2025-01-01T00:45:00+00:00").json
    # power 00:15-00:30 ends at the window start and 00:45 starts at its end; pv 00:00-01:00 overlaps.
    assert [(r["sensor"]["name"], r["event_start"]) for r in got] == [
        ("power", ms(T0 + 30 * MIN))] + [("pv", ms(T0 + 15 * i * MIN)) for i in range(4)]


def test_compressed_chart_data(api, site):
    save_values(site.power, site.member_source, [1.0])
    got = get(api, site, "chart_data", compress_json="true", **WINDOW).json
    assert got == {
        "data": [{"ts": ms(T0), "sid": site.power.id, "val": 1.0, "sf": 1.0, "src": site.member_source.id, "bh": 0.0}],
        "sensors": {str(s.id): {"name": s.name, "unit": unit, "description": f"{s.name} (ACME site)",
                                "asset_id": site.asset.id, "asset_description": "ACME site (ACME campus)"}
                    for s, unit in ((site.power, "kW"), (site.pv, "MW"))},
        "sources": {str(site.member_source.id): {"name": "Ann", "model": "", "type": "other", "description": "Ann"}},
    }


def test_no_data_is_an_empty_list(api, site):
    r = get(api, site, "chart_data")
    assert r.status == 200 and r.body == b"[]" and r.headers["content-type"].startswith("text/html")
    empty = make_asset(account=site.account, name="no sensors")
    assert get(api, site, "chart_data", asset_id=empty.id).body == b"[]"
    assert get(api, site, "chart_data", asset_id=empty.id, compress_json="yes").json == {
        "data": [], "sensors": {}, "sources": {}}
    assert get(api, site, "chart", asset_id=empty.id).json["vconcat"] == []


def test_default_sensors_are_the_first_two_one_row_when_units_match(api, site, make_account):
    asset = make_asset(account=site.account, name="plain")
    first, second = make_sensor(asset, name="a"), make_sensor(asset, name="b")
    third = make_sensor(asset, name="c")
    for sensor in (first, second, third):
        save_values(sensor, site.member_source, [1.0])
    data = get(api, site, "chart_data", asset_id=asset.id).json
    assert [r["sensor"]["id"] for r in data] == [first.id, second.id]
    spec = get(api, site, "chart", asset_id=asset.id).json
    assert [row["transform"][0]["filter"]["oneOf"] for row in spec["vconcat"]] == [[first.id, second.id]]
    other = make_asset(account=site.account, name="mixed")
    kw, mw = make_sensor(other, name="kw"), make_sensor(other, name="mw", unit="MW")
    spec = get(api, site, "chart", asset_id=other.id).json
    assert [row["transform"][0]["filter"]["oneOf"] for row in spec["vconcat"]] == [[kw.id], [mw.id]]


def test_foreign_sensors_are_dropped_and_public_ones_shown(api, site, make_account):
    market = make_asset(name="market")
    price = make_sensor(market, name="price", unit="EUR/MWh", minutes=60)
    foreign = make_sensor(make_asset(account=make_account(), name="theirs"), name="secret")
    save_values(price, sources.scheduler_source(), [40.0])
    save_values(foreign, site.member_source, [9.0])
    save_values(site.power, site.member_source, [1.0])
    assets.update(site.asset, {"sensors_to_show": [foreign.id, price.id, [site.power.id, foreign.id]]})
    data = get(api, site, "chart_data", **WINDOW).json
    assert {r["sensor"]["name"] for r in data} == {"price", "power"}
    # kW and EUR/MWh share no unit, so nothing is scaled.
    assert {r["scale_factor"] for r in data} == {1.0}
    spec = get(api, site, "chart", **WINDOW).json
    assert [row["transform"][0]["filter"]["oneOf"] for row in spec["vconcat"]] == [[price.id], [site.power.id]]
    assert spec["vconcat"][0]["layer"][0]["encoding"]["color"]["scale"]["domain"] == ["price (market)"]


def test_chart_spec_rows_axes_and_embedded_data(api, site):
    save_values(site.power, site.member_source, [1.0, 2.0])
    assets.update(site.asset, {"sensors_to_show": [{"title": "power flows", "sensors": [site.power.id,
                                                                                         site.pv.id]},
                                                      site.pv.id]})
    r = get(api, site, "chart", include_data="true", **WINDOW)
    assert r.status == 200 and r.headers["content-type"].startswith("text/html")
    spec = json.loads(r.body)
    assert "status" not in spec
    assert spec["data"] == {"name": f"asset_{site.asset.id}"}
    assert (spec["height"], spec["width"]) == (300, "container")
    assert spec["resolve"] == {"scale": {"x": "shared"}}
    assert [t["as"] for t in spec["transform"]] == ["source_name_and_id", "full_date"]
    first, second = spec["vconcat"]
    assert (first["title"], second["title"]) == ("Power flows", None)
    line = first["layer"][0]
    assert line["mark"]["interpolate"] == "step-after"
    assert line["encoding"]["y"]["title"] == "Power (kW)"  # kW and MW rows share kW; types differ -> dimension
    assert line["encoding"]["x"]["timeUnit"]["step"] == 900.0
    assert line["encoding"]["x"]["scale"]["domain"] == [ms(T0), ms(T0 + timedelta(hours=1))]
    assert second["layer"][0]["encoding"]["y"]["title"] == "Pv (MW)"
    assert [layer["mark"]["type"] for layer in first["layer"]] == ["line", "circle", "rule"]
    assert [layer["mark"]["type"] for layer in second["layer"]] == ["line", "rect", "circle", "rule"]
    assert spec["datasets"] == {f"asset_{site.asset.id}": get(api, site, "chart_data", **WINDOW).json}


def test_chart_options_name_size_and_legend(api, site):
    spec = get(api, site, "chart", dataset_name="mine", height="200", width="container", combine_legend="false").json
    assert spec["data"] == {"name": "mine"} and (spec["height"], spec["width"]) == (200, "container")
    assert spec["resolve"] == {"scale": {"color": "independent"}}
    assert "datasets" not in spec
    r = get(api, site, "chart", chart_type="bar_chart")
    # Errors name FlexMeasures 1.0's spellings.
    assert r.status == 422 and r.json["message"] == {"query": {"chart-type": [
        "Must be one of: chart_for_multiple_sensors."]}}


def test_bad_datetimes_are_422(api, site):
    for what in ("chart", "chart_data"):
        r = get(api, site, what, event_starts_after="2025-01-01T00:00:00")
        assert r.status == 422
        assert r.json["message"] == {"query": {"start": ["Not a valid aware datetime."]}}


@pytest.mark.parametrize("what", ["chart", "chart_data"])
def test_unknown_asset_404_foreign_asset_403_and_login_required(api, site, make_user, what):
    r = get(api, site, what, asset_id=999999)
    assert r.status == 404 and r.json == {"message": "No asset found with ID 999999.", "status": 404}
    assert get(api, site, what, asset_id="abc").status == 404
    r = get(api, site, what, token=make_user().token)
    assert r.status == 403 and r.json == {"result": "Rejected", "status": "INVALID_SENDER",
                                          "message": "You cannot be authorized for this content or functionality."}
    assert api.get(f"/api/v3_0/assets/{site.asset.id}/{what}").status == 401


def test_each_sensor_is_read_with_one_query_whatever_the_window(api, site, monkeypatch):
    save_values(site.power, site.member_source, [1.0] * 4 * 24 * 30)
    calls = count_belief_queries(monkeypatch)
    month = {"event_starts_after": "2025-01-01T00:00:00+00:00", "event_ends_before": "2025-01-31T00:00:00+00:00"}
    data = get(api, site, "chart_data", **month).json
    assert len([r for r in data if r["sensor"]["name"] == "power"]) == 4 * 24 * 30
    assert sorted(calls) == sorted([site.power.id, site.pv.id])
    calls.clear()
    assert get(api, site, "chart", include_data="true", **month).status == 200
    assert sorted(calls) == sorted([site.power.id, site.pv.id])


def test_data_too_large_for_a_lambda_response_is_a_clear_422(api, site, monkeypatch):
    from chalicelib.api import asset_charts

    save_values(site.power, site.member_source, [1.0] * 96)
    monkeypatch.setattr(asset_charts, "MAX_RESPONSE_BYTES", 10_000)
    for what, extra in (("chart_data", {}), ("chart", {"include_data": "true"})):
        r = get(api, site, what, **extra)
        assert r.status == 422
        assert "exceeds" in r.json["message"]["query"]["_schema"][0]
    assert get(api, site, "chart").status == 200  # the spec alone is small
    small = {"compress_json": "true", "event_ends_before": "2025-01-01T02:00:00+00:00"}
    assert get(api, site, "chart_data", **small).status == 200


def test_trailing_slash_variants_are_served(api, site):
    save_values(site.power, site.member_source, [1.0])
    assert get(api, site, "chart_data/", **WINDOW).json == get(api, site, "chart_data", **WINDOW).json
    assert get(api, site, "chart/").json["data"] == {"name": f"asset_{site.asset.id}"}


def test_forecasts_show_as_the_forecaster_source_drawn_dotted(api, site):
    forecaster = sources.forecaster_source(model="MedianRidge", version="1")
    save_values(site.power, site.member_source, [1.0])
    save_values(site.power, forecaster, [1.5, 2.5], formed=T0 - timedelta(hours=1))
    records = json.loads(get(api, site, "chart_data", **WINDOW).body)
    by_source = {}
    for record in records:
        if record["sensor"]["id"] == site.power.id:
            by_source.setdefault(record["source"]["type"], []).append(record["event_value"])
    assert by_source == {"other": [1.0], "forecaster": [1.5, 2.5]}
    described = {r["source"]["description"] for r in records if r["source"]["type"] == "forecaster"}
    assert described == {"FlexMeasures's MedianRidge forecaster v1"}
    spec = json.loads(get(api, site, "chart", **WINDOW).body)
    dashes = [layer["encoding"]["strokeDash"]["scale"] for layer in _layers(spec) if "strokeDash" in layer.get(
        "encoding", {})]
    assert dashes and all(dict(zip(d["domain"], d["range"]))["forecaster"] == [2, 2] for d in dashes)


def _layers(spec):
    """Every layer of a Vega-Lite spec, however deeply it is nested (vconcat, layer)."""
    for key in ("vconcat", "hconcat", "concat", "layer"):
        for part in spec.get(key, []):
            yield part
            yield from _layers(part)
