"""Integer ids from an atomic counter (DynamoDB ADD), one sequence per entity kind."""
from __future__ import annotations

from chalicelib.store.models import Counter


def next_id(kind: str) -> int:
    item = Counter(kind)
    item.update(actions=[Counter.value.add(1)])
    return int(item.value)
