"""GET /sources (FlexMeasures 1.0): its query argument, the known source types and the source JSON."""
from __future__ import annotations

from typing import Any

from chalicelib.schemas.common import QueryArgs

# FlexMeasures' DEFAULT_DATASOURCE_TYPES, listed first and in this order; other stored types follow, sorted.
DEFAULT_SOURCE_TYPES = ("user", "scheduler", "forecaster", "reporter", "demo script", "gateway", "market")


class SourceListArgs(QueryArgs):
    only_latest: bool = True


def source_json(source: Any, description: str) -> dict[str, Any]:
    """id, name, type, description always; model, version, account_id and user_id only when set."""
    out: dict[str, Any] = {"id": source.id, "name": source.name, "type": source.type, "description": description}
    for key in ("model", "version", "account_id", "user_id"):
        if getattr(source, key, None) is not None:
            out[key] = getattr(source, key)
    return out
