"""The MILP of §6 in matrix form: charge/discharge split, stock recursion, site limits, commitments."""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from chalicelib.scheduling.errors import SchedulingError
from chalicelib.scheduling.problem import Commitment, Problem, Stock

LE, GE, EQ = -1, 1, 0  # row senses, as PuLP numbers them (pulp.LpConstraintLE, LpConstraintGE, LpConstraintEQ)


@dataclass
class DeviceVars:
    """Column indices per step."""

    up: np.ndarray  # P⁺ ≥ 0
    down: np.ndarray  # P⁻ ≤ 0
    stock: np.ndarray | None = None  # S (stock units, absolute)


@dataclass
class Deviation:
    """One commitment's cost as a linear function of the columns: Σ coefs·x[cols] + constant."""

    name: str
    cols: np.ndarray
    coefs: np.ndarray
    constant: float = 0.0

    def cost(self, x: np.ndarray) -> float:
        return float(self.coefs @ x[self.cols]) + self.constant


@dataclass
class Switches:
    """Where x > 0 and y < 0 at once must not happen: x ≤ x_max·b and y ≥ y_min·(1 − b), b ∈ [0, 1] a column.

    Two kinds: the charge/discharge split of lossy storage (x = P⁺, y = P⁻; doing both burns energy) and the
    sign of a non-convex commitment row (x = δ⁺, y = δ⁻; doing both would earn without limit when u < v).
    b is binary in the MILP; the solver decides which b to declare binary (see solver.solve).

    Doing both at once along x + a, y − ratio·a (the same stock, or the same X − q) changes the objective by
    a·(cost[x] − ratio·cost[y]). For a commitment row nothing else sees that move, so a relaxed optimum does
    both wherever it pays (`sure`); storage also changes the site's power, which other rows may price or bound.
    """

    b: np.ndarray
    x: np.ndarray
    y: np.ndarray
    ratio: np.ndarray
    sure: np.ndarray

    def __len__(self) -> int:
        return len(self.b)

    def paying(self, cost: np.ndarray) -> np.ndarray:
        """Per switch: whether doing both at once lowers the objective by itself."""
        return cost[self.x] - self.ratio * cost[self.y] < 0


@dataclass
class Model:
    lower: np.ndarray  # per column; ±inf where unbounded
    upper: np.ndarray
    cost: np.ndarray  # objective coefficient per column
    sense: np.ndarray  # per row: LE, GE or EQ
    rhs: np.ndarray
    entries: tuple[np.ndarray, np.ndarray, np.ndarray]  # (row, column, coefficient), sorted by row then column
    devices: list[DeviceVars]
    deviations: list[Deviation]
    switches: Switches

    @property
    def shape(self) -> tuple[int, int]:
        return len(self.rhs), len(self.lower)


class _Builder:
    """Collects columns and blocks of rows as numpy arrays, so a model of 10⁴ rows costs a few array ops."""

    def __init__(self):
        self.lower: list[np.ndarray] = []
        self.upper: list[np.ndarray] = []
        self.columns_count = 0
        self.blocks: list[tuple[int, int, np.ndarray, list]] = []  # (first row, sense, rhs, terms)
        self.rows_count = 0
        self.switches: list[tuple[np.ndarray, ...]] = []  # (b, x, y, ratio, sure) per block of switches

    def columns(self, lower, upper, count: int) -> np.ndarray:
        """`count` new columns with these bounds (scalars or arrays); their indices."""
        self.lower.append(np.broadcast_to(np.asarray(lower, float), count))
        self.upper.append(np.broadcast_to(np.asarray(upper, float), count))
        first = self.columns_count
        self.columns_count += count
        return np.arange(first, first + count)

    def rows(self, sense: int, rhs, terms: list) -> None:
        """Row i of the block: Σ_t coefs_t[i]·x[cols_t[i]] (sense) rhs[i]; cols and coefs broadcast."""
        rhs = np.atleast_1d(np.asarray(rhs, float))
        if len(rhs):
            self.blocks.append((self.rows_count, sense, rhs, terms))
            self.rows_count += len(rhs)

    def switch(self, x: np.ndarray, y: np.ndarray, x_max: np.ndarray, y_min: np.ndarray, ratio,
               sure: bool) -> None:
        b = self.columns(0.0, 1.0, len(x))
        self.rows(LE, np.zeros(len(x)), [(x, 1.0), (b, -x_max)])  # x ≤ x_max·b
        self.rows(LE, -y_min, [(y, -1.0), (b, -y_min)])  # y ≥ y_min·(1 − b)
        self.switches.append((b, x, y, np.broadcast_to(np.asarray(ratio, float), len(x)), np.full(len(x), sure)))

    def model(self, cost: np.ndarray, devices: list[DeviceVars], deviations: list[Deviation]) -> Model:
        rows, cols, coefs = [], [], []
        for first, _, block_rhs, terms in self.blocks:
            m = len(block_rhs)
            for term_cols, term_coefs in terms:
                rows.append(np.arange(first, first + m))
                cols.append(np.broadcast_to(term_cols, m))
                coefs.append(np.broadcast_to(np.asarray(term_coefs, float), m))
        row, col, coef = _join(rows, np.int64), _join(cols, np.int64), _join(coefs)
        kept = coef != 0
        order = np.lexsort((col[kept], row[kept]))
        row, col, coef = row[kept][order], col[kept][order], coef[kept][order]
        if np.any((np.diff(row) == 0) & (np.diff(col) == 0)):
            raise AssertionError("A model row names the same column twice.")
        parts = list(zip(*self.switches)) or [()] * 5
        b, x, y, ratio, sure = (_join(list(part), dtype) for part, dtype in
                                zip(parts, (np.int64, np.int64, np.int64, float, bool)))
        return Model(_join(self.lower), _join(self.upper), cost,
                     _join([np.full(len(r), sense) for _, sense, r, _ in self.blocks], np.int8),
                     _join([r for _, _, r, _ in self.blocks]), (row, col, coef), devices, deviations,
                     Switches(b, x, y, ratio, sure))


