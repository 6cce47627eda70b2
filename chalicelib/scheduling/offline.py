"""Offline solve: a problem file (an asset trigger body plus a "sensors" map) -> the JSON document `solve` prints.

The "sensors" map goes from sensor id to {"unit", "event_resolution", "start", "values", "attributes"?} and
answers every sensor reference (see scheduling/memory.py). Settings come from the caller.
"""
from __future__ import annotations

import json
import time
from datetime import timedelta
from typing import Any

from pydantic import ValidationError

from chalicelib.scheduling.errors import SchedulingError, WindowError
from chalicelib.scheduling.memory import sensor_data_from_map
from chalicelib.scheduling.request import AssetTriggerBody, ScheduleRequest
from chalicelib.scheduling.schedule import compute_schedule
from chalicelib.schemas.validation import nest_errors

NO_HORIZON = "The problem has no duration, and no default planning horizon was given."


class ProblemError(Exception):
    """A problem file that cannot be scheduled, with the reason the CLI prints (field errors as JSON)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def solve_file(problem: dict[str, Any], *, default_duration: timedelta | None = None,
               max_steps: int | None = None, time_limit: float | None = None) -> dict[str, Any]:
    """Solve a parsed problem file. `default_duration` answers a problem without a duration; `max_steps` None
    sets no step limit; `time_limit` (seconds) bounds the solver. ProblemError says why there is no schedule."""
    try:
        return _solve(problem, default_duration, max_steps, time_limit)
    except ValidationError as exc:
        raise ProblemError(json.dumps(nest_errors(exc.errors(include_url=False)))) from None
    except SchedulingError as exc:
        raise ProblemError(exc.reason) from exc


def _solve(problem: dict[str, Any], default_duration: timedelta | None, max_steps: int | None,
           time_limit: float | None) -> dict[str, Any]:
    began = time.perf_counter()
    body = {key: value for key, value in problem.items() if key != "sensors"}
    request = ScheduleRequest.from_asset_trigger(AssetTriggerBody.model_validate(body))
    horizon = default_duration if default_duration is not None else request.duration
    if horizon is None:
        raise WindowError(NO_HORIZON)
    data = sensor_data_from_map(problem.get("sensors") or {})
    result = compute_schedule(request, data, default_duration=horizon, max_steps=max_steps,
                              time_limit=time_limit)
    parse_seconds = time.perf_counter() - began - result.timings["total"]
    document = result.to_json()
    document["schedules"] = {str(s["sensor"]): s for s in document["schedules"]}
    document["state-of-charge"] = {str(s["sensor"]): s for s in document["state-of-charge"]}
    document["timings"] = {"build": result.timings["build"] + parse_seconds, "solve": result.timings["solve"],
                           "total": time.perf_counter() - began}
    return document
