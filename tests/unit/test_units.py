"""Units (contract §8.4): parsing, currencies as their own dimensions, convertibility, stock <-> flow."""
from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest

from chalicelib.timeseries import units

QUARTER = timedelta(minutes=15)


@pytest.mark.parametrize("unit", ["kW", "MWh", "EUR/MWh", "KRW/kWh", "kEUR", "cEUR", "%", "‰", "", "m³/h", "°C", "l/h"])
def test_valid_units(unit):
    assert units.is_valid_unit(unit)


@pytest.mark.parametrize("unit", ["blorps", "kW/", "kW + + W"])
def test_invalid_units(unit):
    assert not units.is_valid_unit(unit)
    with pytest.raises(units.UnitError, match="cannot be handled"):
        units.parse_unit(unit)


@pytest.mark.parametrize("from_unit,to_unit,factor", [
    ("kW", "W", 1000), ("J/s", "W", 1), ("l/h", "m³/h", 0.001), ("EUR/MWh", "EUR/kWh", 0.001),
    ("%", "", 0.01), ("", "%", 100), ("‰", "%", 0.1), ("kEUR", "EUR", 1000),
    ("kWh", "kW", 4), ("kW", "kWh", 0.25), ("MWh", "kW", 4000), ("m³", "m³/h", 4),
])
def test_conversion_factors(from_unit, to_unit, factor):
    assert units.is_convertible(from_unit, to_unit)
    assert units.conversion_factor(from_unit, to_unit, QUARTER) == pytest.approx(factor)


@pytest.mark.parametrize("from_unit,to_unit", [("EUR", "USD"), ("EUR/MWh", "USD/MWh"), ("%", "kWh"), ("°C", "W"),
                                               ("kW", "EUR"), ("blorps", "kW")])
def test_not_convertible(from_unit, to_unit):
    assert not units.is_convertible(from_unit, to_unit)
    with pytest.raises(units.UnitError):
        units.convert(np.array([1.0]), from_unit, to_unit, QUARTER)


def test_stock_to_flow_needs_a_step():
    with pytest.raises(units.UnitError, match="time step"):
        units.conversion_factor("kWh", "kW")
    hourly = units.convert(np.array([1.0, 2.0]), "kWh", "kW", timedelta(hours=1))
    assert hourly.tolist() == [1.0, 2.0]


def test_offset_units_convert_values():
    assert units.convert(np.array([20.0, 100.0]), "°C", "°F") == pytest.approx([68.0, 212.0])
    assert units.convert(5.0, "kW", "kW") == 5.0


@pytest.mark.parametrize("text,expected", [("25 kW", (25.0, "kW")), ("25kW", (25.0, "kW")), ("90%", (90.0, "%")),
                                           ("0.29 EUR/kWh", (0.29, "EUR/kWh")), ("3", (3.0, ""))])
def test_parse_quantity(text, expected):
    assert units.parse_quantity(text) == expected


def test_parse_quantity_rejects_nonsense():
    with pytest.raises(units.UnitError):
        units.parse_quantity("lots of blorps")


def test_unit_kinds_and_currencies():
    assert units.is_power_unit("kW") and units.is_power_unit("MW") and not units.is_power_unit("kWh")
    assert units.is_energy_unit("MWh") and units.is_energy_unit("J") and not units.is_energy_unit("kW")
    assert units.is_energy_price_unit("EUR/MWh") and units.is_energy_price_unit("KRW/kWh")
    assert not units.is_energy_price_unit("EUR/kW") and not units.is_energy_price_unit("EUR")
    assert units.is_capacity_price_unit("EUR/kW") and not units.is_capacity_price_unit("EUR/kWh")
    assert units.currency_of("KRW/kWh") == "KRW" and units.currency_of("kW") is None
    assert not units.is_power_unit("blorps") and units.currency_of("blorps") is None


def test_powers_pint_would_evaluate_for_minutes_are_refused_before_pint_sees_them(monkeypatch):
    """`9**9**7 kW` took pint 3.5 s (and `9**9**8` over a minute); `m**9**9**7` was stored as a sensor unit."""
    ureg = units.registry()

    def pint_must_not_run(*args, **kwargs):
        raise AssertionError("pint was asked to evaluate a refused text")

    monkeypatch.setattr(type(ureg), "parse_units", pint_must_not_run)
    monkeypatch.setattr(type(ureg), "Quantity", pint_must_not_run, raising=False)
    units.parse_unit.cache_clear()
    for text in ("9**9**7 kW", "9**9**8 kW", "m**9**9**7", "m**9", "kW^5", "m ** 2 ** 2", "m**(2", "kW**(1+1)"):
        assert not units.is_valid_unit(text), text
        with pytest.raises(units.UnitError):
            units.parse_quantity(text)
    units.parse_unit.cache_clear()


def test_small_powers_still_parse():
    for text, dimensions in (("MW**2", {"[length]": 4, "[mass]": 2, "[time]": -6}), ("m^3", {"[length]": 3}),
                             ("kg*m**2/s**3", {"[length]": 2, "[mass]": 1, "[time]": -3}),
                             ("m**-4", {"[length]": -4}), ("m**(-2)", {"[length]": -2})):
        assert dict(units.parse_unit(text).dimensionality) == dimensions, text
    assert units.parse_quantity("2**3 kW") == (8.0, "kW")
