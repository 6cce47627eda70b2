"""ProcessScheduler (§11): one process of fixed power and duration, placed on allowed slots by price."""
from __future__ import annotations

import math
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any, ClassVar, Literal

import numpy as np
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

from chalicelib.scheduling.checks import context_errors, nest
from chalicelib.scheduling.errors import FlexConfigError, ProcessAllocationError, WindowError, unknown_sensor_message
from chalicelib.scheduling.flex_context import FlexContext
from chalicelib.scheduling.grid import Window, resolve_window, to_ns
from chalicelib.scheduling.outputs import SensorSchedule
from chalicelib.scheduling.problem import consumption_prices, power_sensor_error
from chalicelib.scheduling.request import TriggerArgs
from chalicelib.scheduling.resolve import Resolver
from chalicelib.scheduling.schedule import ScheduleResult
from chalicelib.scheduling.sources import Lookup, SensorData, SensorInfo
from chalicelib.schemas.common import AwareDatetime, Duration
from chalicelib.timeseries import units

NAME = "ProcessScheduler"
# FlexMeasures' ProcessScheduler version: the data source version of the schedules it stores.
SOURCE_VERSION = "1"
DEFAULT_PROCESS_TYPE = "INFLEXIBLE"
# FlexMeasures raises these texts as they are, braces included (the message is not an f-string there).
NO_ROOM = "Cannot allocate a block of time {duration} given the time restrictions provided."
RESTRICTED_WHOLE_WINDOW = ("Cannot handle time restrictions if the duration of the process exceeds that of the "
                           "schedule window.")


def _number(raw: Any) -> Any:
    # marshmallow's Float refuses booleans, which pydantic's lax float would read as 0 or 1.
    if isinstance(raw, bool):
        raise ValueError("Not a valid number.")
    return raw


def _default_type(raw: Any) -> Any:
    return DEFAULT_PROCESS_TYPE if raw is None else raw


