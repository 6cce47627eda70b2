"""Checks a trigger can run synchronously (no sensor data needed), so bad flex-configs get a 422 at once:
unknown sensors, inconvertible sensor units, missing or inconsistent SoC settings, too long a horizon."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from chalicelib.scheduling import quantities as q
from chalicelib.scheduling.errors import FlexConfigError, WindowError, unknown_sensor_message
from chalicelib.scheduling.flex_context import FlexContext, alias_of
from chalicelib.scheduling.flex_model import StorageFlexModel
from chalicelib.scheduling.problem import power_sensor_error
from chalicelib.scheduling.request import ScheduleRequest
from chalicelib.scheduling.sources import Lookup, SensorData, SensorInfo
from chalicelib.timeseries import units

# Scheduler unit per field that may reference a sensor; "price/MWh" and "price/MW" keep the sensor's currency.
MODEL_UNITS = {
    "power_capacity": "MW", "consumption_capacity": "MW", "production_capacity": "MW",
    "charging_efficiency": "", "discharging_efficiency": "", "storage_efficiency": "",
    "soc_minima": "MWh", "soc_maxima": "MWh", "soc_targets": "MWh", "soc_gain": "MW", "soc_usage": "MW",
}
CONTEXT_UNITS = {
    "consumption_price": "price/MWh", "production_price": "price/MWh",
    "site_power_capacity": "MW", "site_consumption_capacity": "MW", "site_production_capacity": "MW",
    "site_consumption_breach_price": "price/MW", "site_production_breach_price": "price/MW",
    "site_peak_consumption": "MW", "site_peak_production": "MW",
    "site_peak_consumption_price": "price/MW", "site_peak_production_price": "price/MW",
    "consumption_breach_price": "price/MW", "production_breach_price": "price/MW",
    "soc_minima_breach_price": "price/MWh", "soc_maxima_breach_price": "price/MWh",
}

Path = tuple  # e.g. ("flex-model", 0, "soc-max") or ("flex-context", "consumption-price")


def trigger_errors(request: ScheduleRequest, lookup: Lookup, *, default_duration: timedelta,
                   max_steps: int | None) -> dict[str, Any]:
    """Nested {"flex-model": {…}, "flex-context": {…}, "duration": [...]} messages; empty when all is well.

    `lookup` should answer None for sensors the user may not use, so they read as unknown.
    """
    found: list[tuple[Path, str]] = []
    for index, device in enumerate(request.devices):
        prefix = ("flex-model",) if request.sensor_trigger else ("flex-model", index)
        sensor = lookup(device.sensor_id)
        if sensor is None:
            found.append((prefix + ("sensor",), unknown_sensor_message(device.sensor_id)))
            continue
        message = power_sensor_error(sensor)
        if message:
            found.append((prefix + ("sensor",), message))
        found += [(prefix + (field,), message)
                  for field, message in _model_errors(device.model, sensor, lookup, request)]
    found += [(("flex-context", field), message) for field, message in context_errors(request.flex_context, lookup)]
    if not found:
        from chalicelib.scheduling.schedule import plan_window

        try:
            plan_window(request, SensorData(lookup, _no_data), default_duration=default_duration,
                        max_steps=max_steps)
        except WindowError as exc:
            found.append((("duration",), str(exc)))
    return nest(found)


def _no_data(*_args):
    return None


def _model_errors(model: StorageFlexModel, sensor: SensorInfo, lookup: Lookup, request: ScheduleRequest):
    from chalicelib.scheduling.problem import soc_sensor_error
    from chalicelib.scheduling.storage import soc_settings

    errors = list(_reference_errors(model, MODEL_UNITS, lookup, alias=_model_alias))
    if model.state_of_charge is not None:
        soc_sensor = lookup(model.state_of_charge.sensor)
        message = (unknown_sensor_message(model.state_of_charge.sensor) if soc_sensor is None
                   else soc_sensor_error(soc_sensor))
        if message:
            errors.append(("state-of-charge", message))
    if model.soc_at_start is None and model.state_of_charge is not None and not request.sensor_trigger:
        # An asset trigger's soc-at-start then comes from the state-of-charge sensor's data: the job checks it
        # (a sensor trigger falls back to the sensor's attributes, as the seed does, so it is checked here).
        return errors
    try:
        soc_settings(model, sensor, sensor_trigger=request.sensor_trigger, start=request.start)
    except FlexConfigError as exc:
        errors.append((exc.field, exc.message))
    return errors


def context_errors(context: FlexContext, lookup: Lookup) -> list[tuple[str, str]]:
    """(flex-context key, message) for referenced sensors that are unknown or have inconvertible units."""
    errors = list(_reference_errors(context, CONTEXT_UNITS, lookup, alias=alias_of))
    for name in ("consumption_price_sensor", "production_price_sensor"):
        sensor_id = getattr(context, name)
        if sensor_id is not None:
            errors += [(alias_of(name), m) for m in _unit_errors(q.SensorRef(sensor_id), "price/MWh", lookup)]
    for sensor_id in context.inflexible_device_sensors:
        errors += [("inflexible-device-sensors", m) for m in _unit_errors(q.SensorRef(sensor_id), "MW", lookup)]
    return errors


def _model_alias(name: str) -> str:
    return StorageFlexModel.model_fields[name].alias


def _reference_errors(parsed, units: dict[str, str], lookup: Lookup, alias):
    for name, unit in units.items():
        value = getattr(parsed, name)
        for item in value if isinstance(value, list) else [value]:
            for message in _unit_errors(item, unit, lookup):
                yield alias(name), message


def _unit_errors(value: Any, unit: str, lookup: Lookup) -> list[str]:
    if not isinstance(value, q.SensorRef):
        return []

    sensor = lookup(value.sensor)
    if sensor is None:
        return [unknown_sensor_message(value.sensor)]
    if unit.startswith("price/"):
        currency = units.currency_of(sensor.unit)
        target = f"{currency or 'EUR'}/{unit.split('/')[1]}"
    else:
        target = unit
    try:
        units.conversion_factor(sensor.unit, target, sensor.resolution or timedelta(hours=1))
    except units.UnitError:
        return [f"Cannot convert {sensor.unit} to {target}"]
    return []


def nest(found: list[tuple[Path, str]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for path, message in found:
        node = out
        for part in path[:-1]:
            node = node.setdefault(str(part), {})
        bucket = node.setdefault(str(path[-1]), [])
        if message not in bucket:
            bucket.append(message)
    return out
