"""Problem-level builders for the solver tests (hourly storage, energy commitments, problem files) and a
check that a solution is physically feasible from its power alone."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import numpy as np

from chalicelib.scheduling.grid import Window
from chalicelib.scheduling.offline import sensor_data_from_map
from chalicelib.scheduling.outputs import soc_curve
from chalicelib.scheduling.problem import Commitment, Device, Problem, Stock, build_problem
from chalicelib.scheduling.request import AssetTriggerBody, ScheduleRequest
from chalicelib.scheduling.schedule import plan_window
from chalicelib.scheduling.solver import Solution
from chalicelib.scheduling.sources import SensorInfo
from chalicelib.scheduling.storage import SocSettings

HOUR = timedelta(hours=1)
INF = np.inf
TOLERANCE = 1e-6  # MW or MWh: CBC prints 8 significant digits


def window(n: int = 24, start: datetime = datetime(2020, 1, 1, tzinfo=timezone.utc)) -> Window:
    return Window(start, start + n * HOUR, HOUR)


def _steps(value, n: int) -> np.ndarray:
    return np.broadcast_to(np.asarray(value, float), n).copy()


def storage(sensor_id: int, s0: float, s_min, s_max, p_min, p_max, n: int = 24, eta_c=1.0, eta_d=1.0,
            eta_s=1.0) -> Device:
    """Stock bounds relative to s0 (hourly steps, so stock units are MWh)."""
    stock = Stock(s0, _steps(s_min, n), _steps(s_max, n), _steps(eta_c, n), _steps(eta_d, n), _steps(eta_s, n),
                  np.zeros(n), SocSettings(s0, None, None, 1.0))
    return Device(SensorInfo(sensor_id, "MW", HOUR), _steps(p_min, n), _steps(p_max, n), stock)


def problem(devices, commitments, n: int = 24, ems=(-INF, INF), inflexible=()) -> Problem:
    return Problem(window(n), devices, [_steps(load, n) for load in inflexible], _steps(ems[0], n),
                   _steps(ems[1], n), commitments, "EUR")


def energy(u, v, n: int = 24) -> Commitment:
    return Commitment("energy", "each", "ems", np.zeros(n), _steps(u, n), _steps(v, n))


def file_problem(document: dict, max_steps: int = 2520) -> Problem:
    """The Problem a problem file (asset trigger body plus "sensors") describes."""
    body = {key: value for key, value in document.items() if key != "sensors"}
    request = ScheduleRequest.from_asset_trigger(AssetTriggerBody.model_validate(body))
    data = sensor_data_from_map(document["sensors"])
    found = plan_window(request, data, default_duration=timedelta(hours=48), max_steps=max_steps)
    return build_problem(request.devices, request.flex_context, found, data, prior=request.prior)


def infeasibilities(solution: Solution) -> list[str]:
    """What the net power per device breaks: power bounds, site bounds, or stock bounds with the stock
    recomputed from the power (charging when positive, discharging when negative, as the SoC schedule is).
    Charging and discharging at once would hide losses the recomputed stock then lacks."""
    found = []
    given = solution.problem
    h = given.window.hours
    site = given.inflexible_total + np.sum(solution.power, axis=0)
    if np.any(site > given.ems_max + TOLERANCE) or np.any(site < given.ems_min - TOLERANCE):
        found.append("site power outside its bounds")
    for d, (device, power) in enumerate(zip(given.devices, solution.power)):
        if np.any(power > device.p_max + TOLERANCE) or np.any(power < device.p_min - TOLERANCE):
            found.append(f"device {d}: power outside its bounds")
        if device.stock is None:
            continue
        stock = soc_curve(device, power, h)[1:] / h - device.stock.s0
        if np.any(stock > device.stock.s_max + TOLERANCE) or np.any(stock < device.stock.s_min - TOLERANCE):
            found.append(f"device {d}: stock outside its bounds")
    return found
