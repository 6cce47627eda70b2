"""Synchronous trigger checks: unknown sensors, sensor units, SoC settings and the horizon, nested by field."""
from __future__ import annotations

from chalicelib.scheduling.checks import trigger_errors
from chalicelib.scheduling.memory import sensor_data_from_map
from chalicelib.scheduling.request import AssetTriggerBody, ScheduleRequest, SensorTriggerBody
from tests.unit.scheduling_fixtures import HORIZON, sensor

START = "2026-01-01T00:00+00:00"
SENSORS = {"1": sensor("kW"), "2": sensor("EUR/MWh"), "3": sensor("kWh", "PT0M"), "4": sensor("kWh", "PT15M"),
           "5": sensor("%")}


def check(request: ScheduleRequest, max_steps: int = 2520) -> dict:
    return trigger_errors(request, sensor_data_from_map(SENSORS).lookup, default_duration=HORIZON,
                          max_steps=max_steps)


def asset(entries: list[dict], context: dict | None = None, **body) -> ScheduleRequest:
    return ScheduleRequest.from_asset_trigger(AssetTriggerBody.model_validate(
        {"start": START, "flex-model": entries, "flex-context": context or {}, **body}))


def test_a_valid_request_has_no_errors():
    request = asset([{"sensor": 1, "soc-at-start": 10, "soc-max": 100, "power-capacity": {"sensor": 4},
                      "state-of-charge": {"sensor": 3}}],
                    {"consumption-price": {"sensor": 2}, "inflexible-device-sensors": [4]})
    assert check(request) == {}


def test_unknown_sensors_and_units_are_named_by_field():
    request = asset([{"sensor": 1, "power-capacity": {"sensor": 2}, "charging-efficiency": {"sensor": 5},
                      "soc-gain": ["1 kW", {"sensor": 9}]}, {"sensor": 8}, {"sensor": 5}],
                    {"consumption-price": {"sensor": 1}, "inflexible-device-sensors": [2],
                     "production-price-sensor": 7})
    assert check(request) == {
        "flex-model": {"0": {"power-capacity": ["Cannot convert EUR/MWh to MW"],
                             "soc-gain": ["No sensor found with ID 9."]},
                       "1": {"sensor": ["No sensor found with ID 8."]},
                       "2": {"sensor": ["Sensor 5 cannot hold a power schedule: cannot convert MW to %"]}},
        "flex-context": {"consumption-price": ["Cannot convert kW to EUR/MWh"],
                         "production-price-sensor": ["No sensor found with ID 7."],
                         "inflexible-device-sensors": ["Cannot convert EUR/MWh to MW"]},
    }


def test_soc_settings_and_state_of_charge_sensor():
    request = ScheduleRequest.from_sensor_trigger(1, SensorTriggerBody.model_validate(
        {"start": START, "flex-model": {"soc-min": 50, "state-of-charge": {"sensor": 4}}}))
    assert check(request) == {"flex-model": {
        "soc-max": ["Need maximal permitted state of charge, please specify soc-max or some soc-targets."],
        "state-of-charge": ["The state-of-charge field points to a sensor with a non-instantaneous event "
                            "resolution (sensor 4); use an instantaneous sensor."]}}
    below = asset([{"sensor": 1, "soc-at-start": 10, "soc-min": 50, "soc-max": 20}])
    assert list(check(below)["flex-model"]["0"]) == ["soc-max"]


def test_horizon_longer_than_the_maximum():
    request = asset([{"sensor": 1}], duration="P30D")
    assert check(request) == {"duration": ["The scheduling window of 2880 steps exceeds the maximum planning "
                                           "horizon of 2520 steps of PT15M."]}
