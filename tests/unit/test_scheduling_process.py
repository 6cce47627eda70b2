"""ProcessScheduler core: the process flex-model schema, slot allocation per process type, schedules and costs."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import numpy as np
import pytest
from pydantic import ValidationError

from chalicelib.scheduling import choice
from chalicelib.scheduling.errors import ProcessAllocationError, UnknownPricesException
from chalicelib.scheduling.grid import Window
from chalicelib.scheduling.memory import sensor_data_from_map
from chalicelib.scheduling.process import (NO_ROOM, RESTRICTED_WHOLE_WINDOW, ProcessRequest, ProcessTriggerBody,
                                           TimeRestriction, allocate, compute_process_schedule, restricted_slots,
                                           trigger_errors, with_default_process_type)
from chalicelib.schemas.validation import nest_errors

START = "2026-01-01T00:00:00+00:00"
T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)
HORIZON = timedelta(hours=48)
#         0  1  2  3  4  5  6  7
PRICES = [5, 3, 9, 1, 1, 8, 2, 7]
NONE = np.zeros(8, dtype=bool)


def slots(process_type, k, prices=PRICES, restricted=NONE, sense="MIN") -> list[int]:
    chosen = allocate(process_type, sense, k, np.array(prices, dtype=float), np.asarray(restricted))
    return [int(j) for j in np.flatnonzero(chosen)]


def blocked(*indices, n=8) -> np.ndarray:
    mask = np.zeros(n, dtype=bool)
    mask[list(indices)] = True
    return mask


# --- allocation ---------------------------------------------------------------------------------------

def test_inflexible_takes_the_earliest_block_that_fits():
    assert slots("INFLEXIBLE", 3) == [0, 1, 2]
    assert slots("INFLEXIBLE", 3, restricted=blocked(1)) == [2, 3, 4]
    assert slots("INFLEXIBLE", 2, restricted=blocked(0, 3)) == [1, 2]
    assert slots("INFLEXIBLE", 3, sense="MAX", restricted=blocked(0, 3)) == [4, 5, 6]  # the sense plays no part


def test_shiftable_takes_the_cheapest_or_dearest_allowed_block():
    assert slots("SHIFTABLE", 2) == [3, 4]  # 1 + 1
    assert slots("SHIFTABLE", 2, sense="MAX") == [1, 2]  # 3 + 9 = 12, ahead of 9 + 1, 8 + 2 and 2 + 7
    assert slots("SHIFTABLE", 3) == [3, 4, 5]  # 1 + 1 + 8 = 10, ahead of 9 + 1 + 1 and 1 + 8 + 2 (both 11)


def test_shiftable_restrictions_exclude_every_block_touching_them():
    # Allowed pairs with slot 4 blocked: (0,1)=8, (1,2)=12, (2,3)=10, (5,6)=10, (6,7)=9 -> (0,1).
    assert slots("SHIFTABLE", 2, restricted=blocked(4)) == [0, 1]
    # Blocking 0 and 4: (1,2)=12, (2,3)=10, (5,6)=10, (6,7)=9 -> (6,7).
    assert slots("SHIFTABLE", 2, restricted=blocked(0, 4)) == [6, 7]


def test_shiftable_ties_go_to_the_earliest_block():
    assert slots("SHIFTABLE", 2, prices=[4, 4, 4, 4, 4, 4, 4, 4]) == [0, 1]
    assert slots("SHIFTABLE", 2, prices=[9, 1, 2, 9, 2, 1, 9, 9]) == [1, 2]
    assert slots("SHIFTABLE", 2, prices=[1, 9, 9, 9, 9, 9, 9, 1], sense="MAX") == [1, 2]
    # Sums that differ only in their last bits (0.1 + 0.2 + 0.3 against 0.3 + 0.2 + 0.1) still tie.
    assert slots("SHIFTABLE", 3, prices=[0.1, 0.2, 0.3, 9, 0.3, 0.2, 0.1, 9]) == [0, 1, 2]


def test_breakable_takes_the_cheapest_or_dearest_allowed_slots():
    assert slots("BREAKABLE", 3) == [3, 4, 6]
    assert slots("BREAKABLE", 3, sense="MAX") == [2, 5, 7]
    assert slots("BREAKABLE", 3, restricted=blocked(3, 4)) == [0, 1, 6]


def test_breakable_ties_go_to_the_earliest_slots():
    assert slots("BREAKABLE", 2, prices=[2, 1, 2, 1, 2, 1, 2, 2]) == [1, 3]
    assert slots("BREAKABLE", 3, prices=[2, 1, 2, 1, 2, 1, 2, 2], sense="MAX") == [0, 2, 4]


@pytest.mark.parametrize("process_type", ["INFLEXIBLE", "SHIFTABLE", "BREAKABLE"])
def test_a_process_as_long_as_the_window_or_longer_fills_it(process_type):
    assert slots(process_type, 8) == list(range(8))
    assert slots(process_type, 20) == list(range(8))
    with pytest.raises(ProcessAllocationError) as info:
        slots(process_type, 8, restricted=blocked(5))
    assert str(info.value) == RESTRICTED_WHOLE_WINDOW


def test_too_little_room_is_an_error_with_flexmeasures_literal_text():
    assert NO_ROOM == "Cannot allocate a block of time {duration} given the time restrictions provided."
    for process_type in ("INFLEXIBLE", "SHIFTABLE"):
        with pytest.raises(ProcessAllocationError) as info:
            slots(process_type, 3, restricted=blocked(2, 5))  # longest free run: 2 slots
        assert str(info.value) == NO_ROOM
        assert info.value.reason == f"ValueError: {NO_ROOM}"
    assert slots("BREAKABLE", 3, restricted=blocked(2, 5)) == [3, 4, 6]  # breakable fits in the gaps
    with pytest.raises(ProcessAllocationError):
        slots("BREAKABLE", 6, restricted=blocked(0, 2, 5))


def test_restrictions_cover_the_slots_starting_inside_them():
    window = Window(T0, T0 + timedelta(hours=2), timedelta(minutes=15))
    restrictions = [TimeRestriction(start=T0 + timedelta(minutes=20), duration=timedelta(minutes=30)),
                    TimeRestriction(start=T0 + timedelta(hours=1, minutes=45), duration=timedelta(hours=5)),
                    TimeRestriction(start=T0 - timedelta(hours=3), duration=timedelta(hours=1))]
    # 00:20–00:50 holds the starts 00:30 and 00:45 (not 00:15, which only overlaps it); 01:45 onwards.
    assert [int(j) for j in np.flatnonzero(restricted_slots(restrictions, window))] == [2, 3, 7]


# --- schema -------------------------------------------------------------------------------------------

def body_errors(flex_model=None, **body) -> dict:
    data = {"start": START, **body}
    if flex_model is not None:
        data["flex-model"] = flex_model
    with pytest.raises(ValidationError) as info:
        ProcessTriggerBody.model_validate(data)
    return nest_errors(info.value.errors(include_url=False))


def test_duration_and_power_are_required():
    missing = ["Missing data for required field."]
    assert body_errors() == {"flex-model": {"duration": missing, "power": missing}}
    assert body_errors({"power": 5}) == {"flex-model": {"duration": missing}}


@pytest.mark.parametrize("field, value, message", [
    ("duration", "2 hours", "Cannot parse 2 hours as ISO8601 duration"),
    ("duration", "PT0M", "Must be a positive duration."),
    ("duration", "PT90S", "FlexMeasures only support multiples of 1 minute."),
    ("power", "10 kW", "Not a valid number."),
    ("power", True, "Not a valid number."),
    ("power", "nan", "Not a valid number."),
    ("process-type", "shiftable", "Must be one of: INFLEXIBLE, BREAKABLE, SHIFTABLE."),
    ("optimization-sense", "MINIMIZE", "Must be one of: MIN, MAX."),
    ("time-restrictions", {"start": START, "duration": "PT1H"}, "Not a valid list."),
    ("soc-at-start", "1 kWh", "Unknown field."),
])
def test_invalid_fields_are_named(field, value, message):
    errors = body_errors({"duration": "PT1H", "power": 5, field: value})
    assert list(errors) == ["flex-model"] and list(errors["flex-model"]) == [field]
    assert errors["flex-model"][field][0].startswith(message)


def test_time_restriction_entries_are_checked_by_index():
    errors = body_errors({"duration": "PT1H", "power": 5, "time-restrictions": [
        {"start": START, "duration": "PT1H"}, {"start": "2026-01-01T00:00", "length": "PT1H"}]})
    assert errors == {"flex-model": {"time-restrictions": {"1": {
        "start": ["Not a valid aware datetime."], "duration": ["Missing data for required field."],
        "length": ["Unknown field."]}}}}


def test_defaults_and_a_full_flex_model():
    body = ProcessTriggerBody.model_validate({"start": START, "flex-model": {"duration": "PT1H", "power": "2.5"}})
    model = body.flex_model
    assert (model.duration, model.power, model.process_type, model.optimization_sense, model.time_restrictions) == (
        timedelta(hours=1), 2.5, "INFLEXIBLE", "MIN", [])
    body = ProcessTriggerBody.model_validate({"start": START, "flex-model": {
        "duration": "PT1H", "power": -3, "process-type": "BREAKABLE", "optimization-sense": "MAX",
        "time-restrictions": [{"start": "2026-01-01T02:00:00+01:00", "duration": "PT30M"}]}})
    model = body.flex_model
    assert (model.power, model.process_type, model.optimization_sense) == (-3.0, "BREAKABLE", "MAX")
    assert model.time_restrictions == [TimeRestriction(start=T0 + timedelta(hours=1), duration=timedelta(minutes=30))]


def test_the_process_type_falls_back_to_the_sensor_then_the_asset_attribute():
    given = {"duration": "PT1H", "power": 1}
    sensor, asset = {"process-type": "SHIFTABLE"}, {"process-type": "BREAKABLE"}
    assert with_default_process_type(given, sensor, asset)["process-type"] == "SHIFTABLE"
    assert with_default_process_type(given, {}, asset)["process-type"] == "BREAKABLE"
    assert with_default_process_type({**given, "process-type": None}, None, asset)["process-type"] == "BREAKABLE"
    assert with_default_process_type({**given, "process-type": "INFLEXIBLE"}, sensor, asset)["process-type"] == (
        "INFLEXIBLE")
    assert with_default_process_type({**given, "process-type": None}, {}, {}) == given  # the schema's default
    assert with_default_process_type("not an object", sensor) == "not an object"  # left for the schema to refuse


def test_asset_types_choose_the_scheduler():
    assert choice.for_asset_type("process") is choice.PROCESS and choice.for_asset_type("load") is choice.PROCESS
    assert choice.for_asset_type("battery") is choice.STORAGE and choice.for_asset_type(None) is choice.STORAGE
    assert choice.named(None) is choice.STORAGE and choice.named("ProcessScheduler") is choice.PROCESS
    assert choice.PROCESS.info == {"scheduler_info": {"scheduler": "ProcessScheduler"}}


# --- schedules from sensor data -----------------------------------------------------------------------

def hourly_prices(values, sensor_id=10, unit="EUR/MWh") -> dict:
    return {str(sensor_id): {"unit": unit, "event_resolution": "PT1H", "start": START, "values": list(values)}}


def process_schedule(flex_model: dict, sensors: dict, sensor_id: int = 1, **body):
    data = {"start": START, "duration": "PT8H", "flex-model": flex_model,
            "flex-context": {"consumption-price": {"sensor": 10}}, **body}
    request = ProcessRequest.from_sensor_trigger(sensor_id, ProcessTriggerBody.model_validate(data))
    return compute_process_schedule(request, sensor_data_from_map(sensors), default_duration=HORIZON,
                                    max_steps=2520)


def test_a_shiftable_process_on_a_finer_sensor_with_a_price_sensor():
    sensors = {"1": {"unit": "kW", "event_resolution": "PT30M"}, **hourly_prices(PRICES)}
    result = process_schedule({"duration": "PT1H15M", "power": 40, "process-type": "SHIFTABLE"}, sensors)
    schedule = result.power[0]
    assert (schedule.start, schedule.step, schedule.sensor.unit) == (T0, timedelta(minutes=30), "kW")
    # k = ⌈75 min / 30 min⌉ = 3 half-hours; 03:00–04:30 costs 1, 1, 1 (half-hourly prices from hourly ones).
    assert [j for j, v in enumerate(schedule.values) if v] == [6, 7, 8]
    assert set(schedule.values) == {0.0, 40.0} and len(schedule.values) == 16
    # 40 kW for 1.5 h = 0.06 MWh at 1 EUR/MWh.
    assert result.costs == {"energy": pytest.approx(0.06)} and result.currency == "EUR"
    assert result.soc == [] and set(result.timings) == {"build", "solve", "total"}


def test_energy_unit_sensors_take_power_as_energy_per_slot_and_max_sense():
    sensors = {"1": {"unit": "kWh", "event_resolution": "PT1H"}, **hourly_prices(PRICES)}
    result = process_schedule({"duration": "PT2H", "power": 10, "process-type": "BREAKABLE",
                               "optimization-sense": "MAX"}, sensors)
    assert result.power[0].values == [0, 0, 10, 0, 0, 10, 0, 0]
    assert result.costs["energy"] == pytest.approx(0.010 * (9 + 8))


def test_inflexible_process_with_restrictions_and_an_inline_price():
    sensors = {"1": {"unit": "MW", "event_resolution": "PT1H"}}
    result = process_schedule(
        {"duration": "PT2H", "power": 1.5, "time-restrictions": [{"start": START, "duration": "PT3H"}]},
        sensors, **{"flex-context": {"consumption-price": "20 EUR/MWh"}})
    assert result.power[0].values == [0, 0, 0, 1.5, 1.5, 0, 0, 0]
    assert result.costs["energy"] == pytest.approx(2 * 1.5 * 20)


def test_the_deprecated_price_sensor_key_and_missing_prices():
    sensors = {"1": {"unit": "kW", "event_resolution": "PT1H"}, **hourly_prices(PRICES)}
    result = process_schedule({"duration": "PT1H", "power": 1, "process-type": "SHIFTABLE"}, sensors,
                              **{"flex-context": {"consumption-price-sensor": 10}})
    assert result.power[0].values.index(1.0) == 3
    with pytest.raises(UnknownPricesException):
        process_schedule({"duration": "PT1H", "power": 1}, {**sensors, **hourly_prices([])})
    with pytest.raises(UnknownPricesException):
        process_schedule({"duration": "PT1H", "power": 1}, sensors, **{"flex-context": {}})


def test_allocation_errors_surface_from_the_schedule():
    sensors = {"1": {"unit": "kW", "event_resolution": "PT1H"}, **hourly_prices(PRICES)}
    with pytest.raises(ProcessAllocationError) as info:
        process_schedule({"duration": "PT5H", "power": 1, "process-type": "SHIFTABLE",
                          "time-restrictions": [{"start": "2026-01-01T04:00:00+00:00", "duration": "PT1H"}]},
                         sensors)
    assert str(info.value) == NO_ROOM


def test_trigger_checks_name_the_field():
    sensors = sensor_data_from_map({"1": {"unit": "kW", "event_resolution": "PT15M"},
                                    "2": {"unit": "°C", "event_resolution": "PT15M"}, **hourly_prices([1])})

    def check(sensor_id, **body):
        data = {"start": START, "flex-model": {"duration": "PT1H", "power": 1},
                "flex-context": {"consumption-price": {"sensor": 10}}, **body}
        request = ProcessRequest.from_sensor_trigger(sensor_id, ProcessTriggerBody.model_validate(data))
        return trigger_errors(request, sensors.lookup, default_duration=HORIZON, max_steps=2520)

    assert check(1) == {}
    assert check(2) == {"flex-model": {"sensor": ["Sensor 2 cannot hold a power schedule: cannot convert MW to °C"]}}
    assert check(1, **{"flex-context": {"consumption-price": {"sensor": 99}}}) == {
        "flex-context": {"consumption-price": ["No sensor found with ID 99."]}}
    assert "2520 steps" in check(1, duration="P30D")["duration"][0]
