"""GET /assets/<id>/kpis: per KPI sensor, the first source's statistic over the period (contract §6)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from chalicelib.store import assets, sources
from tests.factories import make_asset, make_sensor, make_site, save_values
from tests.store_reads import count_belief_queries

DAY = timedelta(days=1)
JAN1 = datetime(2025, 1, 1, tzinfo=timezone.utc)
PERIOD = {"start": "2025-01-01T00:00:00+00:00", "end": "2025-01-04T00:00:00+00:00"}


@pytest.fixture
def site(aws):
    site = make_site(username="Ann", sensors={"energy": dict(unit="kWh", minutes=1440),
                                              "share": dict(name="self-consumption", unit="%", minutes=1440)})
    assets.update(site.asset, {"sensors_to_show_as_kpis": [
        {"title": "Energy", "sensor": site.energy.id},
        {"title": "Self-consumption", "sensor": site.share.id},
        {"title": "Peak day", "sensor": site.energy.id, "function": "max"},
    ]})
    sources.user_source(site.member.user)  # made first: the KPIs take the first source
    return site


def get_kpis(api, site, token=None, asset_id=None, **query):
    return api.get(f"/api/v3_0/assets/{asset_id or site.asset.id}/kpis", query={**PERIOD, **query},
                   token=token or site.member.token)


def test_sum_by_default_mean_for_percentages_explicit_functions_rounded(api, site):
    save_values(site.energy, site.member_source, [1.111, 2.222, 3.333, 100.0])  # the 4th day is after the period
    save_values(site.share, site.member_source, [50.0, 60.0, 71.0])
    r = get_kpis(api, site)
    assert r.status == 200
    assert r.json == {"data": [
        {"title": "Energy", "unit": "kWh", "sensor": site.energy.id, "downsample_value": 6.67,
         "downsample_function": "sum"},
        {"title": "Self-consumption", "unit": "%", "sensor": site.share.id, "downsample_value": 60.33,
         "downsample_function": "mean"},
        {"title": "Peak day", "unit": "kWh", "sensor": site.energy.id, "downsample_value": 3.33,
         "downsample_function": "max"},
    ]}  # not wrapped: no "status" key


def test_first_source_only_and_every_belief_version_counts(api, site):
    save_values(site.energy, site.member_source, [1.0, 2.0, 3.0])
    # A later version of day 1 by the same source: the aggregates include all versions.
    save_values(site.energy, site.member_source, [10.0], formed=JAN1 + 5 * DAY)
    # A newer source (higher id) is ignored: KPIs take the first source.
    save_values(site.energy, sources.scheduler_source(), [1000.0, 1000.0, 1000.0])
    r = get_kpis(api, site)
    assert [item["downsample_value"] for item in r.json["data"]] == [16.0, 0, 10.0]


def test_no_data_gives_zero(api, site):
    r = get_kpis(api, site)
    assert r.status == 200
    assert [(i["downsample_value"], i["downsample_function"]) for i in r.json["data"]] == [
        (0, "sum"), (0, "mean"), (0, "max")]


def test_asset_without_kpis_gives_empty_list(api, site, make_account):
    bare = make_asset(account=site.account, name="bare")
    assert get_kpis(api, site, asset_id=bare.id).json == {"data": []}


def test_kpi_sensors_of_other_accounts_are_left_out(api, site, make_account):
    foreign = make_sensor(make_asset(account=make_account(), name="theirs"), name="secret", unit="kWh", minutes=1440)
    save_values(foreign, sources.scheduler_source(), [5.0])
    assets.update(site.asset, {"sensors_to_show_as_kpis": [{"title": "Theirs", "sensor": foreign.id},
                                                              {"title": "Gone", "sensor": 999999},
                                                              {"title": "Ours", "sensor": site.energy.id}]})
    assert [i["title"] for i in get_kpis(api, site).json["data"]] == ["Ours"]


def test_each_sensor_is_read_with_one_query_whatever_the_period(api, site, monkeypatch):
    save_values(site.energy, site.member_source, [1.0] * 60)
    calls = count_belief_queries(monkeypatch)
    r = get_kpis(api, site, start="2025-01-01T00:00:00+00:00", end="2025-03-01T00:00:00+00:00")
    assert r.json["data"][0]["downsample_value"] == 59.0
    # Three KPI entries over two sensors and 59 days: one query per sensor, none per day or per entry.
    assert sorted(calls) == sorted([site.energy.id, site.share.id])


def test_start_and_end_are_required_aware_query_params(api, site):
    r = api.get(f"/api/v3_0/assets/{site.asset.id}/kpis", query={"start": "2025-01-01T00:00:00"},
                token=site.member.token)
    assert r.status == 422
    assert r.json == {"message": {"query": {"start": ["Not a valid aware datetime."],
                                            "end": ["Missing data for required field."]}},
                      "result": "Rejected", "status": "UNPROCESSABLE_ENTITY"}


def test_unknown_asset_is_404_and_foreign_asset_is_403(api, site, make_user):
    r = get_kpis(api, site, asset_id=999999)
    assert r.status == 404 and r.json == {"message": "No asset found with ID 999999.", "status": 404}
    outsider = make_user()
    r = get_kpis(api, site, token=outsider.token)
    assert r.status == 403 and r.json["status"] == "INVALID_SENDER"
    assert api.get(f"/api/v3_0/assets/{site.asset.id}/kpis", query=PERIOD).status == 401
