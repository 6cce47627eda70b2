"""Read an uploaded CSV of event starts and values (optionally belief times) into beliefs (contract §8.5).

Column 1 is the event start (ISO 8601; naive times are in the sensor's timezone), column 2 a number,
an optional column 3 the belief time. Data at another resolution is resampled to the sensor's
(mean down, repeat up). Every row is checked before anything is returned.
"""
from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta, tzinfo

from chalicelib.timeseries.beliefs import Beliefs, duration_us, to_us

ALLOWED_EXTENSIONS = (".csv", ".xlsx", ".xls", ".xlsm")


class UploadError(ValueError):
    """Why a file's content cannot be used (shown after "Failed with: ")."""


def has_allowed_extension(filename: str) -> bool:
    return filename.lower().endswith(ALLOWED_EXTENSIONS)


def read_csv(content: bytes, zone: tzinfo) -> tuple[list[int], list[float], list[int] | None]:
    """Event starts (µs), values and belief times (µs, or None without a third column); UploadError on a bad row."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UploadError("the file is not UTF-8 encoded text") from None
    rows = [row for row in csv.reader(io.StringIO(text)) if any(cell.strip() for cell in row)]
    if len(rows) < 2:
        raise UploadError("no data rows after the header row")
    with_belief_time = len(rows[0]) >= 3
    starts, values, belief_times = [], [], []
    for line, row in enumerate(rows[1:], start=2):
        if len(row) < 2:
            raise UploadError(f"line {line}: expected an event start and an event value")
        starts.append(to_us(_moment(row[0], zone, line, "event start")))
        values.append(_number(row[1], line))
        if with_belief_time:
            belief_times.append(to_us(_moment(row[2], zone, line, "belief time")))
    return starts, values, (belief_times if with_belief_time else None)


def _moment(text: str, zone: tzinfo, line: int, what: str) -> datetime:
    value = text.strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise UploadError(f"line {line}: {what} '{text}' is not an ISO 8601 datetime") from None
    return moment.replace(tzinfo=zone) if moment.tzinfo is None else moment


def _number(text: str, line: int) -> float:
    if not text.strip():
        return float("nan")
    try:
        return float(text)
    except ValueError:
        raise UploadError(f"line {line}: event values should be numeric, got '{text}'") from None


def to_sensor_beliefs(starts: list[int], values: list[float], belief_times: list[int] | None,
                      resolution: timedelta, upload_time: datetime, measured_instantly: bool) -> Beliefs:
    """Beliefs on the sensor's resolution; belief time from the file, else the upload time (or, when
    measured instantly, each event's end)."""
    import numpy as np

    from chalicelib.timeseries.resampling import to_slots

    order = np.argsort(np.asarray(starts, dtype="int64"), kind="stable")
    start_arr = np.asarray(starts, dtype="int64")[order]
    value_arr = np.asarray(values, dtype="float64")[order]
    resolution_us = duration_us(resolution)
    if belief_times is not None:
        times = np.asarray(belief_times, dtype="int64")[order]
        _check_spacing(start_arr, resolution_us)
    elif resolution_us > 0:
        step = _data_step(start_arr, resolution_us)
        if step != resolution_us:
            n_slots = -(-(int(start_arr[-1]) + step - int(start_arr[0])) // resolution_us)
            value_arr = to_slots(start_arr, value_arr, step, int(start_arr[0]), resolution_us, n_slots)
            start_arr = int(start_arr[0]) + np.arange(n_slots, dtype="int64") * resolution_us
        times = (start_arr + resolution_us if measured_instantly
                 else np.full(len(start_arr), to_us(upload_time), dtype="int64"))
    else:
        times = start_arr.copy() if measured_instantly else np.full(len(start_arr), to_us(upload_time), dtype="int64")
    keep = ~np.isnan(value_arr)
    return Beliefs.of(start_arr[keep], times[keep], value_arr[keep])


def _data_step(starts, resolution_us: int) -> int:
    """The file's own resolution: the smallest gap between event starts (the sensor's for a single row)."""
    import numpy as np

    gaps = np.diff(np.unique(starts))
    return int(gaps.min()) if len(gaps) else resolution_us


def _check_spacing(starts, resolution_us: int) -> None:
    if resolution_us and len(starts) and ((starts - starts[0]) % resolution_us).any():
        raise UploadError("with a belief time column, event starts must follow the sensor's resolution")
