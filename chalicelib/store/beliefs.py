"""Time series chunks: one item per (sensor, source, UTC day) holding that day's beliefs as packed arrays.

Writes read the day's chunks, merge (timeseries.beliefs.merge) and write them back in one transaction
per batch of days, each chunk conditional on the version that was read; a conflict (a concurrent
writer) re-reads and re-merges only the days that failed. A day whose beliefs outgrow one item
continues in further parts, well before DynamoDB's 400 KB item limit.
"""
from __future__ import annotations

import random
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Callable, Iterable

from pynamodb.exceptions import DeleteError, PutError, TransactWriteError

from chalicelib.store.errors import ReplacementRefused, WriteConflict, throttled
from chalicelib.store.models import BeliefChunk
from chalicelib.timeseries.beliefs import (DAY_US, US_PER_S, Beliefs, duration_us, from_us, merge, most_recent,
                                           restrict, to_us)
from chalicelib.timeseries.calendar import calendar_starts_us, is_calendar, to_calendar_slots, zone_or_utc
from chalicelib.timeseries.packing import BYTES_PER_BELIEF, pack, unpack
from chalicelib.timeseries.resampling import to_slots

# 15,000 beliefs = 300 KB of arrays per item, leaving room under the 400 KB item limit.
MAX_BELIEFS_PER_PART = 15_000
# DynamoDB transactions take at most 100 actions and 4 MB.
MAX_TRANSACTION_ACTIONS = 100
MAX_TRANSACTION_BYTES = 3_500_000
ITEM_OVERHEAD_BYTES = 200
# Concurrent writers of one (day, source) retry their lost version checks: with N writers the unluckiest loses N-1
# rounds, so retries are bounded by time (well inside the API's 30 s) more than by count. Full jitter, capped.
MAX_ATTEMPTS = 100
WRITE_RETRY_SECONDS = 10.0
MAX_RETRY_SLEEP_SECONDS = 0.2
_CONFLICT_CODES = {"TransactionCanceledException", "TransactionConflictException",
                   "ConditionalCheckFailedException"}
_RETRYABLE_REASONS = {"None", "ConditionalCheckFailed", "TransactionConflict"}

Key = tuple[int, int]  # (day number since the epoch, source id)



@dataclass
class SaveResult:
    added: int = 0
    unchanged: int = 0
    replaced: int = 0


# ---- keys ---------------------------------------------------------------------------------------

def _day_text(day: int) -> str:
    return (date(1970, 1, 1) + timedelta(days=day)).isoformat()


def _chunk_key(day: int, source_id: int, part: int) -> str:
    return f"{_day_text(day)}#{source_id:010d}#{part:04d}"


def _day_of(moment: datetime) -> int:
    return to_us(moment) // DAY_US


# ---- reading ------------------------------------------------------------------------------------

def _load(sensor_id: int, first_day: int, last_day: int, source_id: int | None = None) -> dict[Key, list[BeliefChunk]]:
    """The chunks of these days (one paginated query), grouped by (day, source), parts in order."""
    condition = BeliefChunk.chunk_key.between(f"{_day_text(first_day)}#", f"{_day_text(last_day)}#~")
    kwargs: dict[str, Any] = {}
    if source_id is not None:
        kwargs["filter_condition"] = BeliefChunk.source_id == int(source_id)
    out: dict[Key, list[BeliefChunk]] = {}
    for chunk in BeliefChunk.query(int(sensor_id), condition, **kwargs):
        out.setdefault((int(chunk.day), int(chunk.source_id)), []).append(chunk)
    return out


def _decode(chunks: Iterable[BeliefChunk], with_source: bool = True) -> Beliefs:
    parts = []
    for chunk in chunks:
        offsets, belief_times, values = unpack(chunk.offsets, chunk.belief_times, chunk.values)
        starts = offsets * US_PER_S + int(chunk.day) * DAY_US
        parts.append(Beliefs.of(starts, belief_times, values, int(chunk.source_id) if with_source else None))
    return Beliefs.concat(parts)


