"""flexmeasures-client 0.9.6, unchanged, forecasts through the local stack (API, forecast queue, worker loop), and a
battery is scheduled against the forecasted load and PV (inflexible-device-sensors)."""
from __future__ import annotations

import math

import pytest

pytestmark = pytest.mark.e2e

HISTORY_START = "2027-03-01T00:00:00+00:00"
HISTORY_HOURS = 14 * 24
FORECAST_START = "2027-03-15T00:00:00+00:00"
SITE_CAPACITY_KW = 40.0


def load_kw(hour: int) -> float:
    """Consumption, as FlexMeasures stores power: production positive, so a load is negative."""
    return -round(20 + 8 * math.sin(2 * math.pi * (hour - 6) / 24), 3)


def pv_kw(hour: int) -> float:
    return round(max(0.0, 30 * math.sin(math.pi * (hour - 6) / 12)), 3)


def test_client_forecasts_load_and_pv_and_a_battery_is_scheduled_against_them(local_stack):
    account_id = local_stack.admin_account_id()

    async def scenario(client):
        asset = await client.add_asset(name="client forecasting site", account_id=account_id, latitude=52.0,
                                       longitude=4.3, generic_asset_type_id=1)
        sensors = {}
        for name, unit in (("load", "kW"), ("pv", "kW"), ("prices", "EUR/MWh")):
            sensors[name] = await client.add_sensor(name=name, event_resolution="PT1H", unit=unit,
                                                    generic_asset_id=asset["id"], timezone="UTC")
        for name, shape in (("load", load_kw), ("pv", pv_kw)):
            await client.post_sensor_data(sensors[name]["id"], start=HISTORY_START, duration=f"P{HISTORY_HOURS // 24}D",
                                          values=[shape(h % 24) for h in range(HISTORY_HOURS)], unit="kW")
        prices = [10 if h < 6 else 100 for h in range(24)]
        await client.post_sensor_data(sensors["prices"]["id"], start=FORECAST_START, duration="PT24H", values=prices,
                                      unit="EUR/MWh")

        forecasts = {}
        for name, shape in (("load", load_kw), ("pv", pv_kw)):
            forecast = await client.trigger_and_get_forecast(sensor_id=sensors[name]["id"], start=FORECAST_START,
                                                             duration="PT24H", polling_interval=0.2)
            assert forecast["start"] == FORECAST_START and forecast["duration"] == "PT24H"
            assert forecast["unit"] == "kW" and len(forecast["values"]) == 24
            assert max(abs(f - shape(h)) for h, f in enumerate(forecast["values"])) < 0.5
            forecasts[name] = forecast["values"]

        battery = await client.add_sensor(name="battery", event_resolution="PT15M", unit="kW",
                                          generic_asset_id=asset["id"], timezone="UTC",
                                          attributes={"capacity_in_mw": 0.05})
        schedule = await client.trigger_and_get_schedule(
            sensor_id=battery["id"], start=FORECAST_START, duration="PT24H",
            flex_model={"soc-at-start": "0 kWh", "soc-min": "0 kWh", "soc-max": "200 kWh", "power-capacity": "50 kW",
                        "soc-targets": [{"value": "200 kWh", "datetime": "2027-03-16T00:00:00+00:00"}]},
            flex_context={"consumption-price": {"sensor": sensors["prices"]["id"]},
                          "inflexible-device-sensors": [sensors["load"]["id"], sensors["pv"]["id"]],
                          "site-power-capacity": f"{SITE_CAPACITY_KW} kW"})
        values = schedule["values"]
        assert len(values) == 96
        # The site's consumption: the battery's (consumption positive) plus the forecasted load, minus the PV.
        site = [v - forecasts["load"][i // 4] - forecasts["pv"][i // 4] for i, v in enumerate(values)]
        assert all(abs(p) <= SITE_CAPACITY_KW + 1e-3 for p in site)
        night = range(0, 24)  # cheap hours: the battery charges as fast as the site connection allows
        assert any(abs(site[i] - SITE_CAPACITY_KW) < 1e-3 and values[i] < 50 - 1e-3 for i in night)
        assert sum(values) / 4 == pytest.approx(200, abs=1e-3)

    local_stack.run(scenario, request_retry_interval=0.5)
