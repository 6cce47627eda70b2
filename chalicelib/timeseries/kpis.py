"""Asset KPIs: one number per KPI sensor over a period, taken from its per-source statistics (contract §6)."""
from __future__ import annotations

from datetime import timedelta, timezone
from typing import Any

from chalicelib.timeseries.beliefs import Beliefs
from chalicelib.timeseries.stats import stats_by_source

STATISTIC_OF = {"sum": "Sum over values", "mean": "Mean value", "min": "Min value", "max": "Max value"}


def kpi_function(requested: Any, unit: str) -> str:
    """The entry's function, else FlexMeasures' default: the mean of percentages, the sum of anything else."""
    if requested in STATISTIC_OF:
        return requested
    return "mean" if unit == "%" else "sum"


def kpi_value(beliefs: Beliefs, resolution: timedelta, function: str) -> float | int:
    """The first source's (lowest id) statistic over every belief version, rounded to 2 decimals; 0 without data."""

    by_source = stats_by_source(beliefs, resolution, timezone.utc)
    if not by_source:
        return 0
    return round(by_source[min(by_source)][STATISTIC_OF[function]], 2)


def kpi_item(entry: dict[str, Any], unit: str, beliefs: Beliefs, resolution: timedelta) -> dict[str, Any]:
    """One item of GET /assets/<id>/kpis for a sensors_to_show_as_kpis entry and its sensor's beliefs."""
    function = kpi_function(entry.get("function"), unit)
    return {"title": entry.get("title"), "unit": unit, "sensor": entry["sensor"],
            "downsample_value": kpi_value(beliefs, resolution, function), "downsample_function": function}
