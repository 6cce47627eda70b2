"""Rate-limit counts shared by every Lambda container: one atomic DynamoDB ADD per request and limit."""
from __future__ import annotations

import logging
from dataclasses import dataclass

from pynamodb.exceptions import PynamoDBException

from chalicelib.store.models import RateCounter

log = logging.getLogger("flexcloud.rate_counters")


@dataclass(frozen=True)
class Hits:
    """What one hit found: the window's count including it, and when the window ends (epoch seconds)."""

    key: str
    count: int
    window_ends_at: int


def hit(counter: str, window_seconds: int, now: float) -> Hits | None:
    """Count one request against `counter` in the fixed window holding `now` (windows start at multiples of
    their length since the epoch). One UpdateItem, which creates the window's item on its first hit.

    None if DynamoDB refused: like FlexMeasures when its Redis is unreachable, the request goes through uncounted
    rather than the API going down with the counter.
    """
    start = int(now) // window_seconds * window_seconds
    ends_at = start + window_seconds
    item = RateCounter(f"{counter}/{window_seconds}s/{start}")
    try:
        item.update(actions=[RateCounter.hits.add(1), RateCounter.expires_at.set(ends_at)])
    except PynamoDBException:
        log.exception("Rate counter %s not counted; letting the request through", item.key)
        return None
    return Hits(item.key, int(item.hits), ends_at)


def take_back(hits: Hits) -> None:
    """Uncount that request (a trigger that was refused spends nothing), in the window it was counted in."""
    try:
        RateCounter(hits.key).update(actions=[RateCounter.hits.add(-1),
                                              RateCounter.expires_at.set(hits.window_ends_at)])
    except PynamoDBException:
        log.exception("Rate counter %s not uncounted", hits.key)
