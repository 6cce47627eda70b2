"""Lazy binaries reach the full MILP's optimum: bench problems, problems that need binaries, random problems,
the fallback to full binaries, and the solver's time limit."""
from __future__ import annotations

import json

import numpy as np
import pulp
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from benchmarks.scheduling import long_horizon_problem
from chalicelib.scheduling import cbc, solver
from chalicelib.scheduling.errors import InfeasibleProblemException, SchedulingError, SolverError
from chalicelib.scheduling.model import EQ, GE, LE, build_model
from chalicelib.scheduling.problem import Commitment, Device
from chalicelib.scheduling.pulp_model import PulpModel
from chalicelib.scheduling.solver import solve
from chalicelib.scheduling.sources import SensorInfo
from tests.fixtures import BENCH_DIR
from tests.unit.scheduling_problems import HOUR, INF, energy, file_problem, infeasibilities, problem, storage

REFERENCE = {"P1": -658.143045, "P2": 368.145314}


def both(given_problem):
    lazy, full = solve(given_problem, binaries="lazy"), solve(given_problem, binaries="full")
    assert lazy.objective == pytest.approx(full.objective, rel=1e-6, abs=1e-6)
    assert infeasibilities(lazy) == [] and infeasibilities(full) == []
    assert full.stats["binaries"] == full.stats["switches"] and full.stats["cbc_runs"] == 1
    return lazy, full


def bench(name: str):
    with open(BENCH_DIR / f"{name}.json", encoding="utf-8") as handle:
        return file_problem(json.load(handle))


@pytest.mark.parametrize("name", ["P1", "P2"])
def test_bench_problems_reach_flexmeasures_cost_in_both_modes(name):
    lazy, full = both(bench(name))
    for solution in (lazy, full):
        assert solution.costs["energy"] == pytest.approx(REFERENCE[name], rel=1e-6)
    assert lazy.stats["switches"] == 192
    if name == "P1":  # negative prices: the relaxation charges and discharges at once, then 32 steps need b
        assert lazy.stats == {"switches": 192, "binaries": 32, "cbc_runs": 2, "fallback": 0}
    else:  # the relaxation is already optimal
        assert lazy.stats == {"switches": 192, "binaries": 0, "cbc_runs": 1, "fallback": 0}


@pytest.mark.parametrize("shift, binaries", [(0.0, 0), (40.0, 476)])
def test_long_benchmark_problems_reach_the_same_optimum(shift, binaries):
    # benchmarks/scheduling.py's 2,520-step battery; prices lowered by 40 EUR/MWh make 476 steps negative.
    lazy, full = both(file_problem(long_horizon_problem(shift=shift)))
    assert lazy.stats["binaries"] == binaries and lazy.stats["cbc_runs"] == (1 if binaries == 0 else 2)


NEGATIVE_THEN_DEAR = [-10.0] * 8 + [100.0] * 16


def lossy(sensor_id: int = 1, s0: float = 2.0, room: float = 0.0, capacity: float = 2.0, power: float = 2.0,
          eta: float = 0.9 ** 0.5):
    """A battery starting at s0 with `room` left above it and `capacity` in all."""
    return storage(sensor_id, s0, -s0, room, -power, power, eta_c=eta, eta_d=eta)


def test_negative_prices_need_binaries():
    # Full at the start and paid to consume: the relaxation burns energy by charging and discharging at once.
    lazy, full = both(problem([lossy()], [energy(NEGATIVE_THEN_DEAR, NEGATIVE_THEN_DEAR)]))
    assert lazy.stats["binaries"] < lazy.stats["switches"] and lazy.stats["cbc_runs"] == 2
    assert min(lazy.power[0][:8]) < 0 < max(lazy.power[0][:8])  # it alternates instead