def read_beliefs(sensor_id: int, start: datetime, end: datetime, source_id: int | None = None) -> Beliefs:
    """Every stored belief (all versions, all sources unless one is given) about events in [start, end)."""
    if end <= start:
        return Beliefs.empty()
    first, last = _day_of(start), _day_of(end - timedelta(microseconds=1))
    chunks = _load(sensor_id, first, last, source_id)
    beliefs = _decode(chunk for key in sorted(chunks) for chunk in chunks[key])
    return restrict(beliefs, start_us=to_us(start), end_us=to_us(end))


def read_all_beliefs(sensor_id: int) -> Beliefs:
    """Every stored belief of the sensor (stats over all data)."""
    chunks = BeliefChunk.query(int(sensor_id))
    return _decode(chunks)


def source_ids_of(sensor_id: int) -> set[int]:
    return {int(c.source_id) for c in BeliefChunk.query(int(sensor_id), attributes_to_get=["source_id"])}


# ---- writing ------------------------------------------------------------------------------------

def save(sensor_id: int, source_id: int, beliefs: Beliefs, resolution: timedelta,
         allow_overwrite: bool = False) -> SaveResult:
    """Merge `beliefs` (one source) into the sensor's chunks.

    Raises ReplacementRefused, before writing anything, when a belief would change a stored value
    under the same (event start, belief time) and `allow_overwrite` is off.
    """
    import numpy as np

    if not len(beliefs):
        return SaveResult()
    starts = beliefs.event_start - beliefs.event_start % US_PER_S  # chunks store whole seconds
    incoming = Beliefs(starts, beliefs.belief_time, beliefs.value)
    days = starts // DAY_US
    by_day = {int(day): incoming.take(days == day) for day in np.unique(days)}
    resolution_us = duration_us(resolution)
    outcomes: dict[Key, Any] = {}

    def plan(chunks: dict[Key, list[BeliefChunk]], only: set[Key] | None) -> dict[Key, Beliefs]:
        changes = {}
        for day, new in by_day.items():
            key = (day, int(source_id))
            if only is not None and key not in only:
                continue
            outcome = merge(_decode(chunks.get(key, []), with_source=False), new, resolution_us, allow_overwrite)
            outcomes[key] = outcome
            if outcome.changed:
                changes[key] = outcome.merged
        if not allow_overwrite and any(o.replaced for o in outcomes.values()):
            raise ReplacementRefused()
        return changes

    _apply(sensor_id, min(by_day), max(by_day), int(source_id), plan)
    return SaveResult(added=sum(o.added for o in outcomes.values()),
                      unchanged=sum(o.unchanged for o in outcomes.values()),
                      replaced=sum(o.replaced for o in outcomes.values()))


def write_beliefs(sensor: Any, source: Any, starts: Iterable[datetime], values: Iterable[float],
                  belief_time: datetime) -> SaveResult:
    """Store many values of one source formed at one belief time (e.g. a schedule); NaN/None skipped.

    Same key with another value overwrites: a source re-running at the same belief time means it.
    """
    import numpy as np

    start_us = np.array([to_us(s) for s in starts], dtype="int64")
    value_arr = np.array([np.nan if v is None else float(v) for v in values], dtype="float64")
    keep = ~np.isnan(value_arr)
    beliefs = Beliefs.of(start_us[keep], to_us(belief_time), value_arr[keep])
    return save(sensor.id, source.id, beliefs, timedelta(minutes=int(sensor.event_resolution_minutes)),
                allow_overwrite=True)


def delete_all(sensor_id: int) -> int:
    """Remove every chunk of the sensor; returns how many items were deleted."""
    keys = list(BeliefChunk.query(int(sensor_id), attributes_to_get=["sensor_id", "chunk_key"]))
    with BeliefChunk.batch_write() as batch:
        for chunk in keys:
            batch.delete(chunk)
    return len(keys)


def delete_beliefs(sensor_id: int, source_id: int | None = None, start: datetime | None = None,
                   until: datetime | None = None) -> None:
    """Remove the beliefs of one source and/or about events in [start, until); all of them by default."""
    if source_id is None and start is None and until is None:
        delete_all(sensor_id)
        return
    if start is None or until is None:
        days = [int(c.day) for c in BeliefChunk.query(int(sensor_id), attributes_to_get=["day"])]
        if not days:
            return
        first = _day_of(start) if start is not None else min(days)
        last = _day_of(until - timedelta(microseconds=1)) if until is not None else max(days)
    else:
        first, last = _day_of(start), _day_of(until - timedelta(microseconds=1))
    if last < first:
        return
    lo = to_us(start) if start is not None else None
    hi = to_us(until) if until is not None else None

    def plan(chunks: dict[Key, list[BeliefChunk]], only: set[Key] | None) -> dict[Key, Beliefs]:
        changes = {}
        for key, parts in chunks.items():
            if only is not None and key not in only:
                continue
            stored = _decode(parts, with_source=False)
            doomed = _in_window(stored.event_start, lo, hi)
            if doomed.any():
                changes[key] = stored.take(~doomed)
        return changes

    _apply(sensor_id, first, last, source_id, plan)