def _join(parts: list, dtype=float) -> np.ndarray:
    return np.concatenate(parts).astype(dtype, copy=False) if parts else np.zeros(0, dtype)


def build_model(problem: Problem) -> Model:
    """Per flexible device and step: P⁺ ≥ 0 and P⁻ ≤ 0 with the power bounds as column bounds, the
    charge/discharge switch b where it matters, and the stock S with the SoC bounds as column bounds.
    Inflexible devices are constants in the site's net power. Each commitment adds its cost, with
    deviation columns where its up and down prices differ."""
    n = problem.window.n
    builder = _Builder()
    devices: list[DeviceVars] = []
    for device in problem.devices:
        p_min, p_max = device.p_min, device.p_max
        up = builder.columns(np.maximum(p_min, 0), np.maximum(p_max, 0), n)
        down = builder.columns(np.minimum(p_min, 0), np.minimum(p_max, 0), n)
        devices.append(DeviceVars(up, down))
        stock = device.stock
        if stock is None:
            continue
        # The split only matters where losses make P⁺ and P⁻ differ in stock effect.
        lossy = (stock.eta_c != 1) | (stock.eta_d != 1)
        two_way = np.flatnonzero((p_min < 0) & (p_max > 0) & lossy)
        if not (np.isfinite(p_min[two_way]).all() and np.isfinite(p_max[two_way]).all()):
            raise SchedulingError("A storage device with losses needs finite power bounds.")
        if len(two_way):
            # The same stock: η⁺·a = d/η⁻.
            builder.switch(up[two_way], down[two_way], p_max[two_way], p_min[two_way],
                           stock.eta_c[two_way] * stock.eta_d[two_way], sure=False)
        devices[-1].stock = _stock_rows(builder, stock, up, down, n)

    inflexible = problem.inflexible_total
    site = [(cols, 1.0) for dev in devices for cols in (dev.up, dev.down)]
    for sense, bound in ((LE, problem.ems_max), (GE, problem.ems_min)):
        finite = np.flatnonzero(np.isfinite(bound))
        builder.rows(sense, bound[finite] - inflexible[finite], [(cols[finite], c) for cols, c in site])

    reach = _reach(problem)
    deviations = [_add_commitment(commitment, problem, devices, builder, reach)
                  for commitment in problem.commitments]
    cost = np.zeros(builder.columns_count)
    for deviation in deviations:
        np.add.at(cost, deviation.cols, deviation.coefs)
    return builder.model(cost, devices, deviations)


def _stock_rows(builder: _Builder, stock: Stock, up: np.ndarray, down: np.ndarray, n: int) -> np.ndarray:
    """S_j = η^s_j·S_{j−1} + decay_j·(η⁺P⁺ + P⁻/η⁻ + gain)_j with S_{−1} = s0 (§6.4)."""
    s0, eta_s = stock.s0, stock.eta_s
    with np.errstate(divide="ignore", invalid="ignore"):
        decay = np.where(eta_s == 1, 1.0, np.where(eta_s > 0, (eta_s - 1) / np.log(eta_s), 1.0))
    decay = np.where(eta_s == 0, 1.0, decay)  # no stock kept: the step's flow still counts once
    s = builder.columns(s0 + stock.s_min, s0 + stock.s_max, n)
    rhs = decay * stock.gain
    rhs[0] += eta_s[0] * s0
    previous = np.concatenate(([s[0]], s[:-1]))  # step 0 has no previous column: its coefficient is 0
    previous_coef = np.concatenate(([0.0], -eta_s[1:]))
    builder.rows(EQ, rhs, [(s, 1.0), (up, -decay * stock.eta_c), (down, -decay / stock.eta_d),
                           (previous, previous_coef)])
    return s


