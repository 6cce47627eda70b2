"""The MILP of §6 as a PuLP model: charge/discharge split, stock recursion, site limits, commitments."""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from chalicelib.scheduling.errors import SchedulingError
from chalicelib.scheduling.problem import Commitment, Problem


@dataclass
class DeviceVars:
    up: list  # P⁺ ≥ 0 per step
    down: list  # P⁻ ≤ 0 per step
    stock: list | None = None  # S per step (stock units, absolute)


@dataclass
class Deviation:
    """One commitment's deviation variables with their prices (cost = Σ price·value)."""

    name: str
    terms: list = field(default_factory=list)  # (variable, price)


@dataclass
class Model:
    lp: object  # pulp.LpProblem
    devices: list[DeviceVars]
    deviations: list[Deviation]
    binaries: int  # sign binaries of non-convex commitment rows
    # (b, P⁺, P⁻) per step where charging and discharging at once would waste energy. b starts relaxed to
    # [0, 1]; the solver makes it binary only where a relaxed optimum actually does both (see solver.solve).
    switches: list = field(default_factory=list)


class _Rows:
    """Collects constraints; each row is (terms, sense, rhs) with terms a list of (variable, coefficient)."""

    def __init__(self, pulp):
        self.pulp = pulp
        self.rows = []

    def add(self, terms: list, sense: int, rhs: float) -> None:
        self.rows.append((terms, sense, rhs))

    def into(self, lp) -> None:
        pulp = self.pulp
        for number, (terms, sense, rhs) in enumerate(self.rows):
            name = f"c{number}"
            lp.addConstraint(pulp.LpConstraint(pulp.LpAffineExpression(terms), sense, name, rhs), name)


def build_model(problem: Problem) -> Model:
    """Per flexible device and step: P⁺ ≥ 0 and P⁻ ≤ 0 with the power bounds as variable bounds, the
    charge/discharge switch b where it matters, and the stock S with the SoC bounds as variable bounds.
    Inflexible devices are constants in the site's net power. Each commitment adds its deviation variables."""
    import pulp

    n = problem.window.n
    lp = pulp.LpProblem("schedule", pulp.LpMinimize)
    rows = _Rows(pulp)
    LE, GE, EQ = pulp.LpConstraintLE, pulp.LpConstraintGE, pulp.LpConstraintEQ
    var = lp.add_variable
    binaries = 0
    switches = []
    devices: list[DeviceVars] = []
    for d, device in enumerate(problem.devices):
        p_min, p_max = device.p_min, device.p_max
        up_lo, up_hi = np.maximum(p_min, 0), np.maximum(p_max, 0)
        down_lo, down_hi = np.minimum(p_min, 0), np.minimum(p_max, 0)
        up = [var(f"p{d}_{j}", _finite(up_lo[j]), _finite(up_hi[j])) for j in range(n)]
        down = [var(f"m{d}_{j}", _finite(down_lo[j]), _finite(down_hi[j])) for j in range(n)]
        devices.append(DeviceVars(up, down))
        stock = device.stock
        if stock is None:
            continue
        # The split only matters where losses make P⁺ and P⁻ differ in stock effect.
        lossy = (stock.eta_c != 1) | (stock.eta_d != 1)
        two_way = (p_min < 0) & (p_max > 0) & lossy
        for j in np.flatnonzero(two_way):
            if not (math.isfinite(p_min[j]) and math.isfinite(p_max[j])):
                raise SchedulingError("A storage device with losses needs finite power bounds.")
            b = var(f"b{d}_{j}", 0, 1)
            rows.add([(up[j], 1.0), (b, -float(p_max[j]))], LE, 0.0)
            rows.add([(down[j], -1.0), (b, -float(p_min[j]))], LE, -float(p_min[j]))
            switches.append((b, up[j], down[j]))
        s0 = stock.s0
        eta_s = stock.eta_s
        with np.errstate(divide="ignore", invalid="ignore"):
            decay = np.where(eta_s == 1, 1.0, np.where(eta_s > 0, (eta_s - 1) / np.log(eta_s), 1.0))
        decay = np.where(eta_s == 0, 1.0, decay)  # no stock kept: the step's flow still counts once
        charge = decay * stock.eta_c
        discharge = decay / stock.eta_d
        s_vars = [var(f"s{d}_{j}", _finite(s0 + stock.s_min[j]), _finite(s0 + stock.s_max[j])) for j in range(n)]
        devices[-1].stock = s_vars
        for j in range(n):
            terms = [(s_vars[j], 1.0), (up[j], -float(charge[j])), (down[j], -float(discharge[j]))]
            rhs = float(decay[j] * stock.gain[j])
            if j == 0:
                rhs += float(eta_s[0]) * s0
            else:
                terms.append((s_vars[j - 1], -float(eta_s[j])))
            rows.add(terms, EQ, rhs)

    inflexible = problem.inflexible_total
    for j in range(n):
        terms = [(v, 1.0) for dev in devices for v in (dev.up[j], dev.down[j])]
        if math.isfinite(problem.ems_max[j]):
            rows.add(terms, LE, float(problem.ems_max[j] - inflexible[j]))
        if math.isfinite(problem.ems_min[j]):
            rows.add(terms, GE, float(problem.ems_min[j] - inflexible[j]))

    reach = _reach(problem)
    deviations = []
    for k, commitment in enumerate(problem.commitments):
        deviation = Deviation(commitment.name)
        binaries += _add_commitment(k, commitment, problem, devices, rows, deviation, reach, var, pulp)
        deviations.append(deviation)

    lp.setObjective(pulp.LpAffineExpression([(v, float(price)) for dev in deviations for v, price in dev.terms
                                             if price != 0]))
    rows.into(lp)
    return Model(lp, devices, deviations, binaries, switches)


