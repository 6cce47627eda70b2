"""The core's entry point: a ScheduleRequest plus injected sensor data -> schedules and costs (joint or
sequential)."""
from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from datetime import timedelta

import numpy as np

from chalicelib.scheduling.errors import FlexConfigError
from chalicelib.scheduling.grid import Window, resolve_window
from chalicelib.scheduling.outputs import (SensorSchedule, cost_summary, power_schedule, soc_constraint_analysis,
                                           soc_schedule)
from chalicelib.scheduling.problem import DeviceRequest, build_problem, target_ends
from chalicelib.scheduling.request import ScheduleRequest
from chalicelib.scheduling.solver import Solution, solve
from chalicelib.scheduling.sources import SensorData, SensorInfo


@dataclass
class ScheduleResult:
    window: Window
    power: list[SensorSchedule]  # one per flexible device, in flex-model order
    soc: list[SensorSchedule]  # one per device with a state-of-charge sensor
    costs: dict[str, float]  # <cur> per commitment name (summed over sequential steps)
    currency: str
    warnings: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)  # seconds: build, solve (cbc of it), total
    solver_stats: dict[str, int] = field(default_factory=dict)  # Solution.stats, summed over sequential steps
    site_commitments: frozenset[str] = frozenset()  # names of commitments on the site's net power
    # Per device with soc-minima/-maxima, keyed by its power sensor id: FlexMeasures 1.0's constraint analysis.
    unresolved: dict[int, dict] = field(default_factory=dict)
    resolved: dict[int, dict] = field(default_factory=dict)

    @property
    def cost_summary(self) -> dict[str, float]:
        return cost_summary(self.costs)

    def costs_json(self) -> dict:
        return {**self.cost_summary, "currency": self.currency, "commitments": self.costs}

    def to_json(self) -> dict:
        return {
            "start": self.window.start.isoformat(), "end": self.window.end.isoformat(),
            "schedules": [s.to_json() for s in self.power], "state-of-charge": [s.to_json() for s in self.soc],
            "costs": self.costs_json(), "warnings": self.warnings, "timings": self.timings,
        }


def plan_window(request: ScheduleRequest, data: SensorData, *, default_duration: timedelta,
                max_steps: int | None, devices: tuple[DeviceRequest, ...] | None = None) -> Window:
    """Δt = the device sensor's resolution (the smallest non-zero one for several devices); the end extends
    to the latest soc-targets list time, up to max_steps steps."""
    devices = devices or request.devices
    resolutions = [data.sensor(d.sensor_id, "sensor").resolution for d in devices]
    nonzero = [r for r in resolutions if r > timedelta(0)]
    resolution = request.resolution or (min(nonzero) if nonzero else timedelta(0))
    return resolve_window(request.start, request.duration, resolution, default_duration=default_duration,
                          max_steps=max_steps, target_ends=target_ends([d.model for d in devices]))


def compute_schedule(request: ScheduleRequest, data: SensorData, *, default_duration: timedelta,
                     max_steps: int | None, time_limit: float | None = None) -> ScheduleResult:
    """Build, validate and solve (the solver's runs stop after `time_limit` seconds, None: no limit); raises a
    SchedulingError subclass with a user-facing reason on failure."""
    if request.sequential:
        return compute_sequentially(request, data, default_duration=default_duration, max_steps=max_steps,
                                    time_limit=time_limit)
    began = time.perf_counter()
    window = plan_window(request, data, default_duration=default_duration, max_steps=max_steps)
    problem = build_problem(request.devices, request.flex_context, window, data, prior=request.prior,
                            sensor_trigger=request.sensor_trigger)
    prepared = time.perf_counter()
    solution = solve(problem, time_limit=time_limit)
    # A requested resolution is kept (FlexMeasures resamples to the sensors' resolutions only without one).
    result = result_of(solution, resample=not request.sensor_trigger and request.resolution is None)
    result.timings = {"build": prepared - began + solution.timings["build"], "solve": solution.timings["solve"],
                      "cbc": solution.timings["cbc"], "total": time.perf_counter() - began}
    result.solver_stats = dict(solution.stats)
    return result


