"""Solve a Problem with CBC: only an optimal status gives a schedule; costs per commitment."""
from __future__ import annotations

import gc
import time
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np

from chalicelib.scheduling.errors import InfeasibleProblemException, SolverError, UnboundedProblemException
from chalicelib.scheduling.model import build_model
from chalicelib.scheduling.problem import Problem

INFEASIBLE = ("The scheduling problem is infeasible: its constraints (state-of-charge targets, minima and maxima, "
              "device power limits and site capacities) cannot all be met at once.")
SIMULTANEITY = 1e-9  # MW: below this, P⁺ and P⁻ count as zero
UNBOUNDED = ("The scheduling problem is unbounded: costs can be lowered without limit, so some power or stock "
             "bound is missing.")


@dataclass
class Solution:
    problem: Problem
    power: list[np.ndarray]  # MW per flexible device, consumption positive
    costs: dict[str, float]  # <cur> per commitment name
    timings: dict[str, float] = field(default_factory=dict)  # seconds: build, solve

    @property
    def objective(self) -> float:
        return float(sum(self.costs.values()))


def solve(problem: Problem, solver: str = "cbc") -> Solution:
    """Raise InfeasibleProblemException, UnboundedProblemException or SolverError when there is no optimum."""
    import pulp

    from chalicelib.scheduling.cbc import cbc_command

    if solver != "cbc":
        raise SolverError(f"Unknown solver '{solver}'; only 'cbc' is available.")
    began = time.perf_counter()
    with _gc_paused():
        model = build_model(problem)
    built = time.perf_counter()
    command = cbc_command()
    status = model.lp.solve(command)
    # b starts relaxed: a relaxed optimum that never charges and discharges at once is feasible, hence optimal,
    # for the MILP (usual with positive prices, and much faster on long horizons). Otherwise solve the MILP.
    # An infeasible relaxation already proves the MILP infeasible.
    if model.switches and status == pulp.LpStatusOptimal and _simultaneous(model.switches):
        _make_binary(model.switches)
        status = model.lp.solve(command)
    _check_status(status, model.lp.sol_status, pulp)
    solved = time.perf_counter()
    power = [np.array([_value(p) + _value(m) for p, m in zip(dev.up, dev.down)]) for dev in model.devices]
    costs: dict[str, float] = defaultdict(float)
    for deviation in model.deviations:
        costs[deviation.name] += float(sum(price * _value(var) for var, price in deviation.terms))
    return Solution(problem, power, dict(costs), {"build": built - began, "solve": solved - built})


@contextmanager
def _gc_paused():
    """The model is ~10⁵ small objects that all stay alive; collecting during the build is pure overhead."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _make_binary(switches: list) -> None:
    import pulp

    for b, _, _ in switches:
        b.cat = pulp.LpInteger  # bounds are [0, 1] already; PuLP stores binaries as such integers


def _simultaneous(switches: list) -> bool:
    return any(_value(up) > SIMULTANEITY and _value(down) < -SIMULTANEITY for _, up, down in switches)


def _value(variable) -> float:
    value = variable.varValue
    return 0.0 if value is None else float(value)


def _check_status(status: int, sol_status: int, pulp) -> None:
    if status == pulp.LpStatusOptimal and sol_status == pulp.LpSolutionOptimal:
        return
    if status == pulp.LpStatusInfeasible or sol_status == pulp.LpSolutionInfeasible:
        raise InfeasibleProblemException(INFEASIBLE)
    if status == pulp.LpStatusUnbounded or sol_status == pulp.LpSolutionUnbounded:
        raise UnboundedProblemException(UNBOUNDED)
    raise SolverError(f"The solver stopped without an optimal schedule (status: {pulp.LpStatus.get(status, status)}); "
                      "it may have hit its time limit (FLEXCLOUD_SOLVER_TIME_LIMIT).")