def _finite(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None


def _reach(problem: Problem) -> np.ndarray:
    """Per step, the most the site's net power can be away from 0 (big-M for sign binaries)."""
    total = np.abs(problem.inflexible_total)
    for device in problem.devices:
        total = total + np.maximum(np.abs(device.p_min), np.abs(device.p_max))
    return total


def _expression(commitment: Commitment, j: int, problem: Problem, devices: list[DeviceVars]):
    """(terms, constant) of X_j: site net power, a device's power, or a device's stock minus s0."""
    if commitment.target == "ems":
        terms = [(v, 1.0) for dev in devices for v in (dev.up[j], dev.down[j])]
        return terms, float(problem.inflexible_total[j])
    dev = devices[commitment.device]
    if commitment.target == "flow":
        return [(dev.up[j], 1.0), (dev.down[j], 1.0)], 0.0
    if dev.stock is None:
        raise SchedulingError("A state-of-charge commitment needs a device with a state of charge.")
    return [(dev.stock[j], 1.0)], -problem.devices[commitment.device].stock.s0


def _row_reach(commitment: Commitment, j: int, problem: Problem, reach: np.ndarray) -> float:
    if commitment.target == "ems":
        bound = reach[j]
    elif commitment.target == "flow":
        device = problem.devices[commitment.device]
        bound = max(abs(device.p_min[j]), abs(device.p_max[j]))
    else:
        stock = problem.devices[commitment.device].stock
        bound = max(abs(stock.s_min[j]), abs(stock.s_max[j]))
        if not math.isfinite(bound):
            bound = float(np.sum(np.maximum(np.abs(problem.devices[commitment.device].p_min),
                                            np.abs(problem.devices[commitment.device].p_max))))
    return max(1.0, bound + abs(commitment.q[j]))


def _add_commitment(k: int, commitment: Commitment, problem: Problem, devices: list[DeviceVars], rows: _Rows,
                    deviation: Deviation, reach: np.ndarray, var, pulp) -> int:
    LE, GE, EQ = pulp.LpConstraintLE, pulp.LpConstraintGE, pulp.LpConstraintEQ
    n = problem.window.n
    q = commitment.q
    u = np.zeros(n) if commitment.u is None else np.nan_to_num(commitment.u, nan=0.0)
    v = np.zeros(n) if commitment.v is None else np.nan_to_num(commitment.v, nan=0.0)
    active = np.flatnonzero(np.isfinite(q))
    binaries = 0
    if commitment.kind == "any" and len(active) > 1:
        for prices, direction in ((u, "up"), (v, "down")):
            given = commitment.u is not None if direction == "up" else commitment.v is not None
            if not given:
                continue
            unique = np.unique(prices[active])
            if len(unique) > 1:
                word = "upwards" if direction == "up" else "downwards"
                raise SchedulingError(f"Commitment groups cannot have non-unique {word} deviation prices.")
            price = float(unique[0])
            if price == 0:
                continue
            delta = var(f"d{k}{direction}", 0 if direction == "up" else None, None if direction == "up" else 0)
            deviation.terms.append((delta, price))
            for j in active:
                terms, constant = _expression(commitment, j, problem, devices)
                # up: δ⁺ ≥ X_j − q_j; down: δ⁻ ≤ X_j − q_j
                rows.add([(delta, 1.0)] + [(x, -c) for x, c in terms], GE if direction == "up" else LE,
                         float(constant - q[j]))
        return binaries
    for j in active:
        terms, constant = _expression(commitment, j, problem, devices)
        plus = var(f"d{k}_{j}u", 0, None)
        minus = var(f"d{k}_{j}d", None, 0)
        deviation.terms += [(plus, float(u[j])), (minus, float(v[j]))]
        rows.add([(plus, 1.0), (minus, 1.0)] + [(x, -c) for x, c in terms], EQ, float(constant - q[j]))
        if u[j] < v[j]:
            # Paying less for going up than is earned going down would be unbounded: forbid doing both.
            big_m = _row_reach(commitment, j, problem, reach)
            z = var(f"z{k}_{j}", cat=pulp.LpBinary)
            rows.add([(plus, 1.0), (z, -big_m)], LE, 0.0)
            rows.add([(minus, -1.0), (z, big_m)], LE, big_m)
            binaries += 1
    return binaries