def test_negative_prices_priced_through_deviations_need_more_rounds():
    # Buying dearer than selling splits the energy cost into deviation columns: doing both at once no longer
    # pays by itself on the device's columns, so only the relaxed optima show where binaries are needed.
    buy = np.array(NEGATIVE_THEN_DEAR)
    lazy, _ = both(problem([lossy()], [energy(buy, buy - 5)]))
    assert lazy.stats["cbc_runs"] >= 2 and 0 < lazy.stats["binaries"] < lazy.stats["switches"]


def test_tight_soc_band_with_targets():
    s_min, s_max = np.full(24, -0.3), np.full(24, 0.3)
    s_min[5] = s_max[5] = 0.2  # a target
    s_min[15] = 0.25  # a minimum
    prices = np.array([-30.0, -5, 20, -40, 60, 10] * 4)
    battery = storage(1, 1.0, s_min, s_max, -0.5, 0.5, eta_c=0.8, eta_d=0.9)
    lazy, _ = both(problem([battery], [energy(prices, prices)]))
    assert lazy.stats["binaries"] > 0


def test_several_devices_share_a_site_limit():
    prices = np.array([-20.0, -35, 15, 80, -10, -60, 40, 90] * 3)
    devices = [lossy(1, s0=1.0, room=0.1, power=1.0, eta=0.9), lossy(2, s0=0.5, room=0.2, power=0.8, eta=0.95),
               storage(3, 0.0, 0.0, 1.0, 0.0, 0.6, eta_c=0.9)]  # a one-way device has no switch
    load = 0.3 + 0.2 * np.sin(np.arange(24))
    lazy, _ = both(problem(devices, [energy(prices, prices)], ems=(-1.2, 1.5), inflexible=[load]))
    assert lazy.stats["switches"] == 48 and 0 < lazy.stats["binaries"] < 48


def test_production_dearer_than_consumption_starts_with_sign_binaries():
    # u < v on every row: a relaxed optimum would buy and sell at once everywhere, so these start binary.
    given_problem = problem([lossy(room=0.0)], [energy(np.full(24, 50.0), np.full(24, 80.0))])
    lazy, _ = both(given_problem)
    assert lazy.stats["binaries"] >= 24 and lazy.stats["cbc_runs"] == 1