def _in_window(starts, lo: int | None, hi: int | None):
    import numpy as np

    mask = np.ones(len(starts), dtype=bool)
    if lo is not None:
        mask &= starts >= lo
    if hi is not None:
        mask &= starts < hi
    return mask


def _apply(sensor_id: int, first_day: int, last_day: int, source_id: int | None,
           plan: Callable[[dict[Key, list[BeliefChunk]], set[Key] | None], dict[Key, Beliefs]]) -> None:
    """Read, plan the changes, write them version-conditionally; redo only the days that conflicted."""
    only: set[Key] | None = None
    deadline = time.monotonic() + WRITE_RETRY_SECONDS
    for attempt in range(MAX_ATTEMPTS):
        chunks = _load(sensor_id, first_day, last_day, source_id)
        changes = plan(chunks, only)
        failed = _write(int(sensor_id), chunks, changes)
        if not failed:
            return
        only = failed
        first_day, last_day = min(d for d, _ in failed), max(d for d, _ in failed)
        if time.monotonic() >= deadline:
            break
        time.sleep(random.uniform(0, min(MAX_RETRY_SLEEP_SECONDS, 0.005 * 2 ** attempt)))
    raise WriteConflict(f"Gave up writing sensor {sensor_id} after {attempt + 1} conflicting attempts.")


