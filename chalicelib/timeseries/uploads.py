"""Read an uploaded CSV or Excel file of event starts and values (optionally belief times) into beliefs (§8.5).

Column 1 is the event start (ISO 8601; naive times are in the sensor's timezone), column 2 a number,
an optional column 3 the belief time. Data at another resolution is resampled to the sensor's
(mean down, repeat up). Every row is checked before anything is returned.
"""
from __future__ import annotations

import csv
import io
import math
from datetime import datetime, timedelta, timezone, tzinfo

from chalicelib.timeseries.beliefs import EARLIEST, LATEST, Beliefs, duration_us, from_us, to_us
from chalicelib.timeseries.calendar import floor_to_grid_us, is_calendar
from chalicelib.timeseries.resampling import MAX_SLOTS, mean_per_slot, to_slots

ALLOWED_EXTENSIONS = (".csv", ".xlsx", ".xls", ".xlsm")
# One upload holds what one data request may: MAX_SLOTS values, plus the header row.
MAX_ROWS = MAX_SLOTS + 1
# Only the first three columns mean anything (event start, value, belief time).
COLUMNS = 3
# A workbook is a zip: what it may unpack to, checked before any XML is parsed (a few hundred kB can hold a sheet of
# tens of MB), far above what MAX_ROWS rows of three cells need.
MAX_UNPACKED_BYTES = 64 * 1024 * 1024


class UploadError(ValueError):
    """Why a file's content cannot be used (shown after "Failed with: ")."""


def has_allowed_extension(filename: str) -> bool:
    return filename.lower().endswith(ALLOWED_EXTENSIONS)


def read_table(filename: str, content: bytes, zone: tzinfo) -> tuple[list[int], list[float], list[int] | None]:
    """Event starts (µs), values and belief times (µs, or None without a third column) from a CSV or
    Excel (.xlsx/.xlsm) file; UploadError naming the line of the first bad row."""
    name = filename.lower()
    if name.endswith(".csv"):
        rows = _csv_rows(content)
    elif name.endswith((".xlsx", ".xlsm")):
        rows = _sheet_rows(content)
    else:
        raise UploadError("the old Excel format (.xls) cannot be read; please save the sheet as .xlsx or CSV")
    rows = [row for row in rows if any(_present(cell) for cell in row)]
    if len(rows) < 2:
        raise UploadError("no data rows after the header row")
    with_belief_time = len([c for c in rows[0] if _present(c)]) >= 3
    starts, values, belief_times = [], [], []
    first_line: dict[tuple[int, int | None], int] = {}
    for line, row in enumerate(rows[1:], start=2):
        if len(row) < 2 or not _present(row[0]):
            raise UploadError(f"line {line}: expected an event start and an event value")
        starts.append(storable_us(_moment(row[0], zone, line, "event start"), line, "event start"))
        values.append(_number(row[1], line))
        if with_belief_time:
            belief_times.append(storable_us(_moment(row[2] if len(row) > 2 else None, zone, line, "belief time"),
                                            line, "belief time"))
        key = (starts[-1], belief_times[-1] if with_belief_time else None)
        if key in first_line:  # one would silently replace the other
            raise UploadError(f"lines {first_line[key]} and {line}: the same event start "
                              f"({from_us(starts[-1]).isoformat()}) twice")
        first_line[key] = line
    return starts, values, (belief_times if with_belief_time else None)


def storable_us(moment: datetime, line: int, what: str) -> int:
    if not EARLIEST <= moment < LATEST:
        raise UploadError(f"line {line}: {what} {moment.isoformat()} is outside the years "
                          f"{EARLIEST.year} to {LATEST.year - 1}, which data can be stored for")
    return to_us(moment)


def _csv_rows(content: bytes) -> list[list]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UploadError("the file is not UTF-8 encoded text") from None
    return _within_budget(row[:COLUMNS] for row in csv.reader(io.StringIO(text)))


def _within_budget(rows) -> list[list]:
    """The rows, stopping at the first one past MAX_ROWS (before reading the rest)."""
    kept = []
    for row in rows:
        if len(kept) == MAX_ROWS:
            raise UploadError(f"the file has more than {MAX_ROWS - 1} data rows; upload it in parts")
        kept.append(list(row))
    return kept


def _sheet_rows(content: bytes) -> list[list]:
    """The first sheet's rows (cell values; dates come as datetimes), read streaming within the row budget."""
    import zipfile

    from openpyxl import load_workbook

    try:
        unpacked = sum(entry.file_size for entry in zipfile.ZipFile(io.BytesIO(content)).infolist())
    except zipfile.BadZipFile:
        raise UploadError("the file is not a readable Excel workbook (BadZipFile)") from None
    if unpacked > MAX_UNPACKED_BYTES:
        raise UploadError(f"the workbook unpacks to {unpacked / 2**20:.0f} MB, over the "
                          f"{MAX_UNPACKED_BYTES // 2**20} MB an upload may hold; upload its data as CSV or in parts")
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        return _within_budget(workbook.worksheets[0].iter_rows(values_only=True, max_col=COLUMNS))
    except UploadError:
        raise
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many types for a broken file
        raise UploadError(f"the file is not a readable Excel workbook ({type(exc).__name__})") from None


def _present(cell) -> bool:
    return cell is not None and str(cell).strip() != ""


