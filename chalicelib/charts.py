"""Vega-Lite specs for asset charts: one row per sensors_to_show row, lines per sensor and source (contract §6).

Pure: takes the sensors to show, returns the spec as a dict. Formats are standard d3 formats, so
any Vega-Lite renderer draws the spec (FlexMeasures' UI registers extra format types; we need none).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from chalicelib.timeseries.unit_scaling import ARBITRARY_UNITS, shared_unit, unit_dimension

FONT_SIZE = 16
STROKE_WIDTH = 2
HEIGHT = 300
WIDTH = "container"
TIME_FORMAT = "%H:%M on %A %b %e, %Y"
# Dates and seconds keep the default label; whole hours and minutes read as a 24-hour clock.
LABEL_24H = ("(hours(datum.value) == 0 & minutes(datum.value) == 0) | seconds(datum.value) != 0 "
             "? timeFormat(datum.value) : timeFormat(datum.value, '%H:%M')")
VALUE_FORMAT = ".3~r"
DESCRIPTION = "A vertically concatenated chart showing sensor data."
SOURCE_NAME_AND_ID = {"calculate": "datum.source.name + ' (ID: ' + datum.source.id + ')'", "as": "source_name_and_id"}
FULL_DATE = {"calculate": f"timeFormat(datum.event_start, '{TIME_FORMAT}')", "as": "full_date"}
HORIZON_HOURS = {"calculate": "datum.belief_horizon / 3600000", "as": "belief_horizon_hours"}
REPLAY_RULE = {"data": {"name": "replay"}, "mark": {"type": "rule"},
               "encoding": {"x": {"field": "belief_time", "type": "temporal"}}}


@dataclass
class ChartSensor:
    id: int
    name: str
    unit: str
    resolution: timedelta
    sensor_type: str  # the sensor_type attribute, else the sensor name
    description: str  # "<sensor> (<asset>)", as in the chart records


@dataclass
class ChartRow:
    title: str | None
    sensors: list[ChartSensor] = field(default_factory=list)


def capitalize(text: str) -> str:
    """Upper-case the first letter only, so unit-like words such as "kW" survive."""
    return text[:1].upper() + text[1:] if text else text


def chart_for_multiple_sensors(rows: list[ChartRow], *, dataset_name: str, event_starts_after: datetime | None = None,
                               event_ends_before: datetime | None = None, combine_legend: bool = True,
                               include_annotations: bool = False,
                               overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """The asset chart: rows stacked vertically, sharing one time axis; with `include_annotations`, every row gets
    FlexMeasures 1.0's annotation layers over the dataset `<dataset_name>_annotations` (which the client loads from
    chart_annotations)."""
    x = _time_encoding(rows, event_starts_after, event_ends_before)
    spec: dict[str, Any] = {
        "description": DESCRIPTION,
        "data": {"name": dataset_name},
        "vconcat": [_row_spec(row, x, combine_legend) for row in rows],
        "transform": [SOURCE_NAME_AND_ID, FULL_DATE],
        "height": HEIGHT,
        "width": WIDTH,
        "config": _config(),
        "resolve": {"scale": {"x": "shared"}} if combine_legend else {"scale": {"color": "independent"}},
    }
    if include_annotations:
        step = x.get("timeUnit", {}).get("step")
        resolution_ms = int(step * 1000) if step else ANNOTATION_DEFAULT_RESOLUTION_MS
        for index, row in enumerate(spec["vconcat"]):
            background, foreground = annotation_layers(dataset_name + "_annotations", index, resolution_ms)
            row["layer"] = [*background, *row["layer"], *foreground]
    spec.update(overrides or {})
    return spec


# ---- annotations (FlexMeasures 1.0's asset chart) -------------------------------------------------

ANNOTATION_ALERT_COLOR = "#d9822b"  # alerts get a warm warning hue
ANNOTATION_DEFAULT_COLOR = "var(--gray)"
ANNOTATION_OPACITY = {"resting": 0.2, "hover": 0.55, "pinned": 0.65}
ANNOTATION_MARGIN = 16
ANNOTATION_DEFAULT_RESOLUTION_MS = 3600 * 1000
ANNOTATION_COLOR = {"condition": [{"test": "datum.type == 'alert'", "value": ANNOTATION_ALERT_COLOR}],
                    "value": ANNOTATION_DEFAULT_COLOR}
# Annotation datums get an event_start too, so the rows' x-encoded selections work on them.
ANNOTATION_EVENT_START = {"calculate": "datum.start", "as": "event_start"}


def _captured(param: str) -> tuple[str, str]:
    """(whether the selection captured a time, that time), for scalar and array-valued selections."""
    value = f"{param}['event_start']"
    return f"isValid({param}) && isValid({value})", f"(isArray({value}) ? {value}[0] : {value})"


def _in_band(param: str) -> str:
    valid, time = _captured(param)
    return f"{valid} && {time} >= datum.start && {time} < datum.end"


def _near_instant(param: str, tolerance_ms: int) -> str:
    valid, time = _captured(param)
    return f"{valid} && abs({time} - datum.start) <= {tolerance_ms}"


def _matches(param: str, tolerance_ms: int) -> str:
    return (f"(datum.start != datum.end && {_in_band(param)})"
            f" || (datum.start == datum.end && {_near_instant(param, tolerance_ms)})")


def annotation_layers(dataset: str, row: int, resolution_ms: int) -> tuple[list[dict], list[dict]]:
    """Behind a row's data: a shaded band per annotation with a duration, a rule and a top marker per instant one;
    in front: the text, shown while an annotation is hovered or pinned (clicked). Each row has its own hover and
    pin selections, so only the hovered row darkens."""
    hover, pin = f"annotation_hover_time_{row}", f"annotation_pin_time_{row}"
    x = {"field": "start", "type": "temporal", "title": None}

    def opacity(tests: list[tuple[str, float]], resting: float) -> dict[str, Any]:
        return {"condition": [{"test": test, "value": value} for test, value in tests], "value": resting}

    def layer(kind: str, filter_: str | None, mark: dict, encoding: dict, **extra: Any) -> dict[str, Any]:
        transform = ([{"filter": filter_}] if filter_ else []) + [ANNOTATION_EVENT_START]
        return {"name": f"annotation_{kind}_{row}", "data": {"name": dataset}, "transform": transform,
                "mark": mark, "encoding": {"x": x, "color": ANNOTATION_COLOR, **encoding}, **extra}

    band = layer("band", "datum.start != datum.end", {"type": "rect", "clip": True}, {
        "x2": {"field": "end", "title": None},
        "opacity": opacity([(_in_band(pin), ANNOTATION_OPACITY["pinned"]), (_in_band(hover), ANNOTATION_OPACITY[
            "hover"])], ANNOTATION_OPACITY["resting"])},
        params=[{"name": hover, "select": {"type": "point", "fields": ["event_start"], "on": "mouseover",
                                           "clear": "mouseout"}},
                {"name": pin, "select": {"type": "point", "fields": ["event_start"]}}])
    rule = layer("rule", "datum.start == datum.end", {"type": "rule", "clip": True, "strokeWidth": 2}, {
        "opacity": opacity([(_near_instant(pin, resolution_ms), 1), (_near_instant(hover, resolution_ms), 0.9)],
                           0.5)})
    marker = layer("marker", "datum.start == datum.end", {"type": "point", "shape": "triangle-down", "filled": True,
                                                          "size": 200, "clip": True}, {
        "y": {"value": 7},
        "opacity": opacity([(_near_instant(pin, resolution_ms), 1), (_near_instant(hover, resolution_ms), 1)], 0.9)})
    text = layer("text", None, {"type": "text", "clip": False, "y": "height", "dy": FONT_SIZE + ANNOTATION_MARGIN,
                                "baseline": "top", "align": "left", "fontSize": FONT_SIZE, "fontStyle": "italic"}, {
        "text": {"type": "nominal", "field": "content"},
        "opacity": opacity([(_matches(pin, resolution_ms), 1), (_matches(hover, resolution_ms), 1)], 0)})
    return [band, rule, marker], [text]


def _time_encoding(rows: list[ChartRow], after: datetime | None, before: datetime | None) -> dict[str, Any]:
    """x: event starts, binned by the smallest non-zero resolution; the whole window when both ends are given."""
    resolutions = [s.resolution for row in rows for s in row.sensors if s.resolution > timedelta(0)]
    x: dict[str, Any] = {"field": "event_start", "type": "temporal", "title": None,
                         "axis": {"labelExpr": LABEL_24H, "labelOverlap": True, "labelSeparation": 1}}
    if resolutions:
        x["timeUnit"] = {"unit": "yearmonthdatehoursminutesseconds", "step": min(resolutions).total_seconds()}
    if after is not None and before is not None:
        x["scale"] = {"domain": [after.timestamp() * 1000, before.timestamp() * 1000]}
    return x


def _row_spec(row: ChartRow, x: dict[str, Any], combine_legend: bool) -> dict[str, Any]:
    unit = shared_unit([s.unit for s in row.sensors])
    types = sorted({s.sensor_type for s in row.sensors})
    sensor_type = types[0] if len(types) == 1 else unit_dimension(unit)
    title = f"{capitalize(sensor_type)} ({unit})"
    y: dict[str, Any] = {"field": "scaled_event_value", "type": "quantitative", "stack": None, "title": title,
                         "format": VALUE_FORMAT}
    if unit == "%":
        y["scale"] = {"domain": {"unionWith": [0, 105]}, "nice": False}
    # Several sensors on one axis are drawn in their common unit; one sensor keeps its own.
    scaled = len(row.sensors) > 1 and unit != ARBITRARY_UNITS
    scale_values = {"calculate": "datum.event_value * datum.scale_factor" if scaled else "datum.event_value",
                    "as": "scaled_event_value"}
    color = {"field": "sensor.description", "type": "nominal", "title": "Sensor",
             "scale": {"domain": [s.description for s in row.sensors]}}
    tooltip = [
        {"field": "sensor.description", "type": "nominal", "title": "Sensor"},
        {"field": "scaled_event_value", "type": "quantitative", "title": title, "format": VALUE_FORMAT},
        {"field": "full_date", "type": "nominal", "title": "Time and date"},
        {"field": "belief_horizon_hours", "type": "quantitative", "title": "Horizon (hours)", "format": ".4~r"},
        {"field": "source_name_and_id", "type": "nominal", "title": "Source"},
        {"field": "source.type", "type": "nominal", "title": "Type"},
        {"field": "source.model", "type": "nominal", "title": "Model"},
    ]
    layers = [_line_layer(row, x, y, color, combine_legend)]
    if len(row.sensors) == 1:
        layers.append(_tooltip_layer(x, tooltip))
    layers.append(_hover_layer(row, x, y, color, tooltip))
    layers.append(REPLAY_RULE)
    return {
        "title": capitalize(row.title) if row.title else None,
        "transform": [{"filter": {"field": "sensor.id", "oneOf": [s.id for s in row.sensors]}},
                      scale_values, HORIZON_HOURS],
        "layer": layers,
        "width": WIDTH,
    }


def _line_layer(row: ChartRow, x: dict, y: dict, color: dict, combine_legend: bool) -> dict[str, Any]:
    """A line per sensor and source; step-after unless a sensor in the row is instantaneous."""
    instantaneous = any(s.resolution == timedelta(0) for s in row.sensors)
    if not combine_legend:
        color = {**color, "legend": {"orient": "right", "columns": 1, "direction": "vertical"}}
    return {
        "mark": {"type": "line", "interpolate": "linear" if instantaneous else "step-after", "clip": True},
        "encoding": {
            "x": x, "y": y, "color": color,
            # Forecasters dotted, schedulers dashed, measurements solid.
            "strokeDash": {"field": "source.type", "legend": {"title": "Source"},
                           "scale": {"domain": ["forecaster", "scheduler", "other"],
                                     "range": [[2, 2], [4, 4], [1, 0]]}},
            "detail": [{"field": "source.id", "type": "nominal", "title": None}],
        },
        # Drag to pan and scroll to zoom the time axis (shared by all rows).
        "params": [{"name": "scroll", "select": {"type": "interval", "encodings": ["x"]}, "bind": "scales"}],
    }


def _tooltip_layer(x: dict, tooltip: list[dict]) -> dict[str, Any]:
    """Invisible full-height bars, so hovering anywhere above a time slot shows its tooltip."""
    return {"mark": {"type": "rect", "y": 0, "y2": "height", "opacity": 0},
            "encoding": {"x": x, "tooltip": tooltip}}


def _hover_layer(row: ChartRow, x: dict, y: dict, color: dict, tooltip: list[dict]) -> dict[str, Any]:
    """Circles that appear on hover: at the hovered time, and (with several sensors) on the nearest line."""
    params = [{"name": "hover_x_brush", "select": {"type": "point", "encodings": ["x"], "on": "mouseover",
                                                   "nearest": False, "clear": "mouseout"}}]
    if len(row.sensors) > 1:
        params.append({"name": "hover_nearest_brush", "select": {"type": "point", "on": "mouseover", "nearest": True,
                                                                 "clear": "mouseout"}})
    shown = {"or": [{"param": p["name"], "empty": False} for p in params]}
    return {
        "mark": {"type": "circle", "opacity": 1, "clip": True},
        "encoding": {"x": x, "y": y, "color": color, "tooltip": tooltip,
                     "size": {"condition": {"test": shown, "value": 200}, "value": 0}},
        "params": params,
    }


def _config() -> dict[str, Any]:
    return {
        "view": {"continuousWidth": 800, "continuousHeight": 150},
        "autosize": {"type": "fit-x", "contains": "padding"},
        "axis": {"titleFontSize": FONT_SIZE, "labelFontSize": FONT_SIZE},
        "axisY": {"titleAngle": 0, "titleAlign": "left", "titleY": -15, "titleX": -40},
        "title": {"fontSize": FONT_SIZE * 1.25},
        "legend": {"titleFontSize": FONT_SIZE, "labelFontSize": FONT_SIZE, "labelLimit": None, "orient": "bottom",
                   "columns": 1, "direction": "vertical", "symbolSize": 100, "symbolStrokeWidth": STROKE_WIDTH,
                   "labelOffset": 2 * STROKE_WIDTH},
    }
