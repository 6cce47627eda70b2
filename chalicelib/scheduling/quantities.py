"""Flex-config values ("variable quantities"): quantity strings, numbers, sensor references, time series.

Schemas parse each field into one of three plain shapes with its magnitude already in the field's
scheduler unit (MW, MWh, ratio, <cur>/MWh, <cur>/MW); bare numbers stay unit-less (`unit=None`) until
the problem builder knows their default unit (soc-unit or the power sensor's unit).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Union

from chalicelib.schemas.common import parse_aware_datetime
from chalicelib.schemas.durations import DurationError, parse_duration
from chalicelib.timeseries import units


@dataclass(frozen=True)
class Constant:
    value: float
    unit: str | None  # None: a bare number, in the field's default unit


@dataclass(frozen=True)
class SensorRef:
    sensor: int


@dataclass(frozen=True)
class Segment:
    start: datetime
    end: datetime
    value: float
    instant: bool  # given as `datetime`: one instant, not a window


@dataclass(frozen=True)
class Series:
    segments: tuple[Segment, ...]
    unit: str | None


Value = Union[Constant, SensorRef, Series]


@dataclass(frozen=True)
class Kind:
    """What a field accepts and the unit the scheduler wants it in."""

    unit: str  # scheduler unit; for prices "MWh"/"MW" is the per-unit under the currency
    numbers: bool = False  # bare numbers allowed (SoC fields, ratios)
    price: bool = False
    non_negative: bool = False
    sensors: bool = True
    series: bool = True


POWER = Kind("MW")
POWER_NON_NEGATIVE = Kind("MW", non_negative=True)
SOC = Kind("MWh", numbers=True, sensors=False, series=False)
SOC_NON_NEGATIVE = Kind("MWh", numbers=True, non_negative=True, sensors=False, series=False)
SOC_SERIES = Kind("MWh", numbers=True, non_negative=True)
RATIO = Kind("", numbers=True)
ENERGY_PRICE = Kind("MWh", price=True)
ENERGY_PRICE_NON_NEGATIVE = Kind("MWh", price=True, non_negative=True)
POWER_PRICE = Kind("MW", price=True, non_negative=True)


def unsupported_type(value: Any) -> ValueError:
    return ValueError(f"Unsupported value type. `{type(value)}` was provided but only dict, list and str are "
                      "supported.")


def parse_value(raw: Any, kind: Kind) -> Value:
    """One field value -> Constant / SensorRef / Series, or ValueError with FlexMeasures' message."""
    if isinstance(raw, bool):
        raise unsupported_type(raw)
    if isinstance(raw, dict):
        if not kind.sensors:
            raise ValueError("Unsupported value type. A sensor reference is not supported for this field.")
        return parse_sensor_ref(raw)
    if isinstance(raw, list):
        if not kind.series:
            raise ValueError("Unsupported value type. A time series is not supported for this field.")
        return parse_series(raw, kind)
    if isinstance(raw, str):
        value, unit = to_field_unit(raw, kind)
        _check_sign(_finite(value), kind)
        return Constant(value, unit)
    if isinstance(raw, (int, float)) and kind.numbers:
        _check_sign(_finite(raw), kind)
        return Constant(float(raw), "" if kind.unit == "" else None)
    raise unsupported_type(raw)


def _finite(value: float) -> float:
    """NaN and infinities (and ints beyond floats) are refused, as FlexMeasures' Float(allow_nan=False) does:
    the solver cannot use them and would fail later, in the worker."""
    try:
        number = float(value)
    except OverflowError:
        raise ValueError("Not a valid number.") from None
    if not math.isfinite(number):
        raise ValueError("Not a valid number.")
    return number


def parse_sensor_ref(raw: dict) -> SensorRef:
    if set(raw) != {"sensor"}:
        raise ValueError("Unsupported value type. A sensor reference must look like {\"sensor\": <id>}.")
    sensor = raw["sensor"]
    if isinstance(sensor, bool) or not isinstance(sensor, int):
        raise ValueError("Not a valid integer.")
    return SensorRef(sensor)