def _moment(cell, zone: tzinfo, line: int, what: str) -> datetime:
    if isinstance(cell, datetime):
        moment = cell
    else:
        value = str(cell if cell is not None else "").strip()
        if value.endswith(("Z", "z")):
            value = value[:-1] + "+00:00"
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            raise UploadError(f"line {line}: {what} '{cell}' is not an ISO 8601 datetime") from None
    return _localised(moment, zone, line, what) if moment.tzinfo is None else moment


def _localised(naive: datetime, zone: tzinfo, line: int, what: str) -> datetime:
    """A naive time in the sensor's timezone; refused when the clocks make it ambiguous (the repeated hour when
    they go back: either of two moments) or non-existent (the skipped hour when they go forward)."""
    earlier, later = naive.replace(tzinfo=zone, fold=0), naive.replace(tzinfo=zone, fold=1)
    if earlier.utcoffset() != later.utcoffset():
        if earlier.astimezone(timezone.utc) < later.astimezone(timezone.utc):
            raise UploadError(f"line {line}: {what} {naive.isoformat()} occurs twice in {zone} (the clocks go "
                              "back); give it with its UTC offset")
        raise UploadError(f"line {line}: {what} {naive.isoformat()} does not exist in {zone} (the clocks go "
                          "forward); give it with its UTC offset")
    return earlier


def _number(cell, line: int) -> float:
    """A finite number; an empty cell is a gap (NaN, dropped later). "inf", "nan" and 1e400 are refused, as
    FlexMeasures' finite Float fields refuse them: they could not be served as JSON again."""
    if isinstance(cell, bool):
        raise UploadError(f"line {line}: event values should be numeric, got '{cell}'")
    if not isinstance(cell, (int, float)) and not _present(cell):
        return float("nan")
    try:
        number = float(cell)
    except (ValueError, OverflowError):
        raise UploadError(f"line {line}: event values should be numeric, got '{cell}'") from None
    if not math.isfinite(number):
        raise UploadError(f"line {line}: event values should be numeric (finite), got '{cell}'")
    return number


def to_sensor_beliefs(starts: list[int], values: list[float], belief_times: list[int] | None,
                      resolution: timedelta, upload_time: datetime, measured_instantly: bool,
                      zone: tzinfo = timezone.utc) -> Beliefs:
    """Beliefs on the sensor's resolution; belief time from the file, else the upload time (or, when
    measured instantly, each event's end). Event starts are put on the sensor's grid (counted from local midnight)
    as a JSON post's start is: off-grid rows are floored onto it, finer data is averaged into its slots, coarser
    data repeated over them."""
    import numpy as np

    order = np.argsort(np.asarray(starts, dtype="int64"), kind="stable")
    start_arr = np.asarray(starts, dtype="int64")[order]
    value_arr = np.asarray(values, dtype="float64")[order]
    resolution_us = duration_us(resolution)
    if belief_times is not None:
        times = np.asarray(belief_times, dtype="int64")[order]
        _check_spacing(start_arr, resolution_us)
    else:
        if resolution_us > 0:
            start_arr, value_arr = _on_sensor_grid(start_arr, value_arr, resolution, zone)
        times = (start_arr + resolution_us if measured_instantly
                 else np.full(len(start_arr), to_us(upload_time), dtype="int64"))
    keep = ~np.isnan(value_arr)
    return Beliefs.of(start_arr[keep], times[keep], value_arr[keep])


def _on_sensor_grid(start_arr, value_arr, resolution: timedelta, zone: tzinfo):
    import numpy as np

    resolution_us = duration_us(resolution)
    if is_calendar(resolution):  # local days: each row to its day's start, rows of one day averaged
        return _mean_per_start(floor_to_grid_us(start_arr, resolution, zone), value_arr)
    step = _data_step(start_arr, resolution_us)
    origin = int(floor_to_grid_us(start_arr[:1], resolution, zone)[0])
    if step == resolution_us:  # the sensor's resolution, maybe shifted off the grid: floored onto it
        return floor_to_grid_us(start_arr, resolution, zone), value_arr
    n_slots = -(-(int(start_arr[-1]) + step - origin) // resolution_us)
    if n_slots > MAX_SLOTS:  # before allocating: two rows centuries apart span billions of slots
        raise UploadError(f"the file spans more than {MAX_SLOTS} events of the sensor's resolution; "
                          "upload it in parts")
    value_arr = to_slots(start_arr, value_arr, step, origin, resolution_us, n_slots)
    return origin + np.arange(n_slots, dtype="int64") * resolution_us, value_arr


def _mean_per_start(start_arr, value_arr):
    import numpy as np

    unique, index = np.unique(start_arr, return_inverse=True)
    return unique, mean_per_slot(index, value_arr, len(unique))


def _data_step(starts, resolution_us: int) -> int:
    """The file's own resolution: the smallest gap between event starts (the sensor's for a single row)."""
    import numpy as np

    gaps = np.diff(np.unique(starts))
    return int(gaps.min()) if len(gaps) else resolution_us


def _check_spacing(starts, resolution_us: int) -> None:
    if resolution_us and len(starts) and ((starts - starts[0]) % resolution_us).any():
        raise UploadError("with a belief time column, event starts must follow the sensor's resolution")
