"""A matrix Model as one PuLP problem: a variable per column, a constraint per row; only the switches' category
changes between solves."""
from __future__ import annotations

import gc
import math
import resource
from contextlib import contextmanager

import numpy as np
import pulp

from chalicelib.scheduling.model import Model


class PulpModel:
    """The LpProblem of a Model, its variables in column order and the switch variables (see model.Switches)."""

    def __init__(self, model: Model):
        with _gc_paused():
            self.problem = pulp.LpProblem("schedule", pulp.LpMinimize)
            self.variables = _variables(self.problem, model)
            self.problem.setObjective(_objective(self.variables, model))
            _add_rows(self.problem, self.variables, model)
        self.switches = [self.variables[b] for b in model.switches.b.tolist()]

    def declare_binary(self, binary: np.ndarray) -> None:
        """`binary` per switch: integer (its bounds are [0, 1], so binary) or continuous in [0, 1]."""
        for variable, is_binary in zip(self.switches, binary.tolist()):
            variable.cat = pulp.LpInteger if is_binary else pulp.LpContinuous

    def solve(self, command) -> float:
        """Run PuLP's CBC command on the problem; the CPU seconds of CBC's process (PuLP writes the MPS file and
        reads the solution back in this process, so this separates CBC's work from PuLP's)."""
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        with _gc_paused():  # PuLP's MPS writer and solution reader make ~10⁵ short-lived containers
            self.problem.solve(command)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)

    def values(self) -> np.ndarray:
        """The last solution per column (every column is in the problem, so PuLP read a value for each)."""
        return np.array([variable.varValue for variable in self.variables], float)


@contextmanager
def _gc_paused():
    """The problem is ~10⁵ small objects that all stay alive while it is built and solved; collecting then is
    pure overhead."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _variables(problem: pulp.LpProblem, model: Model) -> list[pulp.LpVariable]:
    """Named x0…: PuLP sorts variables by name before each solve, and zero-padded names are sorted already."""
    width = len(str(max(len(model.lower) - 1, 0)))
    add = problem.add_variable
    return [add(f"x{j:0{width}d}", lo, up)
            for j, (lo, up) in enumerate(zip(_bounds(model.lower), _bounds(model.upper)))]


def _bounds(values: np.ndarray) -> list[float | None]:
    """PuLP spells an infinite bound None."""
    return [value if math.isfinite(value) else None for value in values.tolist()]


def _objective(variables: list[pulp.LpVariable], model: Model) -> pulp.LpAffineExpression:
    """The priced columns, and with a zero price every column no row names: PuLP writes only the variables
    its objective and constraints hold, and a column must be written for its bounds to count."""
    _, cols, _ = model.entries
    used = np.zeros(len(variables), bool)
    used[cols] = True
    listed = np.flatnonzero((model.cost != 0) | ~used)
    return pulp.LpAffineExpression(zip([variables[j] for j in listed.tolist()], model.cost[listed].tolist()))


def _add_rows(problem: pulp.LpProblem, variables: list[pulp.LpVariable], model: Model) -> None:
    """Each row's (variable, coefficient) pairs straight from the row-sorted entries: no PuLP arithmetic."""
    rows, cols, coefs = model.entries
    starts = np.searchsorted(rows, np.arange(len(model.rhs) + 1)).tolist()
    entry_variables = [variables[j] for j in cols.tolist()]
    coefs = coefs.tolist()
    expression, constraint, add = pulp.LpAffineExpression, pulp.LpConstraint, problem.addConstraint
    for i, (first, end, sense, rhs) in enumerate(zip(starts, starts[1:], model.sense.tolist(), model.rhs.tolist())):
        add(constraint(expression(zip(entry_variables[first:end], coefs[first:end])), sense, f"r{i}", rhs))
