"""flexmeasures-client 0.9.6, unchanged, schedules through the local stack (API, SQS, worker loop) with its
legacy flex-model form (soc-unit with bare numbers, roundtrip-efficiency, soc-targets as {value, datetime})."""
from __future__ import annotations

import math
from datetime import datetime, timezone

import pytest

pytestmark = pytest.mark.e2e

START = "2027-01-01T00:00:00+01:00"
# Hourly prices for 6 hours: cheap, cheap, dear, dear, cheap, dear (EUR/MWh).
PRICES = [20, 10, 90, 100, 15, 80]
RT = 0.81  # roundtrip efficiency: √0.81 = 0.9 each way
# Short retry interval: the client polls the schedule while the worker loop solves it.
RETRY_INTERVAL = 0.5


def battery_model(soc_max: float, target: float) -> dict:
    return {"soc-unit": "kWh", "soc-at-start": 10, "soc-min": 5, "soc-max": soc_max, "roundtrip-efficiency": RT,
            "soc-targets": [{"value": target, "datetime": "2027-01-01T06:00:00+01:00"}]}


def simulate_soc(values_kw: list[float], start_kwh: float, step_hours: float) -> list[float]:
    eta = math.sqrt(RT)
    soc = [start_kwh]
    for p in values_kw:
        soc.append(soc[-1] + (p * eta if p > 0 else p / eta) * step_hours)
    return soc


def assert_feasible(values: list[float], capacity_kw: float, soc_min: float, soc_max: float, target: float,
                    start_kwh: float = 10, step_hours: float = 0.25) -> None:
    assert all(abs(v) <= capacity_kw + 1e-6 for v in values)
    soc = simulate_soc(values, start_kwh, step_hours)
    assert all(soc_min - 1e-4 <= s <= soc_max + 1e-4 for s in soc)
    assert soc[-1] == pytest.approx(target, abs=1e-3)


async def _setup(client, account_id: int, name: str):
    asset = await client.add_asset(name=name, account_id=account_id, latitude=52.0, longitude=4.3,
                                   generic_asset_type_id=1)
    prices = await client.add_sensor(name="day-ahead prices", event_resolution="PT1H", unit="EUR/MWh",
                                     generic_asset_id=asset["id"], timezone="Europe/Amsterdam")
    await client.post_sensor_data(prices["id"], start=START, duration="PT6H", values=PRICES, unit="EUR/MWh")
    return asset, prices


async def _add_battery(client, asset, name: str, capacity_mw: float):
    return await client.add_sensor(name=name, event_resolution="PT15M", unit="kW", generic_asset_id=asset["id"],
                                   timezone="Europe/Amsterdam", attributes={"capacity_in_mw": capacity_mw})


def test_client_schedules_one_battery(local_stack):
    account_id = local_stack.admin_account_id()

    async def scenario(client):
        asset, prices = await _setup(client, account_id, "client scheduling site")
        battery = await _add_battery(client, asset, "battery power", 0.02)
        schedule = await client.trigger_and_get_schedule(
            sensor_id=battery["id"], start=START, duration="PT6H", flex_model=battery_model(40, 30),
            flex_context={"consumption-price-sensor": prices["id"]})
        assert schedule["unit"] == "kW" and schedule["start"] == "2026-12-31T23:00:00+00:00"
        assert schedule["duration"] == "PT6H" and len(schedule["values"]) == 24
        assert_feasible(schedule["values"], 20, 5, 40, 30)
        assert schedule["costs"]["currency"] == "EUR"
        # With a prior the client adds "force-new-job-creation" and gets a new job with the same schedule.
        again = await client.trigger_and_get_schedule(
            sensor_id=battery["id"], start=START, duration="PT6H", flex_model=battery_model(40, 30),
            flex_context={"consumption-price-sensor": prices["id"]}, prior=datetime.now(timezone.utc))
        assert again["values"] == pytest.approx(schedule["values"], abs=1e-6)

    local_stack.run(scenario, request_retry_interval=RETRY_INTERVAL)


def test_client_schedules_an_asset_with_two_devices(local_stack):
    account_id = local_stack.admin_account_id()

    async def scenario(client):
        asset, prices = await _setup(client, account_id, "client two-device site")
        first = await _add_battery(client, asset, "battery 1", 0.02)
        second = await _add_battery(client, asset, "battery 2", 0.01)
        flex_model = [{"sensor": first["id"], **battery_model(40, 30)},
                      {"sensor": second["id"], **battery_model(20, 15)}]
        schedules = await client.trigger_and_get_schedule(
            asset_id=asset["id"], start=START, duration="PT6H", flex_model=flex_model,
            flex_context={"consumption-price-sensor": prices["id"], "site-power-capacity": "25 kW"})
        by_sensor = {s["sensor"]: s for s in schedules}
        assert set(by_sensor) == {first["id"], second["id"]}
        assert_feasible(by_sensor[first["id"]]["values"], 20, 5, 40, 30)
        assert_feasible(by_sensor[second["id"]]["values"], 10, 5, 20, 15)
        site = [a + b for a, b in zip(by_sensor[first["id"]]["values"], by_sensor[second["id"]]["values"])]
        assert all(abs(p) <= 25 + 1e-6 for p in site)

    local_stack.run(scenario, request_retry_interval=RETRY_INTERVAL)
