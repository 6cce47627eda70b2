"""Which scheduler plans a sensor (§9), and each scheduler's trigger body, checks and solve.

The API imports it inside functions only: it loads the whole core (numpy, pydantic schemas).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Callable

from chalicelib.scheduling import checks, process, schedule
from chalicelib.scheduling.request import ScheduleRequest, SensorTriggerBody
from chalicelib.scheduling.sources import SensorData

PROCESS_ASSET_TYPES = frozenset({"process", "load"})


def _unchanged(flex_model: Any, *_attributes: dict | None) -> Any:
    return flex_model


@dataclass(frozen=True)
class Scheduler:
    name: str
    source_version: str  # FlexMeasures' version of this scheduler, recorded on the data source of its schedules
    trigger_body: type  # pydantic model of a sensor trigger body
    sensor_request: Callable[[int, Any], Any]  # (sensor id, parsed body) -> the request `compute` takes
    trigger_errors: Callable[..., dict]  # (request, lookup, default_duration=, max_steps=) -> nested messages
    # (request, data, default_duration=, max_steps=, time_limit=) -> ScheduleResult; time_limit in solver seconds
    compute: Callable[..., Any]
    # (raw flex-model, sensor attributes, asset attributes) -> the flex-model with attribute defaults filled in
    completed_flex_model: Callable[..., Any] = _unchanged

    @property
    def info(self) -> dict:
        """The job meta FlexMeasures reports ("<name> was used.")."""
        return {"scheduler_info": {"scheduler": self.name}}


def _compute_process(request: process.ProcessRequest, data: SensorData, *, default_duration: timedelta,
                     max_steps: int | None, time_limit: float | None = None) -> schedule.ScheduleResult:
    """The ProcessScheduler places the process by price without a solver, so a solver time limit has no use."""
    return process.compute_process_schedule(request, data, default_duration=default_duration, max_steps=max_steps)


STORAGE = Scheduler("StorageScheduler", "5", SensorTriggerBody, ScheduleRequest.from_sensor_trigger,
                    checks.trigger_errors, schedule.compute_schedule)
PROCESS = Scheduler(process.NAME, process.SOURCE_VERSION, process.ProcessTriggerBody,
                    process.ProcessRequest.from_sensor_trigger, process.trigger_errors,
                    _compute_process, process.with_default_process_type)
SCHEDULERS = {scheduler.name: scheduler for scheduler in (STORAGE, PROCESS)}


def for_asset_type(type_name: str | None) -> Scheduler:
    """Process and load assets get the ProcessScheduler, all others the StorageScheduler. FlexMeasures'
    `custom-scheduler` attribute (a user's Python class) is not supported and so not looked at."""
    return PROCESS if type_name in PROCESS_ASSET_TYPES else STORAGE


def named(name: str | None) -> Scheduler:
    """A job's scheduler by the name stored with it (jobs stored without one are storage jobs)."""
    return SCHEDULERS[name or STORAGE.name]
