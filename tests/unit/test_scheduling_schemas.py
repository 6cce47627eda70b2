"""Flex-model and flex-context schemas: value forms, units, and 422 errors that name the field."""
from __future__ import annotations

import pytest

from chalicelib.errors import ApiError
from chalicelib.scheduling import quantities as q
from chalicelib.scheduling.flex_context import FlexContext, merge_flex_contexts
from chalicelib.scheduling.flex_model import StorageFlexModel
from chalicelib.scheduling.request import AssetTriggerBody, SensorTriggerBody
from chalicelib.schemas.validation import validate


def errors(model, data) -> dict:
    with pytest.raises(ApiError) as caught:
        validate(model, data)
    assert caught.value.status_code == 422
    assert caught.value.body["status"] == "UNPROCESSABLE_ENTITY"
    return caught.value.body["message"]["json"]


@pytest.mark.parametrize("text, value", [("25 kW", 0.025), ("25kW", 0.025), ("100 kVA", 0.1), ("2 MW", 2.0)])
def test_power_quantities_become_mw(text, value):
    model = StorageFlexModel.model_validate({"power-capacity": text})
    assert model.power_capacity == q.Constant(pytest.approx(value), "MW")


def test_soc_ratio_and_price_units():
    model = StorageFlexModel.model_validate({"soc-max": "12.1 kWh", "charging-efficiency": "120%",
                                             "discharging-efficiency": 0.9, "soc-min": 3})
    assert model.soc_max == q.Constant(pytest.approx(0.0121), "MWh")
    assert model.charging_efficiency == q.Constant(pytest.approx(1.2), "")
    assert model.discharging_efficiency == q.Constant(0.9, "")
    assert model.soc_min == q.Constant(3.0, None)  # a bare SoC number waits for soc-unit / the sensor unit
    context = FlexContext.model_validate({"site-peak-consumption-price": "1000 EUR/kW",
                                          "consumption-price": "0.29 EUR/kWh"})
    assert context.site_peak_consumption_price == q.Constant(pytest.approx(1e6), "EUR/MW")
    assert context.consumption_price == q.Constant(pytest.approx(290.0), "EUR/MWh")
    assert context.currency() == "EUR"


def test_sensor_references_and_series():
    model = StorageFlexModel.model_validate({
        "power-capacity": {"sensor": 7},
        "soc-targets": [{"value": "1 MWh", "datetime": "2026-01-01T10:00+01:00"},
                        {"value": "0.5 MWh", "start": "2026-01-01T12:00+01:00", "duration": "PT1H"}],
    })
    assert model.power_capacity == q.SensorRef(7)
    first, second = model.soc_targets.segments
    assert first.instant and first.value == 1.0 and first.start == first.end
    assert not second.instant and second.value == pytest.approx(0.5)
    assert (second.end - second.start).total_seconds() == 3600


def test_legacy_client_forms_are_accepted():
    # flexmeasures-client 0.9.6: create_storage_flex_model / create_storage_flex_context
    body = {
        "start": "2026-01-01T00:00:00+01:00", "duration": "PT24H",
        "flex-model": [{"sensor": 3, "soc-unit": "kWh", "soc-at-start": 50, "soc-max": 400, "soc-min": 20,
                        "roundtrip-efficiency": 0.9, "storage-efficiency": 0.99,
                        "soc-targets": [{"value": 100, "datetime": "2026-01-01T10:00:00+01:00"}]}],
        "flex-context": {"consumption-price-sensor": 4, "production-price-sensor": 5,
                         "inflexible-device-sensors": 6},
    }
    parsed = AssetTriggerBody.model_validate(body)
    entry = parsed.flex_model[0]
    assert entry.sensor == 3 and entry.soc_unit == "kWh" and entry.roundtrip_efficiency == 0.9
    assert entry.soc_targets.segments[0].value == 100 and entry.soc_targets.unit is None
    assert parsed.flex_context.consumption_price_sensor == 4
    assert parsed.flex_context.inflexible_device_sensors == [6]


