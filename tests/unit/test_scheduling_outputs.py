"""Schedules in sensor units and resolutions, SoC curves, storage sign, tie-breakers, soft device limits."""
from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest

from chalicelib.scheduling.errors import SchedulingError
from chalicelib.scheduling.memory import sensor_data_from_map
from chalicelib.scheduling.outputs import cost_summary, stored_sign
from chalicelib.scheduling.request import ScheduleRequest, SensorTriggerBody
from chalicelib.scheduling.schedule import compute_schedule
from chalicelib.scheduling.sources import SensorInfo
from tests.unit.scheduling_fixtures import HORIZON, asset_schedule, sensor, sensor_schedule

START = "2026-01-01T00:00+00:00"


def two_devices() -> tuple[dict, dict]:
    # A 15-min kW battery that must hold 250 kWh at the end, and an hourly kWh-metered heater; both are paid to
    # consume in the first quarter-hour only.
    prices = [-10.0] + [10.0] * 3 + [100.0] * 4
    body = {"start": START, "duration": "PT2H",
            "flex-model": [
                {"sensor": 1, "soc-at-start": 0, "soc-max": 250, "power-capacity": "1000 kW",
                 "soc-targets": [{"datetime": "2026-01-01T02:00+00:00", "value": 250}],
                 "prefer-charging-sooner": False, "prefer-curtailing-later": False,
                 "state-of-charge": {"sensor": 3}},
                {"sensor": 2, "consumption-capacity": [{"start": START, "duration": "PT15M", "value": "400 kW"}],
                 "production-capacity": "0 kW", "power-capacity": "1 MW",
                 "prefer-charging-sooner": False, "prefer-curtailing-later": False}],
            "flex-context": {"consumption-price": {"sensor": 4}, "production-price": "-1000 EUR/MWh"}}
    sensors = {"1": sensor("kW"), "2": sensor("kWh", "PT1H"), "3": sensor("kWh", "PT0M"),
               "4": sensor("EUR/MWh", "PT15M", START, prices)}
    return body, sensors


def test_power_in_sensor_units_and_resolutions():
    result = asset_schedule(*two_devices())
    battery, heater = result.power
    assert result.window.resolution == timedelta(minutes=15) and result.window.n == 8
    assert battery.step == timedelta(minutes=15) and len(battery.values) == 8
    assert sum(battery.values) * 0.25 == pytest.approx(250)  # kW over quarter-hours: 250 kWh stored
    assert all(v >= 0 for v in battery.values[:4]) and battery.values[4:] == [0.0] * 4
    # the heater consumes its 400 kW limit in the paid quarter-hour only; its hourly kWh sensor gets the
    # energy per hour.
    assert heater.step == timedelta(hours=1) and heater.values == [100.0, 0.0]
    soc = result.soc[0]
    assert soc.instantaneous and soc.resolution == timedelta(0) and len(soc.values) == 9
    assert soc.values[0] == 0 and soc.values[-1] == pytest.approx(250)
    assert soc.event_starts()[-1] == result.window.end


def test_sensor_trigger_keeps_its_resolution_and_rounds():
    body = {"start": START, "duration": "PT1H",
            "flex-model": {"soc-at-start": 0, "soc-max": 1 / 3, "power-capacity": "1 MW", "soc-unit": "MWh",
                           "soc-targets": [{"datetime": "2026-01-01T01:00+00:00", "value": 1 / 3}],
                           "prefer-charging-sooner": False, "prefer-curtailing-later": False},
            "flex-context": {"consumption-price": [{"start": START, "duration": "PT15M", "value": "1 EUR/MWh"},
                                                   {"start": "2026-01-01T00:15+00:00", "duration": "PT45M",
                                                    "value": "5 EUR/MWh"}]}}
    result = sensor_schedule(1, body, {"1": sensor("MW")})
    values = result.power[0].values
    assert len(values) == 4 and values[0] == 1.0  # the cheap quarter-hour first; the rest ties at 5 EUR/MWh
    assert sum(values) * 0.25 == pytest.approx(1 / 3, abs=1e-6)
    assert all(len(str(v).split(".")[-1]) <= 6 for v in values)


