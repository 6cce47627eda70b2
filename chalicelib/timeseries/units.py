"""Units: one pint registry (built on first use) with every ISO 4217 currency as its own dimension.

Convertibility follows FlexMeasures: two units convert when their ratio is dimensionless
(kW <-> W, EUR/MWh <-> EUR/kWh, % <-> dimensionless) or has the dimension of time (stock <-> flow,
which needs the duration of one step: kWh -> kW divides by the step in hours).
"""
from __future__ import annotations

import math

import re
from datetime import timedelta
from functools import lru_cache
from typing import Any

# Active ISO 4217 codes. Each becomes a base unit of its own dimension, so EUR never converts to USD.
CURRENCIES = (
    "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP BYN BZD "
    "CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD "
    "GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT "
    "LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR "
    "NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP "
    "STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VES VND VUV WST XAF XCD XOF "
    "XPF YER ZAR ZMW ZWL"
).split()


class UnitError(ValueError):
    """A unit pint cannot handle, or two units that do not convert."""


@lru_cache(maxsize=1)
def registry():
    import pint

    ureg = pint.UnitRegistry()
    for code in CURRENCIES:
        ureg.define(f"{code} = [currency_{code}] = {code}")
    return ureg


# pint's parser takes quadratic time in the length of its input; no real unit or quantity comes near this.
MAX_TEXT_CHARS = 200
# pint evaluates powers exactly, so `9**9**7` or `m**9**9**7` would run for minutes; real units need small ones.
MAX_EXPONENT = 4
_POWER = re.compile(r"\*\*|\^")
_SMALL_EXPONENT = re.compile(r"\s*(\(\s*)?[-+]?\s*(\d+(\.\d*)?|\.\d+)\s*(\))?")


def _bounded(text: str) -> bool:
    """Whether pint may evaluate `text` cheaply: short, and every power a literal of at most MAX_EXPONENT that
    is not itself raised to a power."""
    if len(text) > MAX_TEXT_CHARS:
        return False
    for power in _POWER.finditer(text):
        exponent = _SMALL_EXPONENT.match(text, power.end())
        if exponent is None or bool(exponent.group(1)) != bool(exponent.group(4)):
            return False
        if abs(float(exponent.group(0).strip(" ()").replace(" ", ""))) > MAX_EXPONENT:
            return False
        following = text[exponent.end():].lstrip()
        if following.startswith(("**", "^")):
            return False
    return True


@lru_cache(maxsize=1024)
def parse_unit(unit: str):
    """The pint Unit for a unit string ('' is dimensionless); UnitError if pint cannot parse it."""
    ureg = registry()
    if unit is None:
        raise UnitError("Unit 'None' cannot be handled.")
    text = unit.strip()
    if text == "":
        return ureg.dimensionless
    if not _bounded(text):
        raise UnitError(f"Unit '{unit}' cannot be handled.")
    try:
        return ureg.parse_units(text)
    except Exception:  # noqa: BLE001 - pint raises several types for unparseable input
        raise UnitError(f"Unit '{unit}' cannot be handled.") from None


def is_valid_unit(unit: str) -> bool:
    try:
        parse_unit(unit)
        return True
    except UnitError:
        return False


def _dimensionality(unit: str) -> dict[str, float]:
    return dict(parse_unit(unit).dimensionality)


def is_power_unit(unit: str) -> bool:
    return _dimensionality(unit) == {"[length]": 2, "[mass]": 1, "[time]": -3} if is_valid_unit(unit) else False


def is_energy_unit(unit: str) -> bool:
    return _dimensionality(unit) == {"[length]": 2, "[mass]": 1, "[time]": -2} if is_valid_unit(unit) else False


def currency_of(unit: str) -> str | None:
    """The single currency in a unit ('EUR/MWh' -> 'EUR'), else None."""
    if not is_valid_unit(unit):
        return None
    dims = [d for d in _dimensionality(unit) if d.startswith("[currency_")]
    return dims[0][len("[currency_"):-1] if len(dims) == 1 else None