def _actions_for(sensor_id: int, key: Key, old_parts: list[BeliefChunk], beliefs: Beliefs) -> list[tuple]:
    """(kind, item, condition, size) for rewriting one (day, source): new parts, and deletes of surplus parts."""
    day, source_id = key
    old_version = int(old_parts[0].version) if old_parts else 0
    old_by_part = {int(p.part): p for p in old_parts}
    actions = []
    offsets = (beliefs.event_start - day * DAY_US) // US_PER_S
    n_parts = -(-len(beliefs) // MAX_BELIEFS_PER_PART)
    for part in range(n_parts):
        window = slice(part * MAX_BELIEFS_PER_PART, (part + 1) * MAX_BELIEFS_PER_PART)
        packed = pack(offsets[window], beliefs.belief_time[window], beliefs.value[window])
        item = BeliefChunk(sensor_id, _chunk_key(day, source_id, part), source_id=source_id, day=day, part=part,
                           version=old_version + 1, count=len(beliefs.value[window]), offsets=packed.offsets,
                           belief_times=packed.belief_times, values=packed.values)
        condition = (BeliefChunk.version == old_version) if part in old_by_part else BeliefChunk.chunk_key.does_not_exist()
        actions.append(("save", item, condition, item.count * BYTES_PER_BELIEF + ITEM_OVERHEAD_BYTES))
    for part, old in old_by_part.items():
        if part >= n_parts:
            actions.append(("delete", old, BeliefChunk.version == old_version, ITEM_OVERHEAD_BYTES))
    return actions


def _write(sensor_id: int, chunks: dict[Key, list[BeliefChunk]], changes: dict[Key, Beliefs]) -> set[Key]:
    """Write the changes in as few transactions as fit; return the keys whose transaction conflicted."""
    batches: list[list[tuple[Key, list[tuple]]]] = [[]]
    n_actions = n_bytes = 0
    for key in sorted(changes):
        actions = _actions_for(sensor_id, key, chunks.get(key, []), changes[key])
        size = sum(a[3] for a in actions)
        if batches[-1] and (n_actions + len(actions) > MAX_TRANSACTION_ACTIONS or n_bytes + size > MAX_TRANSACTION_BYTES):
            batches.append([])
            n_actions = n_bytes = 0
        batches[-1].append((key, actions))
        n_actions += len(actions)
        n_bytes += size
    failed: set[Key] = set()
    for batch in batches:
        if batch and not _commit([a for _, actions in batch for a in actions]):
            failed |= {key for key, _ in batch}
    return failed


def _commit(actions: list[tuple]) -> bool:
    """Run the actions atomically; False when a version condition failed (a concurrent writer)."""
    from pynamodb.transactions import TransactWrite

    try:
        if len(actions) == 1:
            kind, item, condition, _ = actions[0]
            (item.save if kind == "save" else item.delete)(condition=condition)
            return True
        connection = BeliefChunk._get_connection().connection
        with TransactWrite(connection=connection) as transaction:
            for kind, item, condition, _ in actions:
                (transaction.save if kind == "save" else transaction.delete)(item, condition=condition)
        return True
    except (PutError, DeleteError, TransactWriteError) as exc:
        if _is_conflict(exc) or throttled(exc):  # nothing of this transaction was written: retried like a conflict
            return False
        raise


def _is_conflict(exc: Exception) -> bool:
    """A lost version check or a concurrent transaction, as opposed to a real failure."""
    if getattr(exc, "cause_response_code", None) not in _CONFLICT_CODES:
        return False
    reasons = getattr(exc, "cancellation_reasons", None) or []
    return all(r is None or r.code in _RETRYABLE_REASONS for r in reasons)


# ---- series for callers (API reads, the scheduler, charts) ---------------------------------------

def read_latest(sensor: Any, start: datetime, end: datetime, *, prior: datetime | None = None,
                horizon: timedelta | None = None, source_id: int | None = None, per_source: bool = False) -> Beliefs:
    """The most recent belief per event (or per event and source) about events overlapping [start, end).

    `prior`: only beliefs formed at or before it; `horizon`: only beliefs formed at least this long
    before their knowledge time (the event end).
    """
    resolution = timedelta(minutes=int(sensor.event_resolution_minutes or 0))
    # Events starting before `start` may still cover part of the window.
    reach = resolution - timedelta(microseconds=1) if resolution else timedelta(0)
    found = read_beliefs(sensor.id, start - reach, end, source_id)
    found = restrict(found, prior_us=None if prior is None else to_us(prior),
                     horizon_us=None if horizon is None else duration_us(horizon),
                     resolution_us=duration_us(resolution))
    return most_recent(found, per_source=per_source)


def read_values(sensor: Any, start: datetime, end: datetime, resolution: timedelta, **selection: Any):
    """Values per slot of `resolution` over [start, end) in the sensor's unit (numpy; NaN for gaps).

    Mean when downsampling, repeated when upsampling. Slots of whole days are local calendar days of the
    sensor's timezone (`slot_starts`). `selection`: prior, horizon, source_id.
    """
    event_resolution_us = duration_us(timedelta(minutes=int(sensor.event_resolution_minutes or 0)))
    n_slots = (end - start) // resolution
    if is_calendar(resolution):
        edges = slot_starts(sensor, start, n_slots + 1, resolution)
        latest = read_latest(sensor, start, from_us(int(edges[-1])), **selection)
        return to_calendar_slots(latest.event_start, latest.value, event_resolution_us, edges)
    latest = read_latest(sensor, start, end, **selection)
    return to_slots(latest.event_start, latest.value, event_resolution_us, to_us(start), duration_us(resolution),
                    n_slots)


def slot_starts(sensor: Any, start: datetime, count: int, resolution: timedelta):
    """`count` slot starts (µs) from `start`: local calendar days for whole-day resolutions, else fixed steps."""
    import numpy as np

    if is_calendar(resolution):
        return calendar_starts_us(start, count, resolution, zone_or_utc(sensor.timezone))
    return to_us(start) + np.arange(count, dtype="int64") * duration_us(resolution)


def read_series(sensor: Any, start: datetime, end: datetime, resolution: timedelta, prior: datetime | None = None,
                source_id: int | None = None, horizon: timedelta | None = None):
    """`read_values` as a pandas Series indexed by slot start (UTC), in the sensor's unit, NaN for gaps."""
    import pandas as pd

    values = read_values(sensor, start, end, resolution, prior=prior, source_id=source_id, horizon=horizon)
    index = pd.to_datetime(slot_starts(sensor, start, len(values), resolution), unit="us", utc=True)
    return pd.Series(values, index=index, name=sensor.id)
