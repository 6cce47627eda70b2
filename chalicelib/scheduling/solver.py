"""Solve a Problem with CBC: only a proven optimum gives a schedule; costs per commitment."""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import pulp

from chalicelib.scheduling.cbc import cbc_command
from chalicelib.scheduling.errors import (InfeasibleProblemException, SchedulingError, SolverError,
                                         UnboundedProblemException)
from chalicelib.scheduling.model import Model, build_model
from chalicelib.scheduling.problem import Problem
from chalicelib.scheduling.pulp_model import PulpModel

INFEASIBLE = ("The scheduling problem is infeasible: its constraints (state-of-charge targets, minima and maxima, "
              "device power limits and site capacities) cannot all be met at once.")
SIMULTANEITY = 1e-9  # MW (or the commitment's unit): below this, x and y of a switch count as zero
UNBOUNDED = ("The scheduling problem is unbounded: costs can be lowered without limit, so some power or stock "
             "bound is missing.")
BINARIES = ("lazy", "full")
# Lazy rounds allowed before giving up on them and declaring every switch binary (see solve). Each round adds
# at least one binary, and on the problems we know a second round is rare.
MAX_LAZY_RUNS = 8


@dataclass
class Solution:
    problem: Problem
    power: list[np.ndarray]  # MW per flexible device, consumption positive
    costs: dict[str, float]  # <cur> per commitment name
    # seconds: build, solve (PuLP's CBC runs: MPS files written, CBC, solutions read), cbc (CPU of CBC's processes)
    timings: dict[str, float] = field(default_factory=dict)
    # switches (candidate binaries), binaries (declared binary in the last CBC run), cbc_runs, fallback (1 if
    # lazy binaries gave way to full ones)
    stats: dict[str, int] = field(default_factory=dict)

    @property
    def objective(self) -> float:
        return float(sum(self.costs.values()))


def solve(problem: Problem, *, time_limit: float | None = None, binaries: str = "lazy") -> Solution:
    """`time_limit`: seconds for all CBC runs together (None: no limit). `binaries`: "lazy" declares binary only
    the switches an optimum needs, "full" all of them (same optimum, slower; kept to check the lazy one).
    Raise InfeasibleProblemException, UnboundedProblemException or SolverError when there is no optimum."""
    if binaries not in BINARIES:
        raise ValueError(f"binaries must be one of {BINARIES}, not {binaries!r}.")
    began = time.perf_counter()
    model = build_model(problem)
    _check_model(model)
    lp = PulpModel(model)
    built = time.perf_counter()
    switches = model.switches
    paying = switches.paying(model.cost)
    # Lazy: binary from the start only where a relaxed optimum is simultaneous for sure; once one is
    # simultaneous anywhere, also wherever doing both pays by itself (storage at negative prices), as the next
    # optimum tends to move there. Each run costs an MPS file, a CBC start and, with binaries, its MILP machinery.
    binary = np.ones(len(switches), bool) if binaries == "full" else switches.sure & paying
    runs, fallback, cbc_seconds = 0, False, 0.0
    # Lazy binaries are exact. Every run solves a relaxation of the MILP (some b relaxed to [0, 1]), so its
    # optimum is a lower bound on the MILP's. When no relaxed switch has x > 0 and y < 0 at once, setting each
    # relaxed b to 1 where x > 0 and to 0 elsewhere satisfies x ≤ x_max·b and y ≥ y_min·(1 − b) (the relaxed
    # rows already bound x by x_max and y by y_min): the solution is feasible for the MILP at the lower bound's
    # cost, hence optimal. Otherwise the simultaneous switches become binary and the model is solved again.
    # Switches already binary may show x and y at once only within CBC's integer tolerance; a full-binary
    # solve accepts the same, so they do not count. An infeasible relaxation proves the MILP infeasible.
    # Between runs only the switches' category changes: the same LpProblem is solved again.
    while True:
        lp.declare_binary(binary)
        cbc_seconds += _run(lp, cbc_command(_remaining(time_limit, began), mip=bool(binary.any())))
        runs += 1
        x = lp.values()
        simultaneous = ~binary & _simultaneous(switches, x)
        if not simultaneous.any():
            break
        if runs >= MAX_LAZY_RUNS:
            binary[:], fallback = True, True
        else:
            binary |= simultaneous | paying
    solved = time.perf_counter()
    power = [x[dev.up] + x[dev.down] for dev in model.devices]
    costs: dict[str, float] = {}
    for deviation in model.deviations:
        costs[deviation.name] = costs.get(deviation.name, 0.0) + deviation.cost(x)
    return Solution(problem, power, costs,
                    {"build": built - began, "solve": solved - built, "cbc": cbc_seconds},
                    {"switches": len(switches), "binaries": int(binary.sum()), "cbc_runs": runs,
                     "fallback": int(fallback)})


def _simultaneous(switches, values: np.ndarray) -> np.ndarray:
    return (values[switches.x] > SIMULTANEITY) & (values[switches.y] < -SIMULTANEITY)


def _remaining(time_limit: float | None, began: float) -> float | None:
    if time_limit is None:
        return None
    left = time_limit - (time.perf_counter() - began)
    if left <= 0:
        raise SolverError(f"The solver ran out of its time limit of {time_limit:g} s without an optimal schedule.")
    return left


def _check_model(model: Model) -> None:
    """A column whose bounds leave no value makes the problem infeasible (and CBC would reject its MPS file);
    an infinite coefficient means a big-M over unbounded power."""
    if np.any((model.lower > model.upper) | (model.lower == np.inf) | (model.upper == -np.inf)):
        raise InfeasibleProblemException(INFEASIBLE)
    if not (np.isfinite(model.entries[2]).all() and np.isfinite(model.rhs).all() and np.isfinite(model.cost).all()):
        raise SchedulingError("Pricing going up below going down needs finite power bounds on every device.")


def _run(lp: PulpModel, command) -> float:
    """One CBC run through PuLP; only a proven optimum passes. CBC's CPU seconds."""
    try:
        seconds = lp.solve(command)
    except pulp.PulpSolverError as exc:
        raise SolverError(f"The solver failed without a solution ({exc}).") from None
    status, sol_status = lp.problem.status, lp.problem.sol_status
    if status == pulp.LpStatusOptimal and sol_status == pulp.LpSolutionOptimal:
        return seconds
    if status == pulp.LpStatusInfeasible:  # CBC's "Integer infeasible" too: the relaxation is feasible
        raise InfeasibleProblemException(INFEASIBLE)
    if status == pulp.LpStatusUnbounded:
        raise UnboundedProblemException(UNBOUNDED)
    # "Stopped on time" with an incumbent reads as Optimal with an integer-feasible (unproven) solution.
    raise SolverError(f"The solver stopped without an optimal schedule (status: {pulp.LpStatus[status]}, solution: "
                      f"{pulp.LpSolution[sol_status]}); it may have hit its time limit.")
