"""Chart data: the beliefs of an asset's shown sensors as FlexMeasures' chart records (contract §6).

Every sensor's beliefs arrive already read (one store query per sensor); this module only selects,
resamples and shapes them. Times leave as epoch milliseconds, as pandas' `to_json` writes them.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chalicelib.timeseries.beliefs import Beliefs, most_recent

US_PER_MS = 1000
# A sensor in seconds records moments; FlexMeasures charts them as epoch-ms datetimes.
MOMENT_UNIT = "s"


@dataclass
class SensorSeries:
    """One shown sensor: its record description, its resolution and its beliefs in the window."""

    about: dict[str, Any]  # the records' "sensor" object (asset_id, id, name, sensor_unit, descriptions)
    resolution_us: int
    beliefs: Beliefs


def select_beliefs(beliefs: Beliefs, *, beliefs_after_us: int | None = None, beliefs_before_us: int | None = None,
                   most_recent_only: bool = True) -> Beliefs:
    """Beliefs formed in [beliefs_after, beliefs_before] (both inclusive); by default only the latest per event
    and source."""
    import numpy as np


    keep = np.ones(len(beliefs), dtype=bool)
    if beliefs_after_us is not None:
        keep &= beliefs.belief_time >= beliefs_after_us
    if beliefs_before_us is not None:
        keep &= beliefs.belief_time <= beliefs_before_us
    chosen = beliefs.take(keep)
    return most_recent(chosen, per_source=True) if most_recent_only else chosen


def common_resolution_us(resolutions_us: list[int]) -> int:
    """The smallest non-zero resolution among the shown sensors (0 if all are instantaneous)."""
    positive = [r for r in resolutions_us if r > 0]
    return min(positive) if positive else 0


def sensor_frame(beliefs: Beliefs, resolution_us: int, target_us: int):
    """The beliefs as a DataFrame (event_start, belief_time, value, source_id, horizon in µs), on `target_us` slots.

    Coarser data is upsampled by repeating each value over the finer slots it covers; each slot's
    horizon then counts from the slot's own end (its knowledge time).
    """
    import numpy as np
    import pandas as pd

    frame = pd.DataFrame({"event_start": beliefs.event_start, "belief_time": beliefs.belief_time,
                          "value": beliefs.value, "source_id": beliefs.source_id})
    step = resolution_us
    if resolution_us > target_us > 0:
        pieces = max(1, resolution_us // target_us)
        frame = frame.loc[frame.index.repeat(pieces)].reset_index(drop=True)
        frame["event_start"] += np.tile(np.arange(pieces, dtype="int64") * target_us, len(beliefs))
        step = target_us
    frame["horizon"] = frame["event_start"] + step - frame["belief_time"]
    return frame.sort_values(["event_start", "belief_time", "source_id"], kind="stable").reset_index(drop=True)


def chart_records(series: list[SensorSeries], sources: dict[int, dict[str, Any]], factors: dict[str, float],
                  most_recent_only: bool = True) -> list[dict[str, Any]]:
    """FlexMeasures' chart records, sensor after sensor; `index` counts rows within each sensor.

    `sources` maps source ids to their `as_dict`; `factors` maps units to the scale factor that
    takes them to the smallest common unit of the shown sensors.
    """
    target_us = common_resolution_us([s.resolution_us for s in series])
    records: list[dict[str, Any]] = []
    for shown in series:
        frame = sensor_frame(shown.beliefs, shown.resolution_us, target_us)
        unit = shown.about["sensor_unit"]
        factor = float(factors.get(unit, 1.0))
        values = _values_out(frame["value"].to_numpy(), unit)
        columns = zip(frame["event_start"].tolist(), frame["belief_time"].tolist(), values,
                      frame["horizon"].tolist(), frame["source_id"].tolist())
        for index, (start, belief_time, value, horizon, source_id) in enumerate(columns):
            record = {"index": index, "event_start": start // US_PER_MS}
            if not most_recent_only:
                record["belief_time"] = belief_time // US_PER_MS
            record.update({"event_value": value, "belief_horizon": horizon // US_PER_MS,
                           "source": sources.get(source_id) or _unknown_source(source_id),
                           "sensor": shown.about, "sensor_unit": unit, "scale_factor": factor})
            records.append(record)
    return records


def _values_out(values, unit: str) -> list[Any]:
    """JSON-ready values: NaN becomes null; seconds-unit values become epoch milliseconds."""
    import numpy as np

    if unit == MOMENT_UNIT:
        return [None if np.isnan(v) else int(round(v * 1000)) for v in values.tolist()]
    return [None if np.isnan(v) else v for v in values.tolist()]


def _unknown_source(source_id: int) -> dict[str, Any]:
    # Sources are never deleted, but a belief whose source item is missing should still chart, not fail the request.
    return {"id": source_id, "name": "unknown source", "model": "", "type": "other", "description": "unknown source"}


def compress(records: list[dict[str, Any]], shown: list[dict[str, Any]],
             most_recent_only: bool = True) -> dict[str, Any]:
    """The compress_json shape: short keys per record, sensors and sources described once."""
    data = []
    for record in records:
        item = {"ts": record["event_start"], "sid": record["sensor"]["id"], "val": record["event_value"],
                "sf": record["scale_factor"], "src": record["source"]["id"], "bh": record["belief_horizon"] / 1000}
        if not most_recent_only:
            item["bt"] = record["belief_time"]
        data.append(item)
    sensors = {str(about["id"]): {"name": about["name"], "unit": about["sensor_unit"],
                                  "description": about["description"], "asset_id": about["asset_id"],
                                  "asset_description": about["asset_description"]} for about in shown}
    sources = {str(r["source"]["id"]): {k: r["source"][k] for k in ("name", "model", "type", "description")}
               for r in records}
    return {"data": data, "sensors": sensors, "sources": sources}
