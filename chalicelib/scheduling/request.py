"""Trigger bodies (sensor and asset) and the scheduling request the core works from."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from chalicelib.scheduling.flex_context import FlexContext
from chalicelib.scheduling.flex_model import DeviceFlexModel, StorageFlexModel, duplicate_sensor_errors
from chalicelib.scheduling.problem import DeviceRequest
from chalicelib.schemas.common import AwareDatetime, Duration


class _TriggerBody(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=False, frozen=True, defer_build=True)

    start: AwareDatetime
    duration: Duration | None = None
    # FlexMeasures 1.0.1: schedule at this resolution (a coarser one than the sensors', e.g. set points changed
    # less often); the schedule is then kept at it, not resampled to each sensor's resolution.
    resolution: Duration | None = None
    prior: AwareDatetime | None = None
    flex_context: FlexContext = Field(default_factory=FlexContext, alias="flex-context")
    force_new_job_creation: bool = False

    @field_validator("resolution")
    @classmethod
    def _positive(cls, value: Any) -> Any:
        if value is not None and value <= timedelta(0):
            raise ValueError("The resolution must be a positive duration.")
        return value

    @field_validator("flex_context", mode="before")
    @classmethod
    def _context(cls, raw: Any) -> Any:
        # Run FlexContext's own cross-field checks (nested validation would skip its model_validate).
        return FlexContext.model_validate(raw) if isinstance(raw, dict) else raw


class TriggerArgs(_TriggerBody):
    """A sensor trigger before its scheduler is known: the flex-model need only be an object here, as
    FlexMeasures reads it with the chosen scheduler's own schema (after the sensor and permission checks)."""

    flex_model: dict = Field(default_factory=dict, alias="flex-model")


class SensorTriggerBody(_TriggerBody):
    """POST /sensors/<id>/schedules/trigger."""

    flex_model: StorageFlexModel = Field(default_factory=StorageFlexModel, alias="flex-model")


class AssetTriggerBody(_TriggerBody):
    """POST /assets/<id>/schedules/trigger (also the body of an offline problem file)."""

    # FlexMeasures 1.0.1: may be left out when the asset tree stores its flex-models (the API merges them in first).
    flex_model: list[DeviceFlexModel] = Field(default_factory=list, alias="flex-model")
    sequential: bool = False

    @model_validator(mode="after")
    def _unique_sensors(self):
        errors = duplicate_sensor_errors(self.flex_model)
        if errors:
            raise ValueError(errors[0])
        return self


@dataclass(frozen=True)
class ScheduleRequest:
    """Everything the core needs besides sensor data; `duration` None means the planning horizon."""

    scheduler: ClassVar[str] = "StorageScheduler"

    start: datetime
    duration: timedelta | None
    prior: datetime | None
    devices: tuple[DeviceRequest, ...]
    flex_context: FlexContext
    sequential: bool = False
    sensor_trigger: bool = False
    resolution: timedelta | None = None

    @property
    def sensor_ids(self) -> list[int]:
        return [device.sensor_id for device in self.devices]

    @classmethod
    def from_sensor_trigger(cls, sensor_id: int, body: SensorTriggerBody) -> "ScheduleRequest":
        return cls(body.start, body.duration, body.prior, (DeviceRequest(sensor_id, body.flex_model),),
                   body.flex_context, sequential=False, sensor_trigger=True, resolution=body.resolution)

    @classmethod
    def from_asset_trigger(cls, body: AssetTriggerBody) -> "ScheduleRequest":
        devices = tuple(DeviceRequest(entry.sensor, entry) for entry in body.flex_model)
        return cls(body.start, body.duration, body.prior, devices, body.flex_context, body.sequential,
                   resolution=body.resolution)