@settings(max_examples=30, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_random_problems_reach_the_same_optimum(data):
    n = data.draw(st.integers(6, 16), "steps")
    devices = []
    for d in range(data.draw(st.integers(1, 3), "devices")):
        capacity = data.draw(st.floats(0.5, 3.0), "capacity")
        s0 = data.draw(st.floats(0.0, 1.0), "start share") * capacity
        power = data.draw(st.floats(0.2, 2.0), "power")
        eta_c, eta_d = data.draw(st.sampled_from([(1.0, 1.0), (0.95, 0.95), (0.8, 1.0), (0.9, 0.7)]), "etas")
        eta_s = data.draw(st.sampled_from([1.0, 0.99]), "storage efficiency")
        devices.append(storage(d + 1, s0, -s0, capacity - s0, -power, power, n, eta_c, eta_d, eta_s))
    buy = np.array(data.draw(st.lists(st.floats(-60, 100), min_size=n, max_size=n), "prices"))
    sell = buy - np.array(data.draw(st.lists(st.sampled_from([0.0, 0.0, 5.0, -5.0]), min_size=n, max_size=n),
                                    "spread"))
    limit = data.draw(st.sampled_from([INF, 1.0, 2.5]), "site limit")
    commitments = [energy(buy, sell, n)]
    if data.draw(st.booleans(), "peak"):
        commitments.append(Commitment("peak", "any", "ems", np.full(n, 0.5), u=np.full(n, 30.0)))
    given_problem = problem(devices, commitments, n, ems=(-limit, limit))
    try:
        full = solve(given_problem, binaries="full")
    except SchedulingError as exc:
        with pytest.raises(type(exc)):
            solve(given_problem, binaries="lazy")
        return
    lazy = solve(given_problem, binaries="lazy")
    assert lazy.objective == pytest.approx(full.objective, rel=1e-6, abs=1e-6)
    assert infeasibilities(lazy) == []
    assert lazy.stats["fallback"] == 0


def test_too_many_lazy_rounds_fall_back_to_full_binaries(monkeypatch):
    given_problem = problem([lossy()], [energy(NEGATIVE_THEN_DEAR, NEGATIVE_THEN_DEAR)])
    full = solve(given_problem, binaries="full")
    monkeypatch.setattr(solver, "MAX_LAZY_RUNS", 1)
    fallen = solve(given_problem, binaries="lazy")
    assert fallen.stats == {"switches": 24, "binaries": 24, "cbc_runs": 2, "fallback": 1}
    assert fallen.objective == pytest.approx(full.objective, rel=1e-6) and infeasibilities(fallen) == []


def test_lazy_rounds_solve_the_same_pulp_problem(monkeypatch):
    built = []

    def counted(matrix_model):
        built.append(PulpModel(matrix_model))
        return built[-1]

    monkeypatch.setattr(solver, "PulpModel", counted)
    lazy = solve(problem([lossy()], [energy(NEGATIVE_THEN_DEAR, NEGATIVE_THEN_DEAR)]))
    assert lazy.stats["cbc_runs"] == 2 and len(built) == 1  # the second run only changed the switches' category
    assert sum(v.cat == pulp.LpInteger for v in built[0].switches) == lazy.stats["binaries"] > 0


def test_model_senses_are_pulps():
    assert (LE, GE, EQ) == (pulp.LpConstraintLE, pulp.LpConstraintGE, pulp.LpConstraintEQ)


def test_unknown_binaries_mode_is_refused():
    with pytest.raises(ValueError, match="binaries"):
        solve(problem([lossy()], [energy(NEGATIVE_THEN_DEAR, NEGATIVE_THEN_DEAR)]), binaries="some")


def test_a_spent_time_limit_fails_before_cbc_runs():
    with pytest.raises(SolverError, match="time limit"):
        solve(bench("P1"), time_limit=1e-9)


def test_cbc_stops_at_its_time_limit():
    model = build_model(bench("P1"))
    lp = PulpModel(model)
    lp.declare_binary(np.ones(len(lp.switches), bool))
    lp.solve(cbc.cbc_command(1e-6))
    assert lp.problem.sol_status != pulp.LpSolutionOptimal  # stopped: no solution, or one not proven optimal
    lp.solve(cbc.cbc_command(60))
    assert (lp.problem.status, lp.problem.sol_status) == (pulp.LpStatusOptimal, pulp.LpSolutionOptimal)
    x = lp.values()
    assert sum(d.cost(x) for d in model.deviations) == pytest.approx(solve(bench("P1")).objective, rel=1e-9)


def test_bounds_that_leave_no_value_are_infeasible():
    battery = storage(1, 1.0, 0.5, 0.2, -1, 1)  # the stock must stay at least 0.5 and at most 0.2 above s0
    with pytest.raises(InfeasibleProblemException):
        solve(problem([battery], [energy(np.ones(24), np.ones(24))]))


def test_sign_binaries_over_unbounded_power_are_refused():
    free = Device(SensorInfo(1, "MW", HOUR), np.full(24, -INF), np.full(24, INF))
    with pytest.raises(SchedulingError, match="finite power bounds"):
        solve(problem([free], [energy(np.full(24, 50.0), np.full(24, 80.0))]))


def test_a_solver_that_fails_gives_a_solver_error(tmp_path, monkeypatch):
    failing = tmp_path / "cbc"
    failing.write_text("#!/bin/sh\nexit 3\n")
    failing.chmod(0o755)
    monkeypatch.setattr(cbc, "cbc_path", lambda: str(failing))
    with pytest.raises(SolverError, match="failed without a solution"):
        solve(problem([lossy()], [energy(NEGATIVE_THEN_DEAR, NEGATIVE_THEN_DEAR)]))
