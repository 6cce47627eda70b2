"""A Model as free-format MPS text for CBC: written once per model, only the switches' bounds vary per solve."""
from __future__ import annotations

import numpy as np

from chalicelib.scheduling.model import Model

# Columns are x<index> and rows r<index>, so a solution line names its column's index.
OBJECTIVE = "obj"


class MpsText:
    """The MPS text of a model with a chosen set of its switches binary (the rest continuous in [0, 1])."""

    def __init__(self, model: Model):
        self.switches = [f"x{b}" for b in model.switches.b.tolist()]
        self._head = "".join(["NAME schedule FREE\nROWS\n", f" N {OBJECTIVE}\n",
                              *(f" {sense} r{i}\n" for i, sense in enumerate(model.sense.tolist())),
                              "COLUMNS\n", *_column_lines(model), "RHS\n", *_rhs_lines(model),
                              "BOUNDS\n", *_bound_lines(model)])

    def text(self, binary: np.ndarray) -> str:
        """`binary` per switch: declared binary (BV) or kept continuous in [0, 1]."""
        switch_lines = (f" BV B {name}\n" if is_binary else f" UP B {name} 1\n"
                        for name, is_binary in zip(self.switches, binary.tolist()))
        return "".join([self._head, *switch_lines, "ENDATA\n"])


def _column_lines(model: Model) -> list[str]:
    """A column's entries must be contiguous: the objective first, then its rows in order. A column that
    appears nowhere still gets a zero objective entry, or CBC would not know it."""
    rows, cols, coefs = model.entries
    m, n = model.shape
    used = np.zeros(n, bool)
    used[cols] = True
    in_objective = np.flatnonzero((model.cost != 0) | ~used)
    rows = np.concatenate((np.full(len(in_objective), -1), rows))
    cols = np.concatenate((in_objective, cols))
    coefs = np.concatenate((model.cost[in_objective], coefs))
    order = np.lexsort((rows, cols))
    names = [f"r{i}" for i in range(m)] + [OBJECTIVE]  # index −1 is the objective
    return [f" x{c} {names[r]} {v!r}\n"
            for c, r, v in zip(cols[order].tolist(), rows[order].tolist(), coefs[order].tolist())]


def _rhs_lines(model: Model) -> list[str]:
    nonzero = np.flatnonzero(model.rhs)
    return [f" RHS r{i} {v!r}\n" for i, v in zip(nonzero.tolist(), model.rhs[nonzero].tolist())]


def _bound_lines(model: Model) -> list[str]:
    """MPS defaults a column to [0, +inf); the switches' bounds are written per solve. Every LO or MI line
    comes before every UP line: CBC rejects a negative UP over the default lower bound 0."""
    lower, upper = model.lower, model.upper
    written = np.ones(len(lower), bool)
    written[model.switches.b] = False
    fixed = written & (lower == upper)
    written &= ~fixed
    free_below = written & (lower == -np.inf)
    has_upper = written & (upper < np.inf)

    def lines(kind: str, mask: np.ndarray, values: np.ndarray | None = None) -> list[str]:
        index = np.flatnonzero(mask)
        if values is None:
            return [f" {kind} B x{j}\n" for j in index.tolist()]
        return [f" {kind} B x{j} {v!r}\n" for j, v in zip(index.tolist(), values[index].tolist())]

    return (lines("FX", fixed, lower) + lines("FR", free_below & ~has_upper) + lines("MI", free_below & has_upper)
            + lines("LO", written & ~free_below & (lower != 0), lower) + lines("UP", has_upper, upper))
