"""Helpers for the scheduling tests: in-memory sensor data and problem files."""
from __future__ import annotations

from datetime import timedelta

from chalicelib.scheduling.memory import sensor_data_from_map
from chalicelib.scheduling.offline import solve_file
from chalicelib.scheduling.request import AssetTriggerBody, ScheduleRequest, SensorTriggerBody
from chalicelib.scheduling.schedule import compute_schedule

HORIZON = timedelta(hours=48)


def sensor(unit: str, resolution: str = "PT15M", start: str | None = None, values=(), **attributes) -> dict:
    spec = {"unit": unit, "event_resolution": resolution, "values": list(values)}
    if start:
        spec["start"] = start
    if attributes:
        spec["attributes"] = attributes
    return spec


def asset_schedule(body: dict, sensors: dict, max_steps: int = 2520):
    request = ScheduleRequest.from_asset_trigger(AssetTriggerBody.model_validate(body))
    return compute_schedule(request, sensor_data_from_map(sensors), default_duration=HORIZON, max_steps=max_steps)


def sensor_schedule(sensor_id: int, body: dict, sensors: dict, max_steps: int = 2520):
    request = ScheduleRequest.from_sensor_trigger(sensor_id, SensorTriggerBody.model_validate(body))
    return compute_schedule(request, sensor_data_from_map(sensors), default_duration=HORIZON, max_steps=max_steps)


def solve_problem_file(problem: dict) -> dict:
    return solve_file(problem, default_duration=HORIZON, max_steps=2520)
