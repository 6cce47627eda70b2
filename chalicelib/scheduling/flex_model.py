"""Flex-model schemas: one storage (or capacity-only) device, and the asset trigger's list entries."""
from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from chalicelib.scheduling import quantities as q


def field(kind: q.Kind):
    """A pydantic field type that parses a variable quantity of `kind` (None is refused)."""

    def parse(raw: Any):
        if raw is None:
            raise ValueError("Field may not be null.")
        return q.parse_value(raw, kind)

    return Annotated[Any, BeforeValidator(parse), Field(description=accepted_values(kind))]


def accepted_values(kind: q.Kind) -> str:
    """What a field of `kind` accepts, in words (the OpenAPI document shows it)."""
    what = f"a currency per {kind.unit}" if kind.price else f"units convertible to {kind.unit}"
    forms = [f'a quantity in {what} (e.g. "{_example(kind)}")']
    if kind.numbers:
        forms.append(f"a number (in {kind.unit})")
    if kind.sensors:
        forms.append('a sensor reference {"sensor": <id>}')
    if kind.series:
        forms.append('a time series [{"start": ..., "duration" or "end": ..., "value": ...}]')
    return "One of: " + "; ".join(forms) + "."


def _example(kind: q.Kind) -> str:
    if kind.price:
        return f"10 EUR/{kind.unit}"
    return {"MW": "10 kW", "MWh": "20 kWh"}.get(kind.unit, f"1 {kind.unit}")


def value_list(kind: q.Kind):
    """soc-gain / soc-usage: a non-empty list of variable quantities."""

    def parse(raw: Any):
        if not isinstance(raw, list):
            raise ValueError("Not a valid list.")
        if not raw:
            raise ValueError("Shorter than minimum length 1.")
        return [q.parse_value(item, kind) for item in raw]

    return Annotated[Any, BeforeValidator(parse), Field(description="A list, each item " + accepted_values(kind)[0]
                                                        .lower() + accepted_values(kind)[1:])]


def _roundtrip(raw: Any) -> float:
    if raw is None or isinstance(raw, (bool, dict, list)):
        raise q.unsupported_type(raw)
    value = q.parse_value(raw, q.Kind("", numbers=True, sensors=False, series=False)).value
    if not 0 < value <= 1:
        raise ValueError("Must be greater than 0 and less than or equal to 1.")
    return value


def _instantaneous_sensor(raw: Any) -> q.SensorRef:
    if not isinstance(raw, dict):
        raise ValueError("Unsupported value type. The state-of-charge field takes a sensor reference "
                         "like {\"sensor\": <id>}.")
    return q.parse_sensor_ref(raw)


class StorageFlexModel(BaseModel):
    """One device's flex-model (sensor trigger body, or an asset entry without its `sensor`)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=False, frozen=True, defer_build=True)

    soc_at_start: field(q.SOC) | None = Field(None, alias="soc-at-start")
    soc_unit: Literal["kWh", "MWh"] | None = Field(None, alias="soc-unit")
    soc_min: field(q.SOC_NON_NEGATIVE) | None = Field(None, alias="soc-min")
    soc_max: field(q.SOC) | None = Field(None, alias="soc-max")
    soc_minima: field(q.SOC_SERIES) | None = Field(None, alias="soc-minima")
    soc_maxima: field(q.SOC_SERIES) | None = Field(None, alias="soc-maxima")
    soc_targets: field(q.SOC_SERIES) | None = Field(None, alias="soc-targets")
    state_of_charge: Annotated[Any, BeforeValidator(_instantaneous_sensor)] | None = Field(
        None, alias="state-of-charge")
    power_capacity: field(q.POWER_NON_NEGATIVE) | None = Field(None, alias="power-capacity")
    consumption_capacity: field(q.POWER) | None = Field(None, alias="consumption-capacity")
    production_capacity: field(q.POWER) | None = Field(None, alias="production-capacity")
    charging_efficiency: field(q.RATIO) | None = Field(None, alias="charging-efficiency")
    discharging_efficiency: field(q.RATIO) | None = Field(None, alias="discharging-efficiency")
    roundtrip_efficiency: Annotated[float, BeforeValidator(_roundtrip)] | None = Field(
        None, alias="roundtrip-efficiency")
    storage_efficiency: field(q.RATIO) | None = Field(None, alias="storage-efficiency")
    soc_gain: value_list(q.POWER) | None = Field(None, alias="soc-gain")
    soc_usage: value_list(q.POWER) | None = Field(None, alias="soc-usage")
    prefer_charging_sooner: bool = Field(True, alias="prefer-charging-sooner")
    prefer_curtailing_later: bool = Field(True, alias="prefer-curtailing-later")

    @model_validator(mode="after")
    def _exclusive_efficiencies(self):
        if self.roundtrip_efficiency is not None:
            for name in ("charging_efficiency", "discharging_efficiency"):
                if getattr(self, name) is not None:
                    raise ValueError(f"Fields `{name}` and `roundtrip_efficiency` are mutually exclusive.")
        return self


class DeviceFlexModel(StorageFlexModel):
    """An asset trigger's flex-model entry: the device's power sensor plus its flex-model."""

    sensor: int


def duplicate_sensor_errors(entries: list[DeviceFlexModel]) -> list[str]:
    seen, errors = set(), []
    for entry in entries:
        if entry.sensor in seen:
            errors.append(f"Sensor {entry.sensor} should not occur more than once in the flex-model")
        seen.add(entry.sensor)
    return errors
