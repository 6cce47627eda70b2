"""Solve a Problem with CBC: only a proven optimum gives a schedule; costs per commitment."""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from chalicelib.scheduling.cbc import CbcResult, run_cbc
from chalicelib.scheduling.errors import (InfeasibleProblemException, SchedulingError, SolverError,
                                         UnboundedProblemException)
from chalicelib.scheduling.model import Model, build_model
from chalicelib.scheduling.mps import MpsText
from chalicelib.scheduling.problem import Problem

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
    timings: dict[str, float] = field(default_factory=dict)  # seconds: build, solve, cbc (its processes alone)
    # switches (candidate binaries), binaries (declared binary in the last CBC run), cbc_runs, fallback (1 if
    # lazy binaries gave way to full ones)
    stats: dict[str, int] = field(default_factory=dict)

    @property
    def objective(self) -> float:
        return float(sum(self.costs.values()))


def solve(problem: Problem, solver: str = "cbc", *, time_limit: float | None = None,
          binaries: str = "lazy") -> Solution:
    """`time_limit`: seconds for all CBC runs together (None: no limit). `binaries`: "lazy" declares binary only
    the switches an optimum needs, "full" all of them (same optimum, slower; kept to check the lazy one).
    Raise InfeasibleProblemException, UnboundedProblemException or SolverError when there is no optimum."""
    if solver != "cbc":
        raise SolverError(f"Unknown solver '{solver}'; only 'cbc' is available.")
    if binaries not in BINARIES:
        raise ValueError(f"binaries must be one of {BINARIES}, not {binaries!r}.")
    began = time.perf_counter()
    model = build_model(problem)
    _check_model(model)
    mps = MpsText(model)
    built = time.perf_counter()
    switches = model.switches
    paying = switches.paying(model.cost)
    # Lazy: binary from the start only where a relaxed optimum is simultaneous for sure; once one is
    # simultaneous anywhere, also wherever doing both pays by itself (storage at negative prices), as the next
    # optimum tends to move there. Each run costs a CBC start and, with binaries, its MILP machinery.
    binary = np.ones(len(switches), bool) if binaries == "full" else switches.sure & paying
    runs, fallback, cbc_seconds = 0, False, 0.0
    # Lazy binaries are exact. Every run solves a relaxation of the MILP (some b relaxed to [0, 1]), so its
    # optimum is a lower bound on the MILP's. When no relaxed switch has x > 0 and y < 0 at once, setting each
    # relaxed b to 1 where x > 0 and to 0 elsewhere satisfies x ≤ x_max·b and y ≥ y_min·(1 − b) (the relaxed
    # rows already bound x by x_max and y by y_min): the solution is feasible for the MILP at the lower bound's
    # cost, hence optimal. Otherwise the simultaneous switches become binary and the model is solved again.
    # Switches already binary may show x and y at once only within CBC's integer tolerance; a full-binary
    # solve accepts the same, so they do not count. An infeasible relaxation proves the MILP infeasible.
    while True:
        result = run_cbc(mps.text(binary), len(model.lower), time_limit=_remaining(time_limit, began),
                         integer=bool(binary.any()))
        runs += 1
        cbc_seconds += result.seconds
        _check_status(result)
        simultaneous = ~binary & _simultaneous(switches, result.values)
        if not simultaneous.any():
            break
        if runs >= MAX_LAZY_RUNS:
            binary[:], fallback = True, True
        else:
            binary |= simultaneous | paying
    solved = time.perf_counter()
    x = result.values
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
    """A column whose bounds leave no value makes the problem infeasible (and CBC would reject the file);
    an infinite coefficient means a big-M over unbounded power."""
    if np.any((model.lower > model.upper) | (model.lower == np.inf) | (model.upper == -np.inf)):
        raise InfeasibleProblemException(INFEASIBLE)
    if not (np.isfinite(model.entries[2]).all() and np.isfinite(model.rhs).all() and np.isfinite(model.cost).all()):
        raise SchedulingError("Pricing going up below going down needs finite power bounds on every device.")


def _check_status(result: CbcResult) -> None:
    if result.status == "Optimal":
        return
    if result.status in ("Infeasible", "Integer"):  # "Integer infeasible": the relaxation is feasible
        raise InfeasibleProblemException(INFEASIBLE)
    if result.status == "Unbounded":
        raise UnboundedProblemException(UNBOUNDED)
    raise SolverError(f"The solver stopped without an optimal schedule ({result.detail}); it may have hit its "
                      "time limit.")
