"""Chart specs render with a real Vega-Lite renderer (vl-convert), drawing every shown sensor; chart data rules."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta, timezone

import pytest

from chalicelib.charts import ChartRow, ChartSensor, chart_for_multiple_sensors
from chalicelib.timeseries.beliefs import Beliefs, to_us
from chalicelib.timeseries.chart_data import SensorSeries, chart_records, select_beliefs, sensor_frame
from chalicelib.timeseries.kpis import kpi_function
from chalicelib.timeseries.unit_scaling import smallest_common_unit, unit_dimension

T0 = datetime(2025, 1, 1, tzinfo=timezone.utc)
MIN_US = 60_000_000
SOURCE = {"id": 3, "name": "Ann", "model": "", "type": "other", "description": "Ann"}
SCHEDULER = {"id": 4, "name": "FlexMeasures", "model": "StorageScheduler (v1)", "type": "scheduler",
             "description": "FlexMeasures's StorageScheduler model v1"}


def sensor(sensor_id, name, unit, minutes, asset="site"):
    return ChartSensor(sensor_id, name, unit, timedelta(minutes=minutes), name, f"{name} ({asset})")


def series(chart_sensor, values, source_id=3, minutes=None):
    step = int(chart_sensor.resolution.total_seconds() // 60) if minutes is None else minutes
    starts = [to_us(T0) + i * max(step, 1) * MIN_US for i in range(len(values))]
    beliefs = Beliefs.of(starts, [s + step * MIN_US for s in starts], values, source_id)
    about = {"asset_id": 1, "id": chart_sensor.id, "name": chart_sensor.name, "sensor_unit": chart_sensor.unit,
             "description": chart_sensor.description, "asset_description": "site"}
    return SensorSeries(about, step * MIN_US, beliefs)


def render(rows, shown, **options):
    """The SVG of the spec with its data embedded; vl-convert raises if the spec does not compile or render."""
    import vl_convert

    spec = chart_for_multiple_sensors(rows, dataset_name="asset_1", **options)
    _, factors = smallest_common_unit([s.about["sensor_unit"] for s in shown])
    spec["datasets"] = {"asset_1": chart_records(shown, {3: SOURCE, 4: SCHEDULER}, factors)}
    return ET.fromstring(vl_convert.vegalite_to_svg(spec))


def lines_by_sensor(svg) -> dict[str, list[str]]:
    """Path data of each drawn line, keyed by the sensor named in its aria label."""
    out: dict[str, list[str]] = {}
    for element in svg.iter():
        if element.get("aria-roledescription") == "line mark":
            label = re.search(r"Sensor: ([^;]+)", element.get("aria-label", "")).group(1)
            out.setdefault(label, []).append(element.get("d"))
    return out


def texts(svg) -> set[str]:
    return {(element.text or "").strip() for element in svg.iter() if element.tag.endswith("text")}


def vertices(path: str) -> int:
    return len(re.findall(r"[ML]", path))


def test_each_sensor_of_each_row_is_drawn_with_its_axis_title_and_legend():
    power, pv = sensor(1, "power", "kW", 15), sensor(2, "pv", "MW", 60)
    price = sensor(3, "price", "EUR/MWh", 60, asset="market")
    shown = [series(power, [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]), series(pv, [0.001, 0.002]),
             series(price, [40.0, 55.0])]
    svg = render([ChartRow("power flows", [power, pv]), ChartRow(None, [price])], shown,
                 event_starts_after=T0, event_ends_before=T0 + timedelta(hours=2))
    lines = lines_by_sensor(svg)
    assert set(lines) == {"power (site)", "pv (site)", "price (market)"}
    # Step lines: two vertices per slot drawn, so every value of every sensor is on its line.
    assert vertices(lines["power (site)"][0]) >= 2 * 8 - 1
    assert vertices(lines["pv (site)"][0]) >= 2 * 8 - 1  # hourly data repeated on the 15-minute slots
    assert vertices(lines["price (market)"][0]) >= 2 * 2 - 1
    shown_texts = texts(svg)
    assert {"Power flows", "Power (kW)", "Price (EUR/MWh)", "Sensor", "Source"} <= shown_texts
    assert {"power (site)", "pv (site)", "price (market)"} <= shown_texts


def test_instantaneous_and_percentage_sensors_and_separate_legends_render():
    soc = sensor(7, "state of charge", "%", 0)
    prices = sensor(8, "price", "EUR/MWh", 60)
    shown = [series(soc, [20.0, 35.5, 50.0, 80.0], minutes=0), series(prices, [10.0, 12.0], source_id=4)]
    rows = [ChartRow(None, [soc]), ChartRow("Prices", [prices])]
    spec = chart_for_multiple_sensors(rows, dataset_name="asset_1", combine_legend=False)
    assert spec["vconcat"][0]["layer"][0]["mark"]["interpolate"] == "linear"
    assert spec["vconcat"][0]["layer"][0]["encoding"]["y"]["scale"]["domain"] == {"unionWith": [0, 105]}
    svg = render(rows, shown, combine_legend=False)
    lines = lines_by_sensor(svg)
    assert set(lines) == {"state of charge (site)", "price (site)"}
    assert vertices(lines["state of charge (site)"][0]) == 4  # instantaneous: one vertex per value
    assert {"State of charge (%)", "Prices", "Price (EUR/MWh)"} <= texts(svg)


def test_a_chart_without_data_still_renders_its_rows():
    power = sensor(1, "power", "kW", 15)
    svg = render([ChartRow(None, [power])], [series(power, [])], event_starts_after=T0,
                 event_ends_before=T0 + timedelta(days=1))
    assert lines_by_sensor(svg) == {}
    assert "Power (kW)" in texts(svg)


def test_upsampled_frame_repeats_values_and_counts_horizons_from_each_slot():
    hourly = Beliefs.of([to_us(T0)], [to_us(T0) - 60 * MIN_US], [2.5], 3)
    frame = sensor_frame(hourly, 60 * MIN_US, 15 * MIN_US)
    assert frame["value"].tolist() == [2.5] * 4
    assert ((frame["event_start"] - to_us(T0)) // MIN_US).tolist() == [0, 15, 30, 45]
    assert (frame["horizon"] // MIN_US).tolist() == [75, 90, 105, 120]


def test_select_beliefs_keeps_the_latest_per_event_and_source_within_belief_bounds():
    start = to_us(T0)
    found = Beliefs.of([start, start, start, start], [start - 3, start - 2, start - 1, start - 5],
                       [1.0, 2.0, 3.0, 9.0], [3, 3, 3, 4])
    latest = select_beliefs(found)
    assert sorted(zip(latest.source_id.tolist(), latest.value.tolist())) == [(3, 3.0), (4, 9.0)]
    bounded = select_beliefs(found, beliefs_before_us=start - 2, beliefs_after_us=start - 4)
    assert bounded.value.tolist() == [2.0]
    assert len(select_beliefs(found, most_recent_only=False)) == 4


def test_seconds_sensors_chart_epoch_milliseconds_and_nan_is_null():
    moment = sensor(9, "arrival", "s", 0)
    records = chart_records([series(moment, [1_735_689_600.0, float("nan")], minutes=0)], {3: SOURCE}, {"s": 1.0})
    assert [r["event_value"] for r in records] == [1_735_689_600_000, None]


@pytest.mark.parametrize("units, expected", [
    (["MW", "kW", "W"], ("W", {"MW": 1e6, "kW": 1e3, "W": 1.0})),
    (["kW", "EUR/MWh"], ("a.u.", {"kW": 1.0, "EUR/MWh": 1.0})),
    (["°C", "K"], ("a.u.", {"°C": 1.0, "K": 1.0})),
    ([], ("a.u.", {})),
])
def test_smallest_common_unit(units, expected):
    assert smallest_common_unit(units) == expected


@pytest.mark.parametrize("unit, dimension", [("kW", "power"), ("MWh", "energy"), ("EUR/MWh", "energy price"),
                                             ("EUR/kW", "price"), ("%", "percentage"), ("°C", "temperature"),
                                             ("km/h", "speed"), ("kW/m", "value")])
def test_unit_dimension(unit, dimension):
    assert unit_dimension(unit) == dimension


def test_kpi_function_defaults():
    assert [kpi_function(None, "kWh"), kpi_function(None, "%"), kpi_function("max", "%"),
            kpi_function("median", "kWh")] == ["sum", "mean", "max", "sum"]