class TimeRestriction(BaseModel):
    """A block in which the process may not run: slots starting in [start, start + duration) are excluded."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    start: AwareDatetime
    duration: Duration


class ProcessFlexModel(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=False, frozen=True, defer_build=True)

    duration: Duration
    power: Annotated[float, BeforeValidator(_number), Field(allow_inf_nan=False)]  # in the sensor's unit
    process_type: Annotated[Literal["INFLEXIBLE", "BREAKABLE", "SHIFTABLE"], BeforeValidator(_default_type)] = (
        Field(DEFAULT_PROCESS_TYPE, alias="process-type"))
    time_restrictions: list[TimeRestriction] = Field(default_factory=list, alias="time-restrictions")
    optimization_sense: Literal["MIN", "MAX"] = Field("MIN", alias="optimization-sense")

    @field_validator("duration")
    @classmethod
    def _positive(cls, value: timedelta) -> timedelta:
        if value <= timedelta(0):
            raise ValueError("Must be a positive duration.")
        return value


class ProcessTriggerBody(TriggerArgs):
    """POST /sensors/<id>/schedules/trigger for a sensor of a `process` or `load` asset."""

    flex_model: ProcessFlexModel = Field(alias="flex-model")

    @model_validator(mode="before")
    @classmethod
    def _no_flex_model_is_an_empty_one(cls, data: Any) -> Any:
        # So a missing flex-model reports its missing fields, under the flex-model's key.
        if isinstance(data, dict) and "flex-model" not in data:
            return {**data, "flex-model": {}}
        return data


def with_default_process_type(flex_model: Any, *attributes: dict | None) -> Any:
    """A missing (or null) process-type taken from the first attributes that have one (the sensor's, then its
    asset's), as FlexMeasures does before reading the flex-model; without any, the schema's INFLEXIBLE applies."""
    if not isinstance(flex_model, dict) or flex_model.get("process-type") is not None:
        return flex_model
    completed = {key: value for key, value in flex_model.items() if key != "process-type"}
    for found in attributes:
        value = (found or {}).get("process-type")
        if value is not None:
            return {**completed, "process-type": value}
    return completed


@dataclass(frozen=True)
class ProcessRequest:
    scheduler: ClassVar[str] = NAME

    start: datetime
    duration: timedelta | None  # the window; None means the planning horizon
    prior: datetime | None
    sensor_id: int
    model: ProcessFlexModel
    flex_context: FlexContext
    resolution: timedelta | None = None

    @property
    def sensor_ids(self) -> list[int]:
        return [self.sensor_id]

    @classmethod
    def from_sensor_trigger(cls, sensor_id: int, body: ProcessTriggerBody) -> "ProcessRequest":
        return cls(body.start, body.duration, body.prior, sensor_id, body.flex_model, body.flex_context,
                   body.resolution)


def process_window(request: ProcessRequest, sensor: SensorInfo, *, default_duration: timedelta,
                   max_steps: int | None) -> Window:
    """Δt is the requested resolution, else the sensor's."""
    return resolve_window(request.start, request.duration, request.resolution or sensor.resolution,
                          default_duration=default_duration,
                          max_steps=max_steps)


def trigger_errors(request: ProcessRequest, lookup: Lookup, *, default_duration: timedelta,
                   max_steps: int | None) -> dict[str, Any]:
    """The synchronous checks (as checks.trigger_errors for storage): sensor units, references, window."""
    sensor = lookup(request.sensor_id)
    message = unknown_sensor_message(request.sensor_id) if sensor is None else power_sensor_error(sensor)
    found = [(("flex-model", "sensor"), message)] if message else []
    found += [(("flex-context", field), text) for field, text in context_errors(request.flex_context, lookup)]
    if not found:
        try:
            process_window(request, sensor, default_duration=default_duration, max_steps=max_steps)
        except WindowError as exc:
            found.append((("duration",), str(exc)))
    return nest(found)


def compute_process_schedule(request: ProcessRequest, data: SensorData, *, default_duration: timedelta,
                             max_steps: int | None) -> ScheduleResult:
    """The power schedule (in the sensor's unit, consumption positive) and its energy cost at the
    consumption price; raises a SchedulingError subclass with a user-facing reason on failure."""

    began = time.perf_counter()
    sensor = data.sensor(request.sensor_id, "sensor")
    message = power_sensor_error(sensor)
    if message:
        raise FlexConfigError("sensor", message)
    window = process_window(request, sensor, default_duration=default_duration, max_steps=max_steps)
    resolver = Resolver(window, data, request.prior, request.flex_context.currency())
    prices = consumption_prices(request.flex_context, resolver)
    prepared = time.perf_counter()
    model = request.model
    slots = allocate(model.process_type, model.optimization_sense, math.ceil(model.duration / window.resolution),
                     prices, restricted_slots(model.time_restrictions, window))
    values = np.where(slots, model.power, 0.0)
    energy_cost = float(np.sum(prices * values) * units.conversion_factor(sensor.unit, "MW", window.resolution)
                        * window.hours)
    schedule = SensorSchedule(sensor, window.start, window.resolution, [float(v) + 0.0 for v in values])
    done = time.perf_counter()
    return ScheduleResult(window, [schedule], [], {"energy": energy_cost}, resolver.currency or "dimensionless",
                          list(window.warnings) + resolver.warnings,
                          {"build": prepared - began, "solve": done - prepared, "total": done - began})


def restricted_slots(restrictions: list[TimeRestriction], window: Window) -> np.ndarray:
    """True for each slot whose start lies in a restriction (FlexMeasures looks at slot starts only)."""
    starts = window.slot_starts_ns()
    restricted = np.zeros(window.n, dtype=bool)
    for block in restrictions:
        restricted |= (starts >= to_ns(block.start)) & (starts < to_ns(block.start + block.duration))
    return restricted


def allocate(process_type: str, sense: str, k: int, prices: np.ndarray, restricted: np.ndarray) -> np.ndarray:
    """Which of the N slots run the process (k = ⌈duration/Δt⌉ of them, or all N when k ≥ N).

    INFLEXIBLE: the earliest allowed block of k slots. SHIFTABLE: the allowed block with the lowest (MIN) or
    highest (MAX) price sum. BREAKABLE: the k cheapest (dearest) allowed slots. Ties go to the earliest.
    """
    n = len(prices)
    chosen = np.zeros(n, dtype=bool)
    if k >= n:
        if restricted.any():
            raise ProcessAllocationError(RESTRICTED_WHOLE_WINDOW)
        chosen[:] = True
        return chosen
    ranked = prices if sense == "MIN" else -prices
    if process_type == "BREAKABLE":
        allowed = np.flatnonzero(~restricted)
        if len(allowed) < k:
            raise ProcessAllocationError(NO_ROOM)
        chosen[allowed[np.argsort(ranked[allowed], kind="stable")[:k]]] = True
        return chosen
    blocked = np.lib.stride_tricks.sliding_window_view(restricted, k).any(axis=1)
    starts = np.flatnonzero(~blocked)
    if len(starts) == 0:
        raise ProcessAllocationError(NO_ROOM)
    if process_type == "INFLEXIBLE":
        first = starts[0]
    else:
        sums = _block_sums(ranked, k)[starts]
        # Equal blocks can differ in the last bits of a running sum; such near-ties still go to the earliest.
        tolerance = 1e-9 * max(1.0, float(np.abs(ranked).sum()))
        first = starts[np.flatnonzero(sums <= sums.min() + tolerance)[0]]
    chosen[first:first + k] = True
    return chosen


def _block_sums(values: np.ndarray, k: int) -> np.ndarray:
    """The sum of each run of k values, by start."""
    cumulative = np.concatenate(([0.0], np.cumsum(values)))
    return cumulative[k:] - cumulative[:-k]