def _is_price_per(unit: str, per: dict[str, float]) -> bool:
    currency = currency_of(unit)
    if currency is None:
        return False
    dims = _dimensionality(unit)
    dims.pop(f"[currency_{currency}]")
    if parse_unit(unit).dimensionality.get(f"[currency_{currency}]") != 1:
        return False
    return dims == {k: -v for k, v in per.items()}


def is_energy_price_unit(unit: str) -> bool:
    return _is_price_per(unit, {"[length]": 2, "[mass]": 1, "[time]": -2})


def is_capacity_price_unit(unit: str) -> bool:
    return _is_price_per(unit, {"[length]": 2, "[mass]": 1, "[time]": -3})


def conversion_factor(from_unit: str, to_unit: str, step: timedelta | None = None) -> float:
    """Multiply values in `from_unit` by this to get `to_unit`.

    Stock <-> flow conversions need `step`, the duration each value covers. Offset units (°C)
    are handled by `convert`, not here.
    """
    ureg = registry()
    try:
        ratio = (1 * parse_unit(from_unit) / parse_unit(to_unit)).to_base_units()
    except Exception:  # noqa: BLE001 - offset units (°C) have no factor; `convert` handles them
        raise UnitError(f"Cannot convert {from_unit} to {to_unit} by a factor") from None
    dims = dict(ratio.dimensionality)
    if not dims:
        return float(ratio.magnitude)
    if dims in ({"[time]": 1}, {"[time]": -1}):
        if not step:
            raise UnitError(f"Cannot convert {from_unit} to {to_unit} without a time step.")
        hours = ureg.Quantity(step.total_seconds(), "second")
        factor = ratio / hours if dims == {"[time]": 1} else ratio * hours
        return float(factor.to("dimensionless").magnitude)
    raise UnitError(f"Cannot convert {from_unit} to {to_unit}")


def is_convertible(from_unit: str, to_unit: str) -> bool:
    try:
        ratio = (1 * parse_unit(from_unit) / parse_unit(to_unit)).to_base_units()
    except UnitError:
        return False
    except Exception:  # noqa: BLE001 - offset units (°C) refuse multiplication
        return _offset_convertible(from_unit, to_unit)
    return dict(ratio.dimensionality) in ({}, {"[time]": 1}, {"[time]": -1})


def _offset_convertible(from_unit: str, to_unit: str) -> bool:
    return parse_unit(from_unit).dimensionality == parse_unit(to_unit).dimensionality


def convert(values: Any, from_unit: str, to_unit: str, step: timedelta | None = None) -> Any:
    """Convert a number or numpy array; UnitError when the units do not convert."""
    if from_unit == to_unit:
        return values
    parse_unit(from_unit)
    parse_unit(to_unit)
    try:
        return values * conversion_factor(from_unit, to_unit, step)
    except UnitError:
        if not _offset_convertible(from_unit, to_unit):
            raise UnitError(f"Cannot convert {from_unit} to {to_unit}") from None
        ureg = registry()
        return ureg.Quantity(values, parse_unit(from_unit)).to(parse_unit(to_unit)).magnitude


def parse_quantity(text: str) -> tuple[float, str]:
    """'25 kW' / '25kW' / '90%' / '0.29 EUR/kWh' -> (magnitude, unit string); UnitError if unparseable."""
    ureg = registry()
    try:
        if not _bounded(text.strip()):
            raise ValueError(text)
        quantity = ureg.Quantity(text.strip())
    except Exception:  # noqa: BLE001
        raise UnitError(f"Cannot convert value '{text}' to a valid quantity.") from None
    magnitude = float(quantity.magnitude if isinstance(quantity, ureg.Quantity) else quantity)
    if not math.isfinite(magnitude):  # "inf kW", "nan %": no quantity a schedule or a read-back can use
        raise UnitError(f"Cannot convert value '{text}' to a valid quantity.")
    if not isinstance(quantity, ureg.Quantity):
        return magnitude, ""
    return magnitude, f"{quantity.units:~}".replace(" ", "") if quantity.units != ureg.dimensionless else ""
