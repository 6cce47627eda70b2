"""Query arguments of the asset KPI and chart endpoints, and the shapes of sensors_to_show entries."""
from __future__ import annotations

from typing import Any, Literal

from chalicelib.schemas.common import AwareDatetime, QueryArgs

CHART_TYPES = ("chart_for_multiple_sensors",)


class KpiArgs(QueryArgs):
    start: AwareDatetime
    end: AwareDatetime


class WindowArgs(QueryArgs):
    """The time window and belief filters both chart endpoints share."""

    event_starts_after: AwareDatetime | None = None
    event_ends_before: AwareDatetime | None = None
    beliefs_after: AwareDatetime | None = None
    beliefs_before: AwareDatetime | None = None


class ChartDataArgs(WindowArgs):
    most_recent_beliefs_only: bool = True
    compress_json: bool = False


class ChartArgs(WindowArgs):
    include_data: bool = False
    combine_legend: bool = True
    dataset_name: str | None = None
    height: str | None = None
    width: str | None = None
    chart_type: Literal[CHART_TYPES] = "chart_for_multiple_sensors"  # type: ignore[valid-type]


def chart_rows(sensors_to_show: Any) -> list[tuple[str | None, list[int]]]:
    """(title, sensor ids) per chart row, from any sensors_to_show format FlexMeasures accepts.

    The stored field is not validated on every path (only attributes.sensors_to_show is), so
    entries of an unknown shape are skipped rather than failing the chart.
    """
    rows: list[tuple[str | None, list[int]]] = []
    for item in sensors_to_show if isinstance(sensors_to_show, list) else []:
        title, ids = None, []
        if _is_id(item):
            ids = [item]
        elif isinstance(item, list):
            ids = [i for i in item if _is_id(i)]
        elif isinstance(item, dict):
            title = item.get("title") if isinstance(item.get("title"), str) else None
            if _is_id(item.get("sensor")):
                ids = [item["sensor"]]
            elif isinstance(item.get("sensors"), list):
                ids = [i for i in item["sensors"] if _is_id(i)]
        if ids:
            rows.append((title, ids))
    return rows


def _is_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def kpi_entries(sensors_to_show_as_kpis: Any) -> list[dict[str, Any]]:
    """The well-formed KPI entries ({"title", "sensor", "function"?}); others are skipped."""
    if not isinstance(sensors_to_show_as_kpis, list):
        return []
    return [entry for entry in sensors_to_show_as_kpis
            if isinstance(entry, dict) and _is_id(entry.get("sensor"))]
