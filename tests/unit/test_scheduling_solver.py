"""The MILP and the full scheduling path: scheduling.md §12 worked examples, benchmark costs, failures."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import numpy as np
import pytest

from tests.fixtures import BENCH_DIR
from chalicelib.scheduling.errors import InfeasibleProblemException, UnboundedProblemException
from chalicelib.scheduling.problem import Commitment, Device
from chalicelib.scheduling.solver import solve
from chalicelib.scheduling.sources import SensorInfo
from tests.unit.scheduling_fixtures import asset_schedule, sensor, solve_problem_file
from tests.unit.scheduling_problems import HOUR, INF, energy, problem, storage, window


# --- MILP-level examples (A–C call the optimiser directly, hourly, stock in MWh) ---------------------------
J = np.arange(24)
A_SELL, A_BUY = 90 + J / 23, 100 + J / 23


def test_example_a_commitment_groups():
    battery = storage(1, 0.4, -0.4, 0.6, -1, 1)
    plain = solve(problem([battery], [energy(A_BUY, A_SELL)]))
    assert plain.objective == pytest.approx(-36.4)
    assert plain.power[0][-1] == pytest.approx(-0.4) and np.allclose(plain.power[0][:-1], 0)

    floor = Commitment("floor", "any", "ems", np.full(24, -0.1), v=np.full(24, -1000.0))
    limited = solve(problem([battery], [energy(A_BUY, A_SELL), floor]))
    assert limited.objective == pytest.approx(sum(A_SELL[20:]) * -0.1)
    assert np.allclose(limited.power[0][20:], -0.1) and np.allclose(limited.power[0][:20], 0)
    assert limited.costs["floor"] == pytest.approx(0, abs=1e-6)

    peak = Commitment("peak", "any", "ems", np.zeros(24), np.full(24, 80.0), np.full(24, -80.0))
    flat = solve(problem([battery], [energy(A_BUY, A_SELL), peak]))
    assert np.allclose(flat.power[0], -0.4 / 24)
    assert flat.costs["energy"] == pytest.approx(sum(A_SELL) * -0.4 / 24)
    assert flat.costs["peak"] == pytest.approx(80 * 0.4 / 24)
    assert flat.objective == pytest.approx(sum(flat.costs.values()))


def example_b(*extra, s_min=-0.4, s_max=0.6):
    u, v = A_BUY.copy(), A_SELL.copy()
    u[10], v[10] = 0, -10
    start = datetime(2020, 1, 1, tzinfo=timezone(timedelta(hours=1)))
    battery = storage(1, 0.4, s_min, s_max, -1, 1)
    breach = Commitment("breach", "any", "ems", np.full(24, 0.1), u=np.full(24, 1000.0))
    result = problem([battery], [energy(u, v), breach, *extra])
    result.window = window(24, start)
    return battery, result


def test_example_b_unavoidable_capacity_breach():
    battery, plain = example_b()
    power = solve(plain).power[0]
    assert power[10] == pytest.approx(0.1) and power[-1] == pytest.approx(-0.5)
    assert np.allclose(np.delete(power, [10, 23]), 0)

    s_min, s_max = np.full(24, -0.4), np.full(24, 0.6)
    s_min[0] = s_max[0] = 0.2  # target SoC 0.6 at 01:00+01
    _, target = example_b(s_min=s_min, s_max=s_max)
    power = solve(target).power[0]
    assert power[0] == pytest.approx(0.2) and power[10] == pytest.approx(0.2)  # the breach is paid already
    assert power[-1] == pytest.approx(-0.8) and power.sum() == pytest.approx(-0.4)

    each = Commitment("breaches", "each", "ems", np.full(24, 0.1), u=np.full(24, 1000.0))
    _, both = example_b(each, s_min=s_min, s_max=s_max)
    solution = solve(both)
    power = solution.power[0]
    assert power[0] == pytest.approx(0.2) and power[10] == pytest.approx(0.1)
    assert power.sum() == pytest.approx(-0.4)
    assert solution.costs["breach"] == pytest.approx(100) and solution.costs["breaches"] == pytest.approx(100)


C_PRICES = [0.8598, 1.4613, 2430.3887, 3000.1779, 18.6619, 369.3274, 169.8719, 174.2279, 174.2279, 174.2279,
            175.4258, 1.5697, 174.2763, 174.2279, 175.2564, 202.6992, 218.4413, 229.9242, 295.1069, 240.7174,
            249.2479, 238.2732, 229.8395, 216.5779]


def ev(sensor_id: int, limit: float = 1.0) -> Device:
    p_max = np.full(24, limit)
    p_max[0] = 0  # slot 0 blocked
    return storage(sensor_id, 0.0, 0.0, 1.0, 0.0, p_max)


def ev_target(device: int, row: int) -> Commitment:
    q = np.full(24, np.nan)
    q[row] = 1.0
    return Commitment(f"target {device}", "each", "stock", q, np.full(24, 10_000.0), np.full(24, -10_000.0),
                      device=device)


def test_example_c_two_evs_joint():
    prices = np.array(C_PRICES)
    joint = solve(problem([ev(1), ev(2)], [energy(prices, prices), ev_target(0, 6), ev_target(1, 3)],
                          ems=(0, 1)))
    assert joint.power[0][4] == pytest.approx(1) and joint.power[0].sum() == pytest.approx(1)
    assert joint.power[1][1] == pytest.approx(1) and joint.power[1].sum() == pytest.approx(1)
    assert joint.costs["energy"] == pytest.approx(18.6619 + 1.4613)

    limited = solve(problem([ev(1, 0.25), ev(2, 0.25)],
                            [energy(prices, prices), ev_target(0, 6), ev_target(1, 3)], ems=(0, 0.25)))
    site = limited.power[0] + limited.power[1]
    assert np.allclose(site[1:7], 0.25) and np.allclose(site[7:], 0)
    assert limited.costs["energy"] == pytest.approx(1497.47, abs=0.01)  # the split between EVs is degenerate
    unmet = 10_000 * 0.5
    assert limited.costs["target 0"] + limited.costs["target 1"] == pytest.approx(unmet)


# --- full flex-model path -------------------------------------------------------------------------------
def ev_entry(sensor_id: int, target_time: str) -> dict:
    return {"sensor": sensor_id, "soc-at-start": "0 MWh", "soc-min": "0 MWh", "soc-max": "1 MWh",
            "power-capacity": "1 MW", "production-capacity": "0 MW",
            "consumption-capacity": [{"start": "2026-01-01T00:00+00:00", "duration": "PT1H", "value": "0 MW"}],
            "soc-targets": [{"datetime": target_time, "value": "1 MWh"}],
            "prefer-charging-sooner": False, "prefer-curtailing-later": False}


def ev_body(sequential: bool) -> tuple[dict, dict]:
    body = {"start": "2026-01-01T00:00+00:00", "duration": "PT24H", "sequential": sequential,
            "flex-model": [ev_entry(1, "2026-01-01T07:00+00:00"), ev_entry(2, "2026-01-01T04:00+00:00")],
            "flex-context": {"consumption-price": {"sensor": 3}, "site-power-capacity": "1 MW"}}
    sensors = {"1": sensor("MW", "PT1H"), "2": sensor("MW", "PT1H"),
               "3": sensor("EUR/MWh", "PT1H", "2026-01-01T00:00+00:00", C_PRICES)}
    return body, sensors


def test_example_c_joint_and_sequential_through_flex_models():
    joint = asset_schedule(*ev_body(False))
    assert [s.values.index(1.0) for s in joint.power] == [4, 1]
    assert joint.costs["energy"] == pytest.approx(18.6619 + 1.4613)
    sequential = asset_schedule(*ev_body(True))
    assert [s.values.index(1.0) for s in sequential.power] == [1, 2]
    assert [sum(s.values) for s in sequential.power] == [1.0, 1.0]
    assert sequential.costs["energy"] == pytest.approx(1.4613 + 2430.3887)


def example_d() -> tuple[dict, dict]:
    start = "2015-01-01T00:00+01:00"
    body = {
        "start": start, "duration": "PT24H",
        "flex-model": [{"sensor": 1, "soc-at-start": "0.4 MWh", "soc-min": "0 MWh", "soc-max": "1 MWh",
                        "power-capacity": "1 MVA", "prefer-charging-sooner": False,
                        "soc-minima": [{"datetime": "2015-01-02T00:00+01:00", "value": "1 MWh"}]}],
        "flex-context": {
            "consumption-price": [{"start": start, "duration": "PT24H", "value": "100 EUR/MWh"}],
            "production-price": [{"start": start, "duration": "PT24H", "value": "90 EUR/MWh"}],
            "site-power-capacity": "2 MW", "site-consumption-capacity": "1 kW",
            "site-consumption-breach-price": "1000 EUR/kW", "site-production-breach-price": "1000 EUR/kW",
            "site-peak-consumption": "20 kW", "site-peak-production": "20 kW",
            "site-peak-consumption-price": "260 EUR/MW", "site-peak-production-price": "260 EUR/MW",
            "soc-minima-breach-price": "6000 EUR/kWh",
        },
    }
    return body, {"1": sensor("MW", "PT15M")}


def test_example_d_multiple_commitments():
    result = asset_schedule(*example_d())
    assert result.window.n == 96
    assert np.allclose(result.power[0].values, 0.025)
    costs = result.costs
    assert costs["energy"] == pytest.approx(60)
    assert costs["any consumption breach"] == pytest.approx(24_000)
    assert costs["all consumption breaches"] == pytest.approx(576_000)
    assert costs["any production breach"] == pytest.approx(0, abs=1e-6) and costs["all production breaches"] == pytest.approx(0, abs=1e-6)
    assert costs["consumption peak"] == pytest.approx(1.3)
    assert costs["production peak"] == pytest.approx(0, abs=1e-6)
    assert costs["prefer curtailing device 0 later"] >= 0
    assert result.cost_summary["total"] == pytest.approx(60 + 24_000 + 576_000 + 1.3)


def day_2(roundtrip: float = 1.0, storage_efficiency: float = 1.0) -> tuple[dict, dict]:
    start = "2015-01-02T00:00+01:00"
    prices = [100.0] * 32 + [90.0] * 32 + [100.0] * 32
    body = {"start": start, "duration": "PT24H",
            "flex-model": [{"sensor": 1, "soc-at-start": 2.5, "soc-min": 0.5, "soc-max": 4.5,
                            "power-capacity": "2 MW", "roundtrip-efficiency": roundtrip,
                            "storage-efficiency": storage_efficiency, "prefer-curtailing-later": False,
                            "state-of-charge": {"sensor": 3}}],
            "flex-context": {"consumption-price": {"sensor": 2}}}
    return body, {"1": sensor("MW"), "2": sensor("EUR/MWh", "PT15M", start, prices),
                  "3": sensor("MWh", "PT0M")}


@pytest.mark.parametrize("roundtrip, storage_efficiency, at_8, at_16", [
    (1, 1, 0.5, 4.5), (1, 0.999, 0.5, 4.5), (0.99, 1, 0.5, 4.5), (0.01, 1, 2.5, 2.5), (1, 0.5, 0.5, 0.5)])
def test_example_e_day_2(roundtrip, storage_efficiency, at_8, at_16):
    result = asset_schedule(*day_2(roundtrip, storage_efficiency))
    soc = result.soc[0].values
    assert len(soc) == 97 and soc[0] == 2.5
    assert soc[32] == pytest.approx(at_8, abs=1e-3) and soc[64] == pytest.approx(at_16, abs=1e-3)
    assert soc[-1] == pytest.approx(0.5, abs=1e-3)


def day_3(production_prices: list[float] | None) -> tuple[dict, dict]:
    start = "2015-01-03T00:00+01:00"
    consumption = [-10.0] * 8 + [100.0] * 16
    body = {"start": start, "duration": "PT24H",
            "flex-model": [{"sensor": 1, "soc-at-start": 2, "soc-min": 0, "soc-max": 2, "power-capacity": "2 MW",
                            "roundtrip-efficiency": 0.9, "prefer-charging-sooner": False,
                            "prefer-curtailing-later": False}],
            "flex-context": {"consumption-price": {"sensor": 2}}}
    sensors = {"1": sensor("MW", "PT1H"), "2": sensor("EUR/MWh", "PT1H", start, consumption)}
    if production_prices:
        body["flex-context"]["production-price"] = {"sensor": 3}
        sensors["3"] = sensor("EUR/MWh", "PT1H", start, production_prices)
    return body, sensors


def test_example_e_day_3_cycles_only_with_equal_prices():
    cycling = asset_schedule(*day_3(None)).power[0].values
    assert min(cycling[:8]) < 0 < max(cycling[:8])  # discharging and charging alternate in negative hours
    single = asset_schedule(*day_3([-50.0] * 8 + [60.0] * 16)).power[0].values
    discharges = [p for p in single if p < 0]
    assert discharges == [pytest.approx(-2 * 0.9 ** 0.5, abs=1e-5)]
    assert all(p >= -1e-9 for p in single if p not in discharges)


def test_production_price_above_consumption_price_stays_bounded():
    # Selling dearer than buying: without sign binaries the LP would buy and sell at once without limit.
    result = asset_schedule(*day_3([200.0] * 24))
    power = np.array(result.power[0].values)
    assert np.all(np.abs(power) <= 2 + 1e-9)
    # The reported cost is the real one: consumption at the consumption price, production at the production price.
    consumption = np.array([-10.0] * 8 + [100.0] * 16)
    expected = np.sum(consumption * np.maximum(power, 0) + 200.0 * np.minimum(power, 0))
    assert result.costs["energy"] == pytest.approx(expected, rel=1e-6)
    assert expected < -379  # it does better than one full discharge at 200 EUR/MWh


def test_a_device_no_row_or_price_names_still_keeps_its_power_bounds():
    # Free energy and no site limits: the device's columns appear in no row and with a zero price, yet its
    # power must stay within [0.5, 1] MW (it cannot switch off), and the cost is 0.
    must_run = Device(SensorInfo(1, "MW", HOUR), np.full(24, 0.5), np.full(24, 1.0))
    solution = solve(problem([must_run], [energy(np.zeros(24), np.zeros(24))]))
    assert np.all(solution.power[0] >= 0.5 - 1e-9) and np.all(solution.power[0] <= 1 + 1e-9)
    assert solution.costs == {"energy": 0.0}


# --- benchmarks -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name, expected", [("P1", -658.143045), ("P2", 368.145314)])
def test_bench_problems_match_flexmeasures(name, expected):
    with open(BENCH_DIR / f"{name}.json", encoding="utf-8") as handle:
        document = solve_problem_file(json.load(handle))
    assert document["costs"]["energy"] == pytest.approx(expected, rel=1e-6)
    assert document["costs"]["total"] == pytest.approx(expected, rel=1e-6)
    values = document["schedules"]["1"]["values"]
    assert len(values) == 192 and max(abs(v) for v in values) <= 1.0


# --- failures ---------------------------------------------------------------------------------------------
def test_infeasible_problem_raises_with_a_reason():
    battery = storage(1, 0.0, 0.0, 1.0, 0.0, 0.1)
    impossible = Commitment("energy", "each", "ems", np.zeros(24), np.ones(24), np.ones(24))
    unreachable = problem([battery], [impossible], ems=(0.5, INF))  # the site must consume ≥ 0.5 MW
    with pytest.raises(InfeasibleProblemException) as caught:
        solve(unreachable)
    assert "infeasible" in caught.value.reason and caught.value.reason.startswith("InfeasibleProblemException: ")


def test_unbounded_problem_raises_with_a_reason():
    free = Device(SensorInfo(1, "MW", HOUR), np.full(24, -INF), np.full(24, INF))
    with pytest.raises(UnboundedProblemException) as caught:
        solve(problem([free], [energy(np.ones(24), np.ones(24))]))
    assert "unbounded" in str(caught.value)
