"""Counting what the store reads, to check that a request or a job reads each sensor once."""
from __future__ import annotations

from collections import Counter
from contextlib import contextmanager
from typing import Iterator

from chalicelib import settings
from chalicelib.store import beliefs
from chalicelib.store.base import shared_connection
from chalicelib.store.models import Sensor


def count_belief_queries(monkeypatch) -> list[int]:
    """From now on, the sensor id of every query on the belief chunks is appended to the returned list."""
    calls: list[int] = []
    original = beliefs.BeliefChunk.query.__func__

    def counting(cls, hash_key, *args, **kwargs):
        calls.append(hash_key)
        return original(cls, hash_key, *args, **kwargs)

    monkeypatch.setattr(beliefs.BeliefChunk, "query", classmethod(counting))
    return calls


@contextmanager
def counted_sensor_reads() -> Iterator[Counter[int]]:
    """Counts GetItem and BatchGetItem keys on the sensors table, by sensor id, while inside."""
    reads: Counter[int] = Counter()

    def count(params, **_):
        if params.get("TableName") == Sensor.Meta.table_name:
            reads[int(params["Key"]["id"]["N"])] += 1

    def count_batch(params, **_):
        for key in params.get("RequestItems", {}).get(Sensor.Meta.table_name, {}).get("Keys", []):
            reads[int(key["id"]["N"])] += 1

    events = shared_connection(settings.aws_endpoint_url(), settings.aws_region()).client.meta.events
    events.register("provide-client-params.dynamodb.GetItem", count, unique_id="test-sensor-reads")
    events.register("provide-client-params.dynamodb.BatchGetItem", count_batch, unique_id="test-sensor-batch-reads")
    try:
        yield reads
    finally:
        events.unregister("provide-client-params.dynamodb.GetItem", unique_id="test-sensor-reads")
        events.unregister("provide-client-params.dynamodb.BatchGetItem", unique_id="test-sensor-batch-reads")
