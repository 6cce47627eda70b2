"""Query arguments of the asset KPI and chart endpoints, and the shapes of sensors_to_show entries."""
from __future__ import annotations

from typing import Any, Literal

from pydantic import ValidationInfo, field_validator, model_validator

from chalicelib.schemas.common import AwareDatetime, Duration, QueryArgs

CHART_TYPES = ("chart_for_multiple_sensors",)


class KpiArgs(QueryArgs):
    start: AwareDatetime
    end: AwareDatetime


class WindowArgs(QueryArgs):
    """The time window and belief filters the chart endpoints share, with FlexMeasures 1.0's spellings (`start`,
    `end`, `beliefs-after`, `prior`) beside the old ones, and its `duration`, which derives the missing bound."""

    RENAMED = {"event_starts_after": "start", "event_ends_before": "end", "beliefs_after": "beliefs-after",
               "beliefs_before": "prior"}
    event_starts_after: AwareDatetime | None = None
    event_ends_before: AwareDatetime | None = None
    duration: Duration | None = None
    beliefs_after: AwareDatetime | None = None
    beliefs_before: AwareDatetime | None = None

    @field_validator("duration")
    @classmethod
    def _with_a_bound(cls, value: Any, info: ValidationInfo) -> Any:
        if value is not None and info.data.get("event_starts_after") is None \
                and info.data.get("event_ends_before") is None:
            raise ValueError("Provide `duration` together with `start` or `end`.")
        return value

    @model_validator(mode="after")
    def _derive_missing_bound(self) -> "WindowArgs":
        if self.duration is not None and self.event_ends_before is None:
            self.event_ends_before = self.event_starts_after + self.duration
        elif self.duration is not None and self.event_starts_after is None:
            self.event_starts_after = self.event_ends_before - self.duration
        return self


class ChartDataArgs(WindowArgs):
    RENAMED = {**WindowArgs.RENAMED, "most_recent_beliefs_only": "most-recent-beliefs-only",
               "compress_json": "compress-json"}
    most_recent_beliefs_only: bool = True
    compress_json: bool = False


class ChartArgs(WindowArgs):
    RENAMED = {**WindowArgs.RENAMED, "include_data": "include-data", "combine_legend": "combine-legend",
               "include_asset_annotations": "include-asset-annotations",
               "include_account_annotations": "include-account-annotations", "dataset_name": "dataset-name",
               "chart_type": "chart-type"}
    include_data: bool = False
    combine_legend: bool = True
    include_asset_annotations: bool = False  # FlexMeasures 1.0: annotation layers in every subchart
    include_account_annotations: bool = False
    dataset_name: str | None = None
    height: str | None = None
    width: str | None = None
    chart_type: Literal[CHART_TYPES] = "chart_for_multiple_sensors"  # type: ignore[valid-type]


class ChartAnnotationArgs(WindowArgs):
    """GET /assets/<id>/chart_annotations (FlexMeasures 1.0): `clip` cuts annotations to the window."""

    clip: bool = True


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