def _reach(problem: Problem) -> np.ndarray:
    """Per step, the most the site's net power can be away from 0 (big-M for sign binaries)."""
    total = np.abs(problem.inflexible_total)
    for device in problem.devices:
        total = total + np.maximum(np.abs(device.p_min), np.abs(device.p_max))
    return total


def _expression(commitment: Commitment, problem: Problem, devices: list[DeviceVars]):
    """(terms, constant) of X_j over all steps: site net power, a device's power, or a device's stock minus s0."""
    n = problem.window.n
    if commitment.target == "ems":
        return [(cols, 1.0) for dev in devices for cols in (dev.up, dev.down)], problem.inflexible_total
    dev = devices[commitment.device]
    if commitment.target == "flow":
        return [(dev.up, 1.0), (dev.down, 1.0)], np.zeros(n)
    if dev.stock is None:
        raise SchedulingError("A state-of-charge commitment needs a device with a state of charge.")
    return [(dev.stock, 1.0)], np.full(n, -problem.devices[commitment.device].stock.s0)


def _row_reach(commitment: Commitment, problem: Problem, reach: np.ndarray) -> np.ndarray:
    """Per step, a big-M for |δ|: how far X can be from q."""
    if commitment.target == "ems":
        bound = reach
    elif commitment.target == "flow":
        device = problem.devices[commitment.device]
        bound = np.maximum(np.abs(device.p_min), np.abs(device.p_max))
    else:
        device = problem.devices[commitment.device]
        bound = np.maximum(np.abs(device.stock.s_min), np.abs(device.stock.s_max))
        fallback = float(np.sum(np.maximum(np.abs(device.p_min), np.abs(device.p_max))))
        bound = np.where(np.isfinite(bound), bound, fallback)
    return np.maximum(1.0, bound + np.abs(np.nan_to_num(commitment.q, nan=0.0)))


def _add_commitment(commitment: Commitment, problem: Problem, devices: list[DeviceVars], builder: _Builder,
                    reach: np.ndarray) -> Deviation:
    n = problem.window.n
    q = commitment.q
    u = np.zeros(n) if commitment.u is None else np.nan_to_num(commitment.u, nan=0.0)
    v = np.zeros(n) if commitment.v is None else np.nan_to_num(commitment.v, nan=0.0)
    active = np.flatnonzero(np.isfinite(q))
    terms, constant = _expression(commitment, problem, devices)
    offset = constant[active] - q[active]  # X_j − q_j = Σ terms + offset
    if commitment.kind == "any" and len(active) > 1:
        return _add_group(commitment, active, u, v, terms, offset, builder)
    cols, coefs = [], []
    # Where u = v the cost u·(X − q) is linear: it goes straight onto X's columns, with no deviation columns.
    linear = u[active] == v[active]
    for term_cols, coef in terms:
        cols.append(term_cols[active[linear]])
        coefs.append(coef * u[active[linear]])
    split = active[~linear]
    if len(split):
        plus = builder.columns(0.0, math.inf, len(split))
        minus = builder.columns(-math.inf, 0.0, len(split))
        # X_j − q_j = δ⁺_j + δ⁻_j
        builder.rows(EQ, offset[~linear], [(plus, 1.0), (minus, 1.0)] + [(c[split], -k) for c, k in terms])
        cols += [plus, minus]
        coefs += [u[split], v[split]]
        # Paying less for going up than is earned going down would be unbounded: forbid doing both.
        concave = u[split] < v[split]
        if concave.any():
            big_m = _row_reach(commitment, problem, reach)[split[concave]]
            builder.switch(plus[concave], minus[concave], big_m, -big_m, 1.0, sure=True)
    return Deviation(commitment.name, _join(cols, np.int64), _join(coefs), float(u[active[linear]] @ offset[linear]))


def _add_group(commitment: Commitment, active: np.ndarray, u: np.ndarray, v: np.ndarray, terms: list,
               offset: np.ndarray, builder: _Builder) -> Deviation:
    """One deviation column per direction for the whole group: δ⁺ ≥ max_j (X_j − q_j), δ⁻ ≤ min_j (X_j − q_j)."""
    cols, coefs = [], []
    for prices, given, word, sense, bounds in ((u, commitment.u is not None, "upwards", GE, (0.0, math.inf)),
                                               (v, commitment.v is not None, "downwards", LE, (-math.inf, 0.0))):
        if not given:
            continue
        unique = np.unique(prices[active])
        if len(unique) > 1:
            raise SchedulingError(f"Commitment groups cannot have non-unique {word} deviation prices.")
        price = float(unique[0])
        if price == 0:
            continue
        delta = builder.columns(*bounds, 1)
        builder.rows(sense, offset, [(delta[0], 1.0)] + [(c[active], -k) for c, k in terms])
        cols.append(delta)
        coefs.append(np.array([price]))
    return Deviation(commitment.name, _join(cols, np.int64), _join(coefs))
