"""Asset charts over real HTTP: data posted through the API comes back as chart records, KPIs and a renderable chart."""
from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.e2e

WINDOW = {"event_starts_after": "2025-03-01T00:00:00+01:00", "event_ends_before": "2025-03-01T02:00:00+01:00"}


def test_posted_data_is_charted_and_counted_as_kpi(local_stack):
    import vl_convert

    call = local_stack.caller()

    kind = call("GET", "/assets/types").json()[0]["id"]
    asset = call("POST", "/assets", json={"name": "chart site", "generic_asset_type_id": kind}).json()
    power, energy = (call("POST", "/sensors", json={"name": name, "unit": unit, "event_resolution": resolution,
                                                    "generic_asset_id": asset["id"]}).json()
                     for name, unit, resolution in (("power", "kW", "PT15M"), ("daily energy", "kWh", "P1D")))
    start = "2025-03-01T00:00:00+01:00"
    call("POST", f"/sensors/{power['id']}/data",
         json={"values": [1.5, 2.5, 3.5, 4.5], "start": start, "duration": "PT1H", "unit": "kW"})
    call("POST", f"/sensors/{energy['id']}/data",
         json={"values": [10.0, 20.0], "start": start, "duration": "P2D", "unit": "kWh"})
    call("PATCH", f"/assets/{asset['id']}", json={
        "sensors_to_show": json.dumps([{"title": "Power", "sensor": power["id"]}]),
        "sensors_to_show_as_kpis": json.dumps([{"title": "Energy", "sensor": energy["id"]}])})

    data = call("GET", f"/assets/{asset['id']}/chart_data", params=WINDOW)
    assert data.headers["Content-Type"].startswith("text/html")
    assert [(r["sensor"]["id"], r["event_value"]) for r in data.json()] == [
        (power["id"], v) for v in (1.5, 2.5, 3.5, 4.5)]

    kpis = call("GET", f"/assets/{asset['id']}/kpis",
                params={"start": "2025-03-01T00:00:00+01:00", "end": "2025-03-03T00:00:00+01:00"}).json()
    assert kpis == {"data": [{"title": "Energy", "unit": "kWh", "sensor": energy["id"], "downsample_value": 30.0,
                              "downsample_function": "sum"}]}

    chart = call("GET", f"/assets/{asset['id']}/chart", params={**WINDOW, "include_data": "true"})
    svg = vl_convert.vegalite_to_svg(chart.json())
    assert "power (chart site)" in svg and "Power (kW)" in svg and 'aria-roledescription="line mark"' in svg
