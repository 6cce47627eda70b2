"""Beliefs as parallel numpy arrays, and the rules over them: merging a write, picking the most recent.

Times are int64 microseconds since the Unix epoch (UTC). A belief's knowledge time is its event
end (FlexMeasures' default "ex post 0 h" horizon), so it is ex ante when formed before that.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
US_PER_S = 1_000_000
DAY_US = 86_400 * US_PER_S
# What can be stored and read back: pandas (the scheduler, charts, stats) holds nanosecond timestamps of years
# 1677 to 2262; data outside would be written but fail every read.
EARLIEST = datetime(1678, 1, 1, tzinfo=timezone.utc)
LATEST = datetime(2262, 1, 1, tzinfo=timezone.utc)


def to_us(moment: datetime) -> int:
    return (moment - EPOCH) // timedelta(microseconds=1)


def duration_us(value: timedelta) -> int:
    return value // timedelta(microseconds=1)


def from_us(value: int) -> datetime:
    return EPOCH + timedelta(microseconds=int(value))


def outside_storable_years(times_us) -> bool:
    """Whether any time (µs) lies outside [EARLIEST, LATEST)."""
    import numpy as np

    times = np.asarray(times_us, dtype="int64")
    return bool(len(times)) and bool((times.min() < to_us(EARLIEST)) | (times.max() >= to_us(LATEST)))


@dataclass
class Beliefs:
    """Parallel arrays: one row per belief."""

    event_start: Any  # int64 µs
    belief_time: Any  # int64 µs
    value: Any        # float64
    source_id: Any = field(default=None)  # int64, or None when all rows share one source

    @classmethod
    def empty(cls) -> "Beliefs":
        import numpy as np

        return cls(np.empty(0, "int64"), np.empty(0, "int64"), np.empty(0, "float64"), np.empty(0, "int64"))

    @classmethod
    def of(cls, event_start, belief_time, value, source_id=None) -> "Beliefs":
        import numpy as np

        event_start = np.asarray(event_start, dtype="int64")
        belief_time = np.broadcast_to(np.asarray(belief_time, dtype="int64"), event_start.shape).copy()
        sources = None if source_id is None else np.broadcast_to(
            np.asarray(source_id, dtype="int64"), event_start.shape).copy()
        return cls(event_start, belief_time, np.asarray(value, dtype="float64"), sources)

    def __len__(self) -> int:
        return len(self.event_start)

    def take(self, index) -> "Beliefs":
        return Beliefs(self.event_start[index], self.belief_time[index], self.value[index],
                       None if self.source_id is None else self.source_id[index])

    @staticmethod
    def concat(parts: list["Beliefs"]) -> "Beliefs":
        import numpy as np

        parts = [p for p in parts if len(p)]
        if not parts:
            return Beliefs.empty()
        sources = None if any(p.source_id is None for p in parts) else np.concatenate([p.source_id for p in parts])
        return Beliefs(np.concatenate([p.event_start for p in parts]), np.concatenate([p.belief_time for p in parts]),
                       np.concatenate([p.value for p in parts]), sources)

    def sorted(self) -> "Beliefs":
        import numpy as np

        return self.take(np.lexsort((self.belief_time, self.event_start)))


@dataclass
class MergeOutcome:
    merged: Beliefs  # the chunk's beliefs after the write, ordered by event start and belief time
    added: int = 0
    unchanged: int = 0
    replaced: int = 0

    @property
    def changed(self) -> bool:
        return self.added > 0 or self.replaced > 0


def merge(existing: Beliefs, incoming: Beliefs, resolution_us: int, allow_overwrite: bool) -> MergeOutcome:
    """Merge one source's new beliefs into its stored ones (FlexMeasures' save rules).

    - same (event start, belief time) and value: unchanged; another value: a replacement, applied
      only when `allow_overwrite`;
    - a new belief equal to the most recent stored belief about that event formed no later, of the
      same kind (ex ante / ex post), is unchanged and not stored;
    - otherwise it is added.
    """
    import numpy as np

    by_key = {(int(s), int(b)): i for i, (s, b) in enumerate(zip(existing.event_start, existing.belief_time))}
    history: dict[int, list[tuple[int, float]]] = {}
    for s, b, v in zip(existing.event_start.tolist(), existing.belief_time.tolist(), existing.value.tolist()):
        history.setdefault(s, []).append((b, v))
    values = existing.value.copy()
    outcome = MergeOutcome(existing)
    added_rows: list[int] = []
    seen: set[tuple[int, int]] = set()
    for i, (s, b, v) in enumerate(zip(incoming.event_start.tolist(), incoming.belief_time.tolist(),
                                      incoming.value.tolist())):
        key = (s, b)
        if key in seen:
            outcome.unchanged += 1
            continue
        seen.add(key)
        if key in by_key:
            if values[by_key[key]] == v:
                outcome.unchanged += 1
            else:
                outcome.replaced += 1
                if allow_overwrite:
                    values[by_key[key]] = v
            continue
        if _latest_same_kind(history.get(s, ()), s, b, resolution_us) == v:
            outcome.unchanged += 1
            continue
        outcome.added += 1
        added_rows.append(i)
    if not outcome.changed:
        return outcome
    kept = Beliefs(existing.event_start, existing.belief_time, values)
    new = incoming.take(np.asarray(added_rows, dtype="int64"))
    outcome.merged = Beliefs.concat([kept, Beliefs(new.event_start, new.belief_time, new.value)]).sorted()
    return outcome


def _latest_same_kind(history, event_start: int, belief_time: int, resolution_us: int) -> float | None:
    knowledge_time = event_start + resolution_us
    ex_post = belief_time >= knowledge_time
    candidates = [(b, v) for b, v in history if b <= belief_time and (b >= knowledge_time) == ex_post]
    return max(candidates)[1] if candidates else None


def restrict(beliefs: Beliefs, *, start_us: int | None = None, end_us: int | None = None,
             prior_us: int | None = None, horizon_us: int | None = None, resolution_us: int = 0,
             source_ids: set[int] | None = None) -> Beliefs:
    """Beliefs about events in [start, end), formed no later than `prior`, at least `horizon` before
    their knowledge time, from the given sources."""
    import numpy as np

    keep = np.ones(len(beliefs), dtype=bool)
    if start_us is not None:
        keep &= beliefs.event_start >= start_us
    if end_us is not None:
        keep &= beliefs.event_start < end_us
    if prior_us is not None:
        keep &= beliefs.belief_time <= prior_us
    if horizon_us is not None:
        keep &= (beliefs.event_start + resolution_us - beliefs.belief_time) >= horizon_us
    if source_ids is not None and beliefs.source_id is not None:
        keep &= np.isin(beliefs.source_id, list(source_ids))
    return beliefs.take(keep)


def most_recent(beliefs: Beliefs, *, per_source: bool = False) -> Beliefs:
    """One belief per event (or per event and source): the latest belief time.

    Across sources, a tie in belief time goes to the higher source id (the newer source).
    """
    import numpy as np

    if not len(beliefs):
        return beliefs
    sources = beliefs.source_id if beliefs.source_id is not None else np.zeros(len(beliefs), "int64")
    if per_source:
        order = np.lexsort((beliefs.belief_time, sources, beliefs.event_start))
        group = np.stack([beliefs.event_start[order], sources[order]])
        last = np.ones(len(order), dtype=bool)
        last[:-1] = np.any(group[:, 1:] != group[:, :-1], axis=0)
    else:
        order = np.lexsort((sources, beliefs.belief_time, beliefs.event_start))
        starts = beliefs.event_start[order]
        last = np.ones(len(order), dtype=bool)
        last[:-1] = starts[1:] != starts[:-1]
    return beliefs.take(order[last])
