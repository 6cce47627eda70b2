"""Counting the time-series store's queries, to check that a request reads each sensor once."""
from __future__ import annotations

from chalicelib.store import beliefs


def count_belief_queries(monkeypatch) -> list[int]:
    """From now on, the sensor id of every query on the belief chunks is appended to the returned list."""
    calls: list[int] = []
    original = beliefs.BeliefChunk.query.__func__

    def counting(cls, hash_key, *args, **kwargs):
        calls.append(hash_key)
        return original(cls, hash_key, *args, **kwargs)

    monkeypatch.setattr(beliefs.BeliefChunk, "query", classmethod(counting))
    return calls
