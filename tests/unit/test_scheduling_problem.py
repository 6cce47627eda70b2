"""Problem building: window, series placement and resampling, units, defaults, bounds, validation."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import numpy as np
import pytest

from chalicelib.scheduling import quantities as q
from chalicelib.scheduling.errors import (ConstraintValidationError, FlexConfigError, UnknownPricesException,
                                          UnknownSensorError, WindowError)
from chalicelib.scheduling.grid import Window, place_segments, resample_flow, resolve_window
from chalicelib.scheduling.memory import sensor_data_from_map
from chalicelib.scheduling.problem import build_problem
from chalicelib.scheduling.request import AssetTriggerBody, ScheduleRequest, SensorTriggerBody
from chalicelib.scheduling.schedule import plan_window
from tests.unit.scheduling_fixtures import HORIZON, sensor

T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)
START = "2026-01-01T00:00+00:00"
Q = timedelta(minutes=15)


def at(hours: float) -> str:
    return (T0 + timedelta(hours=hours)).isoformat()


# --- window ---------------------------------------------------------------------------------------------
def test_window_defaults_and_extension():
    window = resolve_window(T0, None, Q, default_duration=HORIZON, max_steps=2520)
    assert window.n == 192 and window.end == T0 + HORIZON
    extended = resolve_window(T0, timedelta(hours=4), Q, default_duration=HORIZON, max_steps=2520,
                              target_ends=[T0 + timedelta(hours=10)])
    assert extended.end == T0 + timedelta(hours=10) and not extended.warnings
    capped = resolve_window(T0, timedelta(hours=4), Q, default_duration=HORIZON, max_steps=20,
                            target_ends=[T0 + timedelta(hours=10)])
    assert capped.n == 20 and "ignored" in capped.warnings[0]


def test_window_errors():
    with pytest.raises(WindowError, match="cannot be after end"):
        resolve_window(T0, -timedelta(hours=1), Q, default_duration=HORIZON, max_steps=2520)
    with pytest.raises(WindowError, match="exceeds the maximum planning horizon of 2520 steps"):
        resolve_window(T0, timedelta(days=30), Q, default_duration=HORIZON, max_steps=2520)
    minutes = resolve_window(T0, None, timedelta(minutes=1), default_duration=HORIZON, max_steps=2520)
    assert minutes.n == 2520  # the default horizon is shortened rather than refused
    with pytest.raises(WindowError, match="instantaneous"):
        resolve_window(T0, None, timedelta(0), default_duration=HORIZON, max_steps=2520)


def test_asset_window_uses_the_smallest_device_resolution():
    body = AssetTriggerBody.model_validate({"start": START, "duration": "PT2H",
                                            "flex-model": [{"sensor": 1}, {"sensor": 2}]})
    data = sensor_data_from_map({"1": sensor("MW", "PT1H"), "2": sensor("kW", "PT15M")})
    window = plan_window(ScheduleRequest.from_asset_trigger(body), data, default_duration=HORIZON, max_steps=2520)
    assert window.resolution == Q and window.n == 8


# --- series on the grid ---------------------------------------------------------------------------------
def segment(start_h: float, end_h: float, value: float, instant: bool = False) -> q.Segment:
    return q.Segment(T0 + timedelta(hours=start_h), T0 + timedelta(hours=end_h), value, instant)


def test_flow_segments_exclude_their_end_and_state_segments_include_it():
    window = Window(T0, T0 + timedelta(hours=4), timedelta(hours=1))
    flow = place_segments([segment(1, 3, 5.0)], window.slot_starts_ns(), window.step_ns, state=False,
                          overlap="first")
    assert np.array_equal(np.isnan(flow), [True, False, False, True]) and flow[1] == 5
    state = place_segments([segment(1, 3, 5.0)], window.stock_ticks_ns(), window.step_ns, state=True,
                           overlap="first")
    assert np.array_equal(np.isnan(state), [False, False, False, True])  # ticks t1..t4: 01:00 to 03:00 covered


@pytest.mark.parametrize("overlap, expected", [("min", 1.0), ("max", 2.0), ("first", 2.0), ("last", 1.0)])
def test_overlapping_segments(overlap, expected):
    window = Window(T0, T0 + timedelta(hours=2), timedelta(hours=1))
    values = place_segments([segment(0, 2, 2.0), segment(0, 1, 1.0)], window.slot_starts_ns(), window.step_ns,
                            state=False, overlap=overlap)
    assert values[0] == expected and values[1] == 2.0


def test_resampling_sensor_data():
    hourly = Window(T0, T0 + timedelta(hours=2), timedelta(hours=1))
    quarter_ns = 15 * 60 * 10**9
    times = hourly.start_ns + quarter_ns * np.arange(8)
    means = resample_flow(times, np.arange(8.0), quarter_ns, hourly)
    assert np.allclose(means, [1.5, 5.5])
    quarters = Window(T0, T0 + timedelta(hours=1), Q)
    repeated = resample_flow(np.array([quarters.start_ns]), np.array([7.0]), 4 * quarter_ns, quarters)
    assert np.allclose(repeated, 7.0)
    gaps = resample_flow(times[:2], np.array([1.0, np.nan]), quarter_ns, hourly)
    assert gaps[0] == 1.0 and np.isnan(gaps[1])


# --- building problems ------------------------------------------------------------------------------------
def build(body: dict, sensors: dict, sensor_trigger_id: int | None = None, **kwargs):
    if sensor_trigger_id is not None:
        request = ScheduleRequest.from_sensor_trigger(sensor_trigger_id, SensorTriggerBody.model_validate(body))
    else:
        request = ScheduleRequest.from_asset_trigger(AssetTriggerBody.model_validate(body))
    data = sensor_data_from_map(sensors)
    window = plan_window(request, data, default_duration=HORIZON, max_steps=2520)
    return build_problem(request.devices, request.flex_context, window, data,
                         sensor_trigger=request.sensor_trigger, **kwargs)


def battery_body(duration: str = "PT1H", context: dict | None = None, **model) -> dict:
    entry = {"sensor": 1, "power-capacity": "1 MW", "prefer-charging-sooner": False,
             "prefer-curtailing-later": False, **model}
    return {"start": START, "duration": duration, "flex-model": [entry],
            "flex-context": context if context is not None else {"consumption-price": "100 EUR/MWh"}}


def test_prices_are_edge_filled_and_interior_gaps_cost_nothing():
    prices = sensor("EUR/MWh", "PT15M", START, [np.nan, 10.0, np.nan, 30.0, np.nan])
    sensors = {"1": sensor("MW"), "2": prices}
    problem = build(battery_body("PT75M", {"consumption-price": {"sensor": 2}}), sensors)
    energy = problem.commitments[0]
    assert energy.name == "energy"
    assert np.allclose(energy.u / problem.window.hours, [10, 10, 0, 30, 30])
    assert np.allclose(energy.v, energy.u)  # production price defaults to the consumption price


def test_unknown_prices_and_sensors():
    with pytest.raises(UnknownPricesException, match=r"^Prices unknown for planning window. \(sensor 2\)$"):
        build(battery_body(context={"consumption-price": {"sensor": 2}}), {"1": sensor("MW"), "2": sensor("EUR/MWh")})
    with pytest.raises(UnknownPricesException, match=r"^Prices unknown for planning window.$"):
        build(battery_body(context={}), {"1": sensor("MW")})
    with pytest.raises(UnknownSensorError) as caught:
        build(battery_body(context={"consumption-price": {"sensor": 9}}), {"1": sensor("MW")})
    assert caught.value.field == "consumption-price" and str(caught.value) == "No sensor found with ID 9."


def test_price_sensor_units_and_currency():
    sensors = {"1": sensor("MW"), "2": sensor("EUR/kWh", "PT15M", START, [0.1] * 4),
               "3": sensor("USD/MWh", "PT15M", START, [50.0] * 4)}
    problem = build(battery_body(context={"consumption-price": {"sensor": 2}}), sensors)
    assert np.allclose(problem.commitments[0].u, 100 * 0.25) and problem.currency == "EUR"
    with pytest.raises(FlexConfigError, match="Prices must share the same monetary unit"):
        build(battery_body(context={"consumption-price": {"sensor": 2}, "production-price": {"sensor": 3}}), sensors)
    with pytest.raises(FlexConfigError, match="Cannot convert MW to EUR/MWh"):
        build(battery_body(context={"consumption-price": {"sensor": 1}}), sensors)


def test_device_capacities():
    sensors = {"1": sensor("kW")}
    problem = build(battery_body(**{
        "power-capacity": "100 kW", "production-capacity": "300 kW",
        "consumption-capacity": [{"start": START, "duration": "PT30M", "value": "20 kW"}]}), sensors)
    device = problem.devices[0]
    assert np.allclose(device.p_min, -0.1)  # production capacity clipped to the power capacity
    assert np.allclose(device.p_max, [0.02, 0.02, 0.1, 0.1])  # gap -> power capacity
    assert device.stock is None  # asset trigger without soc-at-start: no stock
    with pytest.raises(FlexConfigError, match="Power capacity is not defined"):
        build(battery_body(**{"power-capacity": None}) | {"flex-model": [{"sensor": 1}]}, sensors)
    fallback = build({"start": START, "duration": "PT1H", "flex-model": [{"sensor": 1}],
                      "flex-context": {"consumption-price": "1 EUR/MWh", "site-power-capacity": "50 kW"}}, sensors)
    assert np.allclose(fallback.devices[0].p_max, 0.05) and "site-power-capacity" in fallback.warnings[0]


def test_sensor_trigger_soc_defaults():
    sensors = {"1": sensor("kW")}
    body = {"start": START, "duration": "PT1H", "flex-model": {
        "power-capacity": "1 MW", "soc-targets": [{"datetime": at(1), "value": "9 kWh"},
                                                   {"datetime": at(0.5), "value": "25 kWh"}]},
            "flex-context": {"consumption-price": "1 EUR/MWh"}}
    stock = build(body, sensors, sensor_trigger_id=1).devices[0].stock
    assert stock.settings.s0 == 0 and stock.settings.soc_min == 0
    assert stock.settings.soc_max == pytest.approx(0.025)  # the largest target, compared as quantities
    attributes = {"soc_in_mwh": 0.01, "soc_datetime": START, "max_soc_in_mwh": 0.04}
    legacy = build(body, {"1": sensor("kW", **attributes)}, sensor_trigger_id=1).devices[0].stock.settings
    assert (legacy.s0, legacy.soc_max) == (0.01, 0.04)
    stale = build(body, {"1": sensor("kW", **attributes | {"soc_datetime": at(-1)})}, sensor_trigger_id=1)
    assert stale.devices[0].stock.settings.s0 == 0
    body["flex-model"].pop("soc-targets")
    with pytest.raises(FlexConfigError) as caught:
        build(body, sensors, sensor_trigger_id=1)
    assert caught.value.field == "soc-max"
    assert str(caught.value) == ("Need maximal permitted state of charge, please specify soc-max or some "
                                 "soc-targets.")


def test_asset_trigger_needs_soc_at_start_for_soc_constraints():
    with pytest.raises(FlexConfigError) as caught:
        build(battery_body(**{"soc-max": "1 MWh"}), {"1": sensor("MW")})
    assert caught.value.field == "soc-at-start"


def test_bare_soc_numbers_use_soc_unit_or_the_sensor_unit():
    kw = build(battery_body(**{"soc-at-start": 100, "soc-max": 200}), {"1": sensor("kW")}).devices[0].stock
    assert kw.settings.s0 == pytest.approx(0.1) and kw.settings.soc_max == pytest.approx(0.2)
    unit = build(battery_body(**{"soc-at-start": 1, "soc-max": 2, "soc-unit": "MWh"}),
                 {"1": sensor("kW")}).devices[0].stock
    assert unit.settings.s0 == 1 and unit.settings.soc_max == 2


def test_soc_constraints_on_the_stock_rows():
    # Hourly steps: stock units are MWh; row j is the stock at the end of slot j.
    body = battery_body("PT4H", **{"soc-at-start": "1 MWh", "soc-min": "0.5 MWh", "soc-max": "3 MWh",
                                   "soc-targets": [{"datetime": START, "value": "2 MWh"},
                                                   {"datetime": at(4), "value": "2 MWh"}],
                                   "soc-maxima": [{"start": at(1), "end": at(2), "value": "1.5 MWh"}]})
    stock = build(body, {"1": sensor("MW", "PT1H")}).devices[0].stock
    assert np.allclose(stock.s_min, [-0.5, -0.5, -0.5, 1.0])  # the target at start is ignored, at the end kept
    assert np.allclose(stock.s_max, [0.5, 0.5, 2.0, 1.0])  # maxima cover t1..t2 (both ends)


def test_overlapping_hard_soc_segments_last_wins_soft_ones_combine():
    maxima = [{"start": START, "end": at(2), "value": "1 MWh"}, {"start": START, "end": at(1), "value": "2 MWh"}]
    body = battery_body("PT2H", **{"soc-at-start": "0 MWh", "soc-max": "3 MWh", "soc-maxima": maxima})
    hard = build(body, {"1": sensor("MW", "PT1H")}).devices[0].stock
    assert np.allclose(hard.s_max, [2, 1])
    body["flex-context"]["soc-maxima-breach-price"] = "1 EUR/kWh"
    soft = {c.name: c for c in build(body, {"1": sensor("MW", "PT1H")}).commitments}
    assert np.allclose(soft["all soc maxima"].q, [1, 1])


def test_validation_rejects_out_of_range_and_unreachable_targets():
    out_of_range = battery_body("PT4H", **{"soc-at-start": "1 MWh", "soc-max": "2 MWh",
                                           "soc-targets": [{"datetime": at(2), "value": "3 MWh"}]})
    with pytest.raises(ConstraintValidationError) as caught:
        build(out_of_range, {"1": sensor("MW", "PT1H")})
    message = str(caught.value)
    assert message.startswith("The input data yields an infeasible problem. Constraint validation has found the "
                              "following issues:\n")
    assert f"t={at(2)} | equals(3 MWh) <= soc-max(2 MWh)" in message
    unreachable = battery_body("PT4H", **{"soc-at-start": "0 MWh", "soc-max": "5 MWh",
                                          "soc-targets": [{"datetime": at(1), "value": "2 MWh"}]})
    with pytest.raises(ConstraintValidationError, match="reachable"):
        build(unreachable, {"1": sensor("MW", "PT1H")})
    assert build(unreachable, {"1": sensor("MW", "PT1H")}, validate=False).devices[0].stock is not None


def test_efficiencies_gain_and_usage():
    body = battery_body("PT1H", **{"soc-at-start": 0, "soc-max": 1, "roundtrip-efficiency": 0.81,
                                   "storage-efficiency": "99%", "soc-gain": ["1 MW"],
                                   "soc-usage": ["250 kW", {"sensor": 2}]})
    usage = sensor("kW", "PT15M", START, [100.0, 100.0, np.nan, 100.0])
    stock = build(body, {"1": sensor("MW"), "2": usage}).devices[0].stock
    assert np.allclose(stock.eta_c, 0.9) and np.allclose(stock.eta_d, 0.9) and np.allclose(stock.eta_s, 0.99)
    assert np.allclose(stock.gain, [0.65, 0.65, 0.75, 0.65])


def test_inflexible_devices_sign_and_gaps():
    sensors = {"1": sensor("MW"), "5": sensor("kW", "PT15M", START, [100.0, np.nan, 100.0, 100.0]),
               "6": sensor("MW", "PT15M", START, [1.0] * 4, consumption_is_positive=True)}
    problem = build(battery_body(context={"consumption-price": "1 EUR/MWh", "inflexible-device-sensors": [5, 6]}),
                    sensors)
    assert np.allclose(problem.inflexible[0], [-0.1, 0, -0.1, -0.1])  # production positive by default
    assert np.allclose(problem.inflexible[1], 1.0)
    assert any("no data for 1 of 4 steps" in warning for warning in problem.warnings)


def test_site_limits_and_relaxation():
    context = {"consumption-price": "1 EUR/MWh", "site-power-capacity": "2 MW", "site-consumption-capacity": "1 MW",
               "relax-constraints": True}
    problem = build(battery_body(**{"soc-at-start": 0, "soc-max": 1}, context=context), {"1": sensor("MW")})
    names = {c.name: c for c in problem.commitments}
    assert np.allclose(problem.ems_max, 2) and np.allclose(problem.ems_min, -2)  # breach prices make SC soft
    assert np.allclose(names["any consumption breach"].u, 10_000 * 1000)
    assert np.allclose(names["all consumption breaches"].q, 1)
    hard = build(battery_body(context={**context, "relax-constraints": False}), {"1": sensor("MW")})
    assert np.allclose(hard.ems_max, 1) and np.allclose(hard.ems_min, -2)
    assert [c.name for c in hard.commitments] == ["energy"]
    overwrite = build(battery_body(context={**context, "relax-soc-constraints": True,
                                            "soc-minima-breach-price": "1 EUR/kWh"},
                                   **{"soc-at-start": 0, "soc-max": 1,
                                      "soc-minima": [{"datetime": at(1), "value": "0.5 MWh"}]}),
                      {"1": sensor("MW")})
    soft = {c.name: c for c in overwrite.commitments}
    assert np.allclose(soft["any soc minima"].v, -1000 * 1000)  # v0.28: the specific flag overwrites the price
    assert np.isinf(overwrite.devices[0].stock.s_min).sum() == 0  # the hard minimum is dropped, soc-min stays


def test_an_off_grid_start_keeps_its_grid_and_weighs_prices_by_overlap():
    prices = sensor("EUR/MWh", "PT15M", START, [0.0, 12.0, 12.0])
    body = battery_body("PT15M", {"consumption-price": {"sensor": 2}})
    body["start"] = "2026-01-01T00:05+00:00"
    problem = build(body, {"1": sensor("MW"), "2": prices})
    assert problem.window.start == T0 + timedelta(minutes=5) and problem.window.n == 1
    assert problem.commitments[0].u[0] / problem.window.hours == pytest.approx(4.0)  # 10 min at 0, 5 min at 12