def test_prior_is_passed_to_the_reader():
    seen = []
    data = sensor_data_from_map({"1": sensor("MW"), "2": sensor("EUR/MWh", "PT15M", START, [1.0] * 4)})

    def reader(sensor_id, start, end, prior):
        seen.append((sensor_id, prior))
        return data.reader(sensor_id, start, end, prior)

    body = SensorTriggerBody.model_validate({
        "start": START, "duration": "PT1H", "prior": "2025-12-31T12:00+00:00",
        "flex-model": {"power-capacity": "1 MW", "soc-at-start": 0, "soc-max": 1},
        "flex-context": {"consumption-price": {"sensor": 2}}})
    request = ScheduleRequest.from_sensor_trigger(1, body)
    compute_schedule(request, type(data)(data.lookup, reader), default_duration=HORIZON, max_steps=2520)
    assert seen and all(prior == body.prior for _, prior in seen)


def test_prefer_charging_sooner_breaks_ties_towards_early_charging():
    body = {"start": START, "duration": "PT2H",
            "flex-model": {"soc-at-start": 0, "soc-max": 0.5, "soc-unit": "MWh", "power-capacity": "1 MW",
                           "soc-targets": [{"datetime": "2026-01-01T02:00+00:00", "value": 0.5}]},
            "flex-context": {"consumption-price": "50 EUR/MWh"}}
    values = sensor_schedule(1, body, {"1": sensor("MW")}).power[0].values
    assert values[:2] == [1.0, 1.0] and values[2:] == [0.0] * 6


def test_soft_device_capacity_and_non_unique_any_prices():
    body = {"start": START, "duration": "PT1H",
            "flex-model": [{"sensor": 1, "power-capacity": "1 MW", "consumption-capacity": "100 kW",
                            "prefer-charging-sooner": False, "prefer-curtailing-later": False}],
            "flex-context": {"consumption-price": "-200 EUR/MWh", "consumption-breach-price": "50 EUR/MW",
                             "production-breach-price": "50 EUR/MW"}}
    result = asset_schedule(body, {"1": sensor("MW")})
    # Paid 50 EUR per MW·step to consume; breaching costs 50 once plus 12.5 per step: worth it up to 1 MW.
    assert result.power[0].values == [1.0] * 4
    assert result.costs["any consumption breach device 0"] == pytest.approx(45)
    assert result.costs["all consumption breaches device 0"] == pytest.approx(4 * 12.5 * 0.9)
    body["flex-context"]["consumption-breach-price"] = [
        {"start": START, "duration": "PT30M", "value": "50 EUR/MW"},
        {"start": "2026-01-01T00:30+00:00", "duration": "PT30M", "value": "60 EUR/MW"}]
    with pytest.raises(SchedulingError, match="Commitment groups cannot have non-unique upwards deviation prices."):
        asset_schedule(body, {"1": sensor("MW")})


def test_stored_sign_and_cost_summary():
    assert stored_sign(SensorInfo(1, "kW", timedelta(minutes=15))) == -1
    assert stored_sign(SensorInfo(1, "kW", timedelta(minutes=15), {"consumption_is_positive": False})) == 1
    assert stored_sign(SensorInfo(1, "kWh", timedelta(minutes=15))) == 1
    summary = cost_summary({"energy": 10.0, "any consumption breach": 2.0, "all soc minima": 1.0,
                            "consumption peak": 0.5, "prefer curtailing device 0 later": 0.01})
    assert summary == {"energy": 10.0, "breach": 3.0, "peak": 0.5, "total": 13.5, "tie-breakers": 0.01}


