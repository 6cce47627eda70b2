"""What the asset KPI and chart endpoints do: which sensors to show, one read per sensor, records and specs."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from chalicelib.charts import ChartRow, ChartSensor, chart_for_multiple_sensors
from chalicelib.schemas.charts import ChartArgs, ChartDataArgs, KpiArgs, WindowArgs, chart_rows, kpi_entries
from chalicelib.store import assets, chart_reads, sensors, sources
from chalicelib.timeseries.beliefs import duration_us, to_us
from chalicelib.timeseries.chart_data import SensorSeries, chart_records, compress, select_beliefs
from chalicelib.timeseries.kpis import kpi_item
from chalicelib.timeseries.unit_scaling import smallest_common_unit


# ---- KPIs -----------------------------------------------------------------------------------------

def kpis(asset: Any, args: KpiArgs) -> list[dict[str, Any]]:
    """One item per sensors_to_show_as_kpis entry whose sensor the asset may show; one read per sensor."""
    entries = kpi_entries(asset.sensors_to_show_as_kpis)
    found = _showable(asset, sensors.get_many(e["sensor"] for e in entries))
    read = {sid: chart_reads.beliefs_starting_in(sensor, args.start, args.end) for sid, sensor in found.items()}
    return [kpi_item(entry, found[entry["sensor"]].unit, read[entry["sensor"]], _resolution(found[entry["sensor"]]))
            for entry in entries if entry["sensor"] in found]


# ---- chart data and chart -------------------------------------------------------------------------

def chart_data(asset: Any, args: ChartDataArgs) -> Any:
    """The records of the asset's shown sensors (or their compressed form)."""
    rows = shown_rows(asset)
    about, _ = sensor_descriptions(_flatten(rows))
    records = _records(_flatten(rows), about, args, args.most_recent_beliefs_only)
    if args.compress_json:
        return compress(records, [about[s.id] for s in _flatten(rows)], args.most_recent_beliefs_only)
    return records


def chart(asset: Any, args: ChartArgs) -> dict[str, Any]:
    """The Vega-Lite spec of the asset's shown sensors, with the data embedded on request."""
    rows = shown_rows(asset)
    about, asset_by_id = sensor_descriptions(_flatten(rows))
    dataset_name = args.dataset_name or f"asset_{asset.id}"
    chart_rows_ = [ChartRow(title, [ChartSensor(s.id, s.name, s.unit, _resolution(s), _sensor_type(s, asset_by_id),
                                                about[s.id]["description"]) for s in row])
                   for title, row in rows]
    overrides = {key: _size(value) for key, value in (("height", args.height), ("width", args.width)) if value}
    spec = chart_for_multiple_sensors(chart_rows_, dataset_name=dataset_name,
                                      event_starts_after=args.event_starts_after,
                                      event_ends_before=args.event_ends_before,
                                      combine_legend=args.combine_legend,
                                      include_annotations=args.include_asset_annotations
                                      or args.include_account_annotations, overrides=overrides)
    if args.include_data:
        spec["datasets"] = {dataset_name: _records(_flatten(rows), about, args, most_recent_only=True)}
    return spec


def shown_rows(asset: Any) -> list[tuple[str | None, list[Any]]]:
    """The chart rows: sensors_to_show (the field, else the attribute), or by default the asset's first two sensors.

    Sensors neither in the asset's account nor public are left out, as FlexMeasures does.
    """
    rows = chart_rows(asset.sensors_to_show) or chart_rows((asset.attributes or {}).get("sensors_to_show"))
    if not rows:
        first_two = sensors.list_for_asset(asset.id)[:2]
        if len(first_two) == 2 and first_two[0].unit == first_two[1].unit:
            return [(None, first_two)]  # one shared y-axis
        return [(None, [sensor]) for sensor in first_two]
    found = _showable(asset, sensors.get_many(i for _, ids in rows for i in ids))
    shown = [(title, [found[i] for i in dict.fromkeys(ids) if i in found]) for title, ids in rows]
    return [(title, row) for title, row in shown if row]


def sensor_descriptions(shown: list[Any]) -> tuple[dict[int, dict[str, Any]], dict[int, Any]]:
    """The records' "sensor" object per sensor (ids, name, unit, "<name> (<asset>)" descriptions), and the assets."""
    asset_by_id = sensors.assets_of(shown)
    parent_ids = {a.parent_asset_id for a in asset_by_id.values() if a.parent_asset_id is not None}
    parents = assets.get_many(parent_ids)
    out = {}
    for sensor in shown:
        asset = asset_by_id.get(sensor.generic_asset_id)
        asset_name = getattr(asset, "name", "")
        parent = parents.get(getattr(asset, "parent_asset_id", None))
        out[sensor.id] = {"asset_id": sensor.generic_asset_id, "id": sensor.id, "name": sensor.name,
                          "sensor_unit": sensor.unit, "description": f"{sensor.name} ({asset_name})",
                          "asset_description": asset_name + (f" ({parent.name})" if parent else "")}
    return out, asset_by_id


def _records(shown: list[Any], about: dict[int, dict[str, Any]], window: WindowArgs,
             most_recent_only: bool) -> list[dict[str, Any]]:
    """Read each shown sensor once over the window, then shape the chart records."""
    series = []
    for sensor in shown:
        found = chart_reads.beliefs_overlapping(sensor, window.event_starts_after, window.event_ends_before)
        chosen = select_beliefs(found, most_recent_only=most_recent_only,
                                beliefs_after_us=_us_or_none(window.beliefs_after),
                                beliefs_before_us=_us_or_none(window.beliefs_before))
        series.append(SensorSeries(about[sensor.id], duration_us(_resolution(sensor)), chosen))
    source_ids = {int(i) for s in series for i in s.beliefs.source_id.tolist()}
    source_dicts = {sid: sources.as_dict(source) for sid, source in sources.get_many(source_ids).items()}
    _, factors = smallest_common_unit([s.unit for s in shown])
    return chart_records(series, source_dicts, factors, most_recent_only)


def _us_or_none(moment: Any) -> int | None:
    return None if moment is None else to_us(moment)


def _showable(asset: Any, found: dict[int, Any]) -> dict[int, Any]:
    return {sid: s for sid, s in found.items() if s.account_id is None or s.account_id == asset.account_id}


def _flatten(rows: list[tuple[str | None, list[Any]]]) -> list[Any]:
    return list({s.id: s for _, row in rows for s in row}.values())


def _resolution(sensor: Any):
    return timedelta(minutes=int(sensor.event_resolution_minutes or 0))


def _sensor_type(sensor: Any, asset_by_id: dict[int, Any]) -> str:
    """The chart label: the sensor's sensor_type attribute, else its asset's, else the sensor name."""
    asset_attributes = getattr(asset_by_id.get(sensor.generic_asset_id), "attributes", None) or {}
    return str((sensor.attributes or {}).get("sensor_type") or asset_attributes.get("sensor_type") or sensor.name)


def _size(value: str) -> Any:
    """height/width overrides: numbers stay numbers for Vega-Lite; "container" and the like stay text."""
    return int(value) if value.isdigit() else value
