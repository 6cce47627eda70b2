"""Readiness: every dependency probed; any failure means "not ready" and is logged, never raised."""
from __future__ import annotations

import logging
from typing import Callable

from chalicelib.store import health

log = logging.getLogger("flexcloud.health")


def readiness() -> dict[str, bool]:
    # "database_sql" keeps FlexMeasures' key for the primary store, so existing monitors keep working.
    return {"database_sql": _passes("dynamodb", health.probe_tables), "queue": _passes("sqs", health.probe_queue)}


def _passes(name: str, probe: Callable[[], None]) -> bool:
    try:
        probe()
        return True
    except Exception:  # noqa: BLE001 - any failure means "not ready"
        log.warning("Readiness check %s failed", name, exc_info=True)
        return False