def test_soc_minima_from_an_instantaneous_sensor():
    body = {"start": START, "duration": "PT1H",
            "flex-model": {"soc-at-start": 0, "soc-max": 1, "soc-unit": "MWh", "power-capacity": "1 MW",
                           "soc-minima": {"sensor": 5}, "prefer-charging-sooner": False},
            "flex-context": {"consumption-price": "50 EUR/MWh"}}
    minima = {"unit": "kWh", "event_resolution": "PT0M", "step": "PT30M", "start": START, "values": [0, 200, 400]}
    result = sensor_schedule(1, body, {"1": sensor("MW"), "5": minima})
    assert sum(result.power[0].values) * 0.25 == pytest.approx(0.4)
    assert np.cumsum(result.power[0].values)[1] * 0.25 >= 0.2 - 1e-9


def test_soft_soc_minima_costs():
    # 30 minutes at 1 MW cannot reach 1 MWh: 0.5 MWh short. §5.7: "all" pays β per MWh short; "any" pays β per
    # stock unit (MWh·σ, σ = 4 per hour at 15 minutes).
    body = {"start": START, "duration": "PT30M",
            "flex-model": [{"sensor": 1, "soc-at-start": "0 MWh", "soc-max": "5 MWh", "power-capacity": "1 MW",
                            "soc-minima": [{"datetime": "2026-01-01T00:30+00:00", "value": "1 MWh"}],
                            "prefer-charging-sooner": False, "prefer-curtailing-later": False}],
            "flex-context": {"consumption-price": "1 EUR/MWh", "soc-minima-breach-price": "10 EUR/kWh"}}
    result = asset_schedule(body, {"1": sensor("MW")})
    assert result.power[0].values == [1.0, 1.0]
    assert result.costs["all soc minima"] == pytest.approx(10_000 * 0.5)
    assert result.costs["any soc minima"] == pytest.approx(10_000 * 0.5 * 4)
    assert result.cost_summary["breach"] == pytest.approx(25_000)


def test_curtailable_pv_follows_its_forecast_and_curtails_at_negative_prices():
    # A PV inverter: production capacity from a forecast sensor (kW, production positive as FlexMeasures stores
    # it), no consumption, no stock. It produces what the sun allows unless selling costs money.
    forecast = sensor("kW", "PT15M", START, [100.0, 200.0, 300.0, 400.0])
    body = {"start": START, "duration": "PT1H",
            "flex-model": [{"sensor": 1, "power-capacity": "500 kW", "consumption-capacity": "0 kW",
                            "production-capacity": {"sensor": 2}}],
            "flex-context": {"consumption-price": "100 EUR/MWh",
                             "production-price": [{"start": START, "duration": "PT30M", "value": "40 EUR/MWh"},
                                                  {"start": "2026-01-01T00:30+00:00", "duration": "PT30M",
                                                   "value": "-20 EUR/MWh"}]}}
    result = asset_schedule(body, {"1": sensor("kW"), "2": forecast})
    assert result.power[0].values == [-100.0, -200.0, 0.0, 0.0]
    assert result.costs["energy"] == pytest.approx(-40 * 0.3 * 0.25, rel=1e-3)  # the slope nudges prices by ≤1e-4


def test_mean_resampling_to_a_coarser_sensor_weighs_by_overlap():
    from datetime import datetime, timezone

    from chalicelib.scheduling.grid import Window
    from chalicelib.scheduling.outputs import power_schedule
    from chalicelib.scheduling.problem import Device

    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    window = Window(start, start + timedelta(hours=1), timedelta(minutes=15))
    device = Device(SensorInfo(2, "kW", timedelta(minutes=20)), np.zeros(4), np.zeros(4))
    schedule = power_schedule(device, np.array([1.0, 2.0, 3.0, 4.0]), window, resample=True)
    assert schedule.step == timedelta(minutes=20)
    assert schedule.values == [1250.0, 2500.0, 3750.0]
    assert power_schedule(device, np.array([1.0, 2.0, 3.0, 4.0]), window, resample=False).values == [
        1000.0, 2000.0, 3000.0, 4000.0]
