"""Units shown together in a chart: the smallest common unit, scale factors to it, and a unit's dimension name."""
from __future__ import annotations

from chalicelib.timeseries import units as u
from chalicelib.timeseries.units import CURRENCIES, UnitError, conversion_factor, parse_unit, registry

ARBITRARY_UNITS = "a.u."


def smallest_common_unit(units: list[str]) -> tuple[str, dict[str, float]]:
    """The unit with the smallest magnitude among `units`, and the factor taking each unit to it.

    Units of different dimensions (kW and m), or that only convert with an offset (°C and K),
    share no unit: "a.u." with factors of 1, as FlexMeasures does.
    """

    units = list(dict.fromkeys(units))
    if not units:
        return ARBITRARY_UNITS, {}
    try:
        parsed = [parse_unit(u) for u in units]
        if len({str(p.dimensionality) for p in parsed}) > 1:
            raise UnitError("different dimensions")
        magnitudes = [registry().Quantity(1.0, p).to_base_units().magnitude for p in parsed]
        smallest = units[magnitudes.index(min(magnitudes))]
        return smallest, {u: conversion_factor(u, smallest) for u in units}
    except Exception:  # noqa: BLE001 - pint raises many types; any failure means "no common unit"
        return ARBITRARY_UNITS, {u: 1.0 for u in units}


def shared_unit(units: list[str]) -> str:
    """The unit a chart row's y-axis shows: the smallest common one ("dimensionless" for unitless rows)."""
    unit, _ = smallest_common_unit(sorted({u for u in units if u}))
    return unit if unit else "dimensionless"


def unit_dimension(unit: str) -> str:
    """What a unit measures, for axis titles of rows mixing sensor types: "power", "energy price", ..."""

    if not u.is_valid_unit(unit):
        return "value"
    checks = (("power", u.is_power_unit), ("energy", u.is_energy_unit), ("energy price", u.is_energy_price_unit),
              ("price", _is_price_unit), ("currency", _is_currency), ("speed", _is_speed_unit))
    for name, check in checks:
        if check(unit):
            return name
    if unit == "%":
        return "percentage"
    dimensions = dict(u.parse_unit(unit).dimensionality)
    if len(dimensions) == 1:
        return next(iter(dimensions)).strip("[]")
    return "value"


def _is_price_unit(unit: str) -> bool:
    return unit[:3] in CURRENCIES and len(unit) > 3 and unit[3] == "/"


def _is_currency(unit: str) -> bool:
    return unit in CURRENCIES


def _is_speed_unit(unit: str) -> bool:
    return dict(parse_unit(unit).dimensionality) == {"[length]": 1, "[time]": -1}
