"""Offline solve: `python -m chalicelib.cli solve FILE` schedules a problem file without any AWS.

A problem file is an asset trigger body plus a top-level "sensors" map from sensor id to
{"unit", "event_resolution", "start", "values", "attributes"?}, which answers every sensor reference.
"""
from __future__ import annotations

import argparse
import json
import time
from datetime import datetime, timedelta
from typing import Any

from chalicelib.scheduling.sources import SensorData, SensorInfo


def sensor_data_from_map(sensors: dict[str, Any]) -> SensorData:
    """SensorData answering from a problem file's "sensors" map."""
    import numpy as np
    import pandas as pd

    from chalicelib.schemas.common import parse_aware_datetime
    from chalicelib.schemas.durations import parse_duration

    infos: dict[int, SensorInfo] = {}
    series: dict[int, Any] = {}
    for key, spec in sensors.items():
        sensor_id = int(key)
        resolution = parse_duration(spec.get("event_resolution", "PT0M"))
        infos[sensor_id] = SensorInfo(sensor_id, spec.get("unit", ""), resolution, dict(spec.get("attributes") or {}))
        values = spec.get("values") or []
        if values:
            step = parse_duration(spec["step"]) if "step" in spec else resolution
            if step <= timedelta(0):
                raise ValueError(f"Sensor {sensor_id} is instantaneous: give its values' spacing as \"step\".")
            start = parse_aware_datetime(spec["start"])
            index = pd.date_range(start, periods=len(values), freq=step)
            series[sensor_id] = pd.Series(np.array(values, dtype=float), index=index)

    def reader(sensor_id: int, start: datetime, end: datetime, prior: datetime | None):
        data = series.get(sensor_id)
        if data is None:
            return None
        return data[(data.index >= start) & (data.index < end)]

    return SensorData(infos.get, reader)


def solve_file(problem: dict[str, Any], solver: str = "cbc", *, default_duration: timedelta | None = None,
               max_steps: int | None = None) -> dict[str, Any]:
    """Solve a parsed problem file; returns the JSON document the CLI prints."""
    from chalicelib import settings
    from chalicelib.scheduling.request import AssetTriggerBody, ScheduleRequest
    from chalicelib.scheduling.schedule import compute_schedule

    began = time.perf_counter()
    body = {key: value for key, value in problem.items() if key != "sensors"}
    request = ScheduleRequest.from_asset_trigger(AssetTriggerBody.model_validate(body))
    data = sensor_data_from_map(problem.get("sensors") or {})
    result = compute_schedule(request, data,
                              default_duration=default_duration or settings.planning_horizon(),
                              max_steps=settings.max_planning_steps() if max_steps is None else max_steps,
                              solver=solver)
    parse_seconds = time.perf_counter() - began - result.timings["total"]
    document = result.to_json()
    document["schedules"] = {str(s["sensor"]): s for s in document["schedules"]}
    document["state-of-charge"] = {str(s["sensor"]): s for s in document["state-of-charge"]}
    document["timings"] = {"build": result.timings["build"] + parse_seconds, "solve": result.timings["solve"],
                           "total": time.perf_counter() - began}
    return document


def cmd_solve(args: argparse.Namespace) -> None:
    from pydantic import ValidationError

    from chalicelib.cli import CliError
    from chalicelib.scheduling.errors import SchedulingError
    from chalicelib.schemas.validation import nest_errors

    try:
        with open(args.file, encoding="utf-8") as handle:
            problem = json.load(handle)
    except (OSError, ValueError) as exc:
        raise CliError(f"Cannot read problem file {args.file}: {exc}") from None
    if not isinstance(problem, dict):
        raise CliError("A problem file holds a JSON object (an asset trigger body plus \"sensors\").")
    try:
        document = solve_file(problem, args.solver)
    except ValidationError as exc:
        raise CliError(json.dumps(nest_errors(exc.errors(include_url=False)))) from None
    except SchedulingError as exc:
        raise CliError(exc.reason) from None
    print(json.dumps(document, indent=1))


def register_cli(add) -> None:
    parser = add("solve", cmd_solve, "solve a scheduling problem file offline (no AWS) and print JSON")
    parser.add_argument("file", help="asset trigger body plus a \"sensors\" map (see benchmarks/)")
    parser.add_argument("--solver", default="cbc", choices=["cbc"])