def result_of(solution: Solution, resample: bool) -> ScheduleResult:
    problem = solution.problem
    window = problem.window
    power = [power_schedule(device, p, window, resample) for device, p in zip(problem.devices, solution.power)]
    soc = [s for s in (soc_schedule(device, p, window) for device, p in zip(problem.devices, solution.power)) if s]
    site = frozenset(c.name for c in problem.commitments if c.target == "ems")
    result = ScheduleResult(window, power, soc, solution.costs, problem.currency, list(problem.warnings),
                            site_commitments=site)
    for device, p in zip(problem.devices, solution.power):
        unresolved, resolved = soc_constraint_analysis(device, p, window)
        if unresolved:
            result.unresolved[device.sensor.id] = unresolved
        if resolved:
            result.resolved[device.sensor.id] = resolved
    return result


def compute_sequentially(request: ScheduleRequest, data: SensorData, *, default_duration: timedelta,
                         max_steps: int | None, time_limit: float | None = None) -> ScheduleResult:
    """One device after another; each later device sees the earlier schedules as inflexible devices."""
    began = time.perf_counter()
    earlier: dict[int, tuple[SensorInfo, object]] = {}
    power, soc, warnings = [], [], []
    costs: dict[str, float] = {}
    build = solve_seconds = cbc_seconds = 0.0
    stats: dict[str, int] = {}
    unresolved: dict[int, dict] = {}
    resolved: dict[int, dict] = {}
    window = None
    for step in sequential_steps(request):
        step_data = data.with_overrides(earlier)
        sub = compute_schedule(step, step_data, default_duration=default_duration, max_steps=max_steps,
                               time_limit=time_limit)
        device_schedule = sub.power[0]
        earlier[device_schedule.sensor.id] = as_inflexible(device_schedule)
        power.append(device_schedule)
        soc += sub.soc
        warnings += sub.warnings
        # Site-level costs of the last step already include every earlier device (as inflexible load);
        # device-level costs (breaches, SoC, tie-breakers) add up over the steps.
        costs = {name: value for name, value in costs.items() if name not in sub.site_commitments}
        for name, value in sub.costs.items():
            costs[name] = costs.get(name, 0.0) + value
        build += sub.timings["build"]
        solve_seconds += sub.timings["solve"]
        cbc_seconds += sub.timings["cbc"]
        stats = {key: stats.get(key, 0) + value for key, value in sub.solver_stats.items()}
        window = window or sub.window
        currency = sub.currency
        unresolved.update(sub.unresolved)
        resolved.update(sub.resolved)
    return ScheduleResult(window, power, soc, costs, currency, warnings,
                          {"build": build, "solve": solve_seconds, "cbc": cbc_seconds,
                           "total": time.perf_counter() - began},
                          solver_stats=stats, unresolved=unresolved, resolved=resolved)


def sequential_steps(request: ScheduleRequest) -> list[ScheduleRequest]:
    """Request k schedules device k alone, with devices 0…k−1 appended to inflexible-device-sensors."""
    steps = []
    for k, device in enumerate(request.devices):
        earlier_ids = [d.sensor_id for d in request.devices[:k]]
        context = request.flex_context.model_copy(update={
            "inflexible_device_sensors": list(request.flex_context.inflexible_device_sensors) + earlier_ids})
        steps.append(replace(request, devices=(device,), flex_context=context, sequential=False))
    return steps


def as_inflexible(schedule: SensorSchedule) -> tuple[SensorInfo, object]:
    """A finished device schedule as sensor data an inflexible-device reading understands (consumption
    positive, the schedule's own unit and step)."""
    import pandas as pd

    if schedule.instantaneous:
        raise FlexConfigError("sensor", "An instantaneous schedule cannot act as an inflexible device.")
    info = SensorInfo(schedule.sensor.id, schedule.sensor.unit, schedule.step,
                      {**schedule.sensor.attributes, "consumption_is_positive": True})
    index = pd.DatetimeIndex(schedule.event_starts())
    return info, pd.Series(np.asarray(schedule.values, dtype=float), index=index)