def _check_sign(value: float, kind: Kind) -> None:
    if kind.non_negative and value < 0:
        raise ValueError("Must be greater than or equal to 0.")


def to_field_unit(text: str, kind: Kind) -> tuple[float, str]:
    """'25 kW' -> (0.025, 'MW'); prices keep their currency: '0.29 EUR/kWh' -> (290.0, 'EUR/MWh')."""

    try:
        magnitude, unit = units.parse_quantity(text)
    except units.UnitError:
        raise ValueError(f"Cannot convert value '{text}' to a valid quantity. '{text}' is not defined in the "
                         "unit registry") from None
    if kind.price:
        currency = units.currency_of(unit) if unit else None
        target = f"{currency or 'EUR'}/{kind.unit}"
        per_unit = units.is_energy_price_unit if kind.unit == "MWh" else units.is_capacity_price_unit
        if currency is None or not per_unit(unit):
            raise ValueError(f"Cannot convert value `{text}` to '{target}'")
        factor = units.conversion_factor(unit, target)
    else:
        target = kind.unit
        try:
            factor = units.conversion_factor(unit, target)  # no step: stock <-> flow is refused here
        except units.UnitError:
            shown = "%" if target == "" else target
            raise ValueError(f"Cannot convert value `{text}` to '{shown}'") from None
    return magnitude * factor, target


def parse_series(raw: list, kind: Kind) -> Series:
    if not raw:
        raise ValueError("A time series needs at least one segment.")
    segments, seen_units = [], set()
    for item in raw:
        if not isinstance(item, dict):
            raise ValueError("Each segment of a time series must be an object with a value and its timing.")
        start, end, instant = _segment_timing(item)
        if "value" not in item:
            raise ValueError("Each segment of a time series needs a 'value'.")
        unknown = set(item) - {"value", "datetime", "start", "end", "duration"}
        if unknown:
            raise ValueError(f"Unknown field(s) in a time series segment: {', '.join(sorted(unknown))}.")
        raw_value = item["value"]
        if isinstance(raw_value, str):

            try:
                seen_units.add(units.parse_quantity(raw_value)[1])
            except units.UnitError:
                pass
        else:
            seen_units.add(None)
        constant = parse_value(raw_value, Kind(kind.unit, kind.numbers, kind.price, kind.non_negative,
                                               sensors=False, series=False))
        segments.append((Segment(start, end, constant.value, instant), constant.unit))
    if len(seen_units) > 1:
        raise ValueError("Segments of a time series must share the same unit.")
    return Series(tuple(s for s, _ in segments), segments[0][1])


def _segment_timing(item: dict) -> tuple[datetime, datetime, bool]:
    has = {key for key in ("datetime", "start", "end", "duration") if item.get(key) is not None}
    if "datetime" in has:
        if has - {"datetime"}:
            raise ValueError("If using the 'datetime' field, no 'start', 'end' or 'duration' is expected.")
        moment = parse_aware_datetime(item["datetime"])
        return moment, moment, True
    if "duration" in has and not has & {"start", "end"}:
        raise ValueError("If using the 'duration' field, either 'start' or 'end' is expected.")
    if len(has) < 2:
        raise ValueError("Missing field(s) to describe timing: use the 'datetime' field, or a combination of 2 "
                         "fields of 'start', 'end' and 'duration'.")
    start = parse_aware_datetime(item["start"]) if "start" in has else None
    end = parse_aware_datetime(item["end"]) if "end" in has else None
    if "duration" in has:
        try:
            duration = parse_duration(item["duration"])
        except DurationError as exc:
            raise ValueError(str(exc)) from None
        if start is None:
            start = end - duration
        elif end is None:
            end = start + duration
    if start > end:
        raise ValueError(f"Start {start.isoformat()} cannot be after end {end.isoformat()}.")
    return start, end, False


def series_end(value: Value | None) -> datetime | None:
    """The latest moment a time series mentions (used to extend the window for soc-targets)."""
    if not isinstance(value, Series):
        return None
    return max(segment.end for segment in value.segments)


