"""The demo site `make demo` makes answers the README's chart and KPI samples (their exact query strings)."""
from __future__ import annotations

import pytest

from chalicelib.services.demo import PRICES, seed_demo

# The README's samples, as printed there.
WINDOW = {"event_starts_after": "2026-01-01T00:00:00+01:00", "event_ends_before": "2026-01-02T00:00:00+01:00"}
KPI_PERIOD = {"start": "2026-01-01T00:00:00+01:00", "end": "2026-01-02T00:00:00+01:00"}


@pytest.fixture
def demo(aws):
    return seed_demo()


def test_the_demo_site_has_a_chart_with_a_day_of_prices(api, admin, demo):
    r = api.get(f"/api/v3_0/assets/{demo.site_id}/chart_data", token=admin.token, query=WINDOW)
    assert r.status == 200
    prices = [row["event_value"] for row in r.json if row["sensor"]["id"] == demo.price_sensor_id]
    assert prices[::4] == PRICES and len(prices) == 96  # repeated onto the battery's 15 minutes
    chart = api.get(f"/api/v3_0/assets/{demo.site_id}/chart", token=admin.token,
                    query={**WINDOW, "include_data": "true"})
    assert chart.status == 200 and chart.json["datasets"]


def test_the_demo_site_has_its_kpi(api, admin, demo):
    r = api.get(f"/api/v3_0/assets/{demo.site_id}/kpis", token=admin.token, query=KPI_PERIOD)
    assert r.status == 200
    (kpi,) = r.json["data"]
    assert kpi["title"] == "Mean day-ahead price" and kpi["unit"] == "EUR/MWh"
    assert kpi["downsample_value"] == round(sum(PRICES) / len(PRICES), 2)