@pytest.mark.parametrize("data, field, message", [
    ({"power-capacity": 3.0}, "power-capacity",
     "Unsupported value type. `<class 'float'>` was provided but only dict, list and str are supported."),
    ({"power-capacity": "3 kWh"}, "power-capacity", "Cannot convert value `3 kWh` to 'MW'"),
    ({"soc-unit": "Wh"}, "soc-unit", "Must be one of: kWh, MWh."),
    ({"roundtrip-efficiency": 1.2}, "roundtrip-efficiency", "Must be greater than 0 and less than or equal to 1."),
    ({"soc-min": -1}, "soc-min", "Must be greater than or equal to 0."),
    ({"soc-targets": [{"value": 1, "datetime": "2026-01-01T00:00+01:00", "end": "2026-01-01T01:00+01:00"}]},
     "soc-targets", "If using the 'datetime' field, no 'start', 'end' or 'duration' is expected."),
    ({"soc-targets": [{"value": 1, "duration": "PT1H"}]}, "soc-targets",
     "If using the 'duration' field, either 'start' or 'end' is expected."),
    ({"soc-targets": [{"value": 1, "start": "2026-01-01T00:00+01:00"}]}, "soc-targets",
     "Missing field(s) to describe timing: use the 'datetime' field, or a combination of 2 fields of 'start', "
     "'end' and 'duration'."),
    ({"soc-maxima": [{"value": "1 MWh", "datetime": "2026-01-01T00:00+01:00"},
                     {"value": "900 kWh", "datetime": "2026-01-01T01:00+01:00"}]}, "soc-maxima",
     "Segments of a time series must share the same unit."),
    ({"soc-targets": [{"value": 1, "datetime": "2026-01-01T00:00"}]}, "soc-targets", "Not a valid aware datetime."),
    ({"state-of-charge": {"sensor": "x"}}, "state-of-charge", "Not a valid integer."),
    ({"soc-gain": []}, "soc-gain", "Shorter than minimum length 1."),
    ({"power-capacity": "3 flurbs"}, "power-capacity",
     "Cannot convert value '3 flurbs' to a valid quantity. '3 flurbs' is not defined in the unit registry"),
    ({"soc-at-start": 1, "bogus": 2}, "bogus", "Unknown field."),
])
def test_flex_model_errors_name_the_field(data, field, message):
    assert errors(StorageFlexModel, data) == {field: [message]}


def test_roundtrip_excludes_one_way_efficiencies():
    assert errors(StorageFlexModel, {"roundtrip-efficiency": 0.9, "charging-efficiency": "95%"}) == {
        "_schema": ["Fields `charging_efficiency` and `roundtrip_efficiency` are mutually exclusive."]}


@pytest.mark.parametrize("data, field, message", [
    ({"consumption-price": 30}, "consumption-price",
     "Unsupported value type. `<class 'int'>` was provided but only dict, list and str are supported."),
    ({"consumption-price": "30 EUR/MWh", "production-price": "30 USD/MWh"}, "production-price",
     "Prices must share the same monetary unit. 'production-price' uses 'USD', but 'consumption-price' used 'EUR'."),
    ({"consumption-price-sensor": 3, "consumption-price": {"sensor": 3}}, "consumption-price-sensor",
     "Must pass either consumption-price or consumption-price-sensor."),
    ({"consumption-price-sensor": 3, "site-consumption-breach-price": "1 EUR/kW"}, "consumption-price-sensor",
     'Please switch to using `consumption-price: {"sensor": 3}`.'),
    ({"site-power-capacity": "-1 kW"}, "site-power-capacity", "Must be greater than or equal to 0."),
    ({"site-peak-consumption-price": "3 EUR/kWh"}, "site-peak-consumption-price",
     "Cannot convert value `3 EUR/kWh` to 'EUR/MW'"),
    ({"inflexible-device-sensors": ["a"]}, "inflexible-device-sensors", "Not a valid integer."),
    ({"relax-constraints": "maybe"}, "relax-constraints", "Not a valid boolean."),
])
def test_flex_context_errors_name_the_field(data, field, message):
    assert errors(FlexContext, data) == {field: [message]}


def test_trigger_bodies_nest_flex_errors_and_reject_duplicates():
    body = {"start": "2026-01-01T00:00+01:00", "flex-model": {"power-capacity": 1},
            "flex-context": {"production-price": 2}}
    message = errors(SensorTriggerBody, body)
    assert set(message) == {"flex-model", "flex-context"}
    assert "power-capacity" in message["flex-model"] and "production-price" in message["flex-context"]
    body = {"start": "2026-01-01T00:00+01:00", "flex-model": [{"sensor": 1}, {"sensor": 1}]}
    assert errors(AssetTriggerBody, body) == {"_schema": ["Sensor 1 should not occur more than once in the flex-model"]}
    assert errors(SensorTriggerBody, {"start": "2026-01-01T00:00"}) == {"start": ["Not a valid aware datetime."]}
    assert errors(SensorTriggerBody, {"start": "2026-01-01T00:00Z", "duration": "PT1M30S"}) == {
        "duration": ["FlexMeasures only support multiples of 1 minute."]}


def test_flex_context_merge_nearest_wins():
    assert merge_flex_contexts({"a": 1}, {"a": 2, "b": 2}, {"c": 3}) == {"a": 1, "b": 2, "c": 3}
