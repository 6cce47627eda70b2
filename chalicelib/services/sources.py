"""What GET /sources does: the sources a user may see (optionally only each lineage's latest version) and types."""
from __future__ import annotations

import re
from typing import Any

from chalicelib.auth.access import readable_account_ids
from chalicelib.schemas.sources import DEFAULT_SOURCE_TYPES, SourceListArgs, source_json
from chalicelib.store import sources as store


def listing(user: Any, args: SourceListArgs) -> dict[str, Any]:
    """Sources of the accounts the user may read (all for admins and admin-readers), plus system sources (no account
    and no user), as FlexMeasures 1.0.1 lists them."""
    readable = readable_account_ids(user)
    shown = [s for s in store.list_all()
             if readable is None or s.account_id in readable or (s.account_id is None and s.user_id is None)]
    if args.only_latest:
        shown = latest_per_lineage(shown)
    stored_types = {s.type for s in shown if s.type}
    return {"types": [*DEFAULT_SOURCE_TYPES, *sorted(stored_types - set(DEFAULT_SOURCE_TYPES))],
            "sources": [source_json(s, store.description(s)) for s in sorted(shown, key=lambda s: s.id)]}


def latest_per_lineage(sources: list[Any]) -> list[Any]:
    """The highest version per (name, type, model, account); ties (and unversioned sources) go to the higher id."""
    best: dict[tuple, Any] = {}
    for source in sources:
        key = (source.name, source.type, source.model, source.account_id)
        if key not in best or (version_key(source.version), source.id) > (version_key(best[key].version),
                                                                           best[key].id):
            best[key] = source
    return list(best.values())


def version_key(version: str | None) -> tuple[int, ...]:
    """A release number's parts ("1.10.2" > "1.9"); anything else counts as 0.0.0, as FlexMeasures treats an
    invalid version (pre-release tags and the like are not ordered here)."""
    if version and re.fullmatch(r"v?\d+(\.\d+)*", version.strip()):
        parts = tuple(int(p) for p in version.strip().lstrip("v").split("."))
    else:
        parts = (0,)
    while len(parts) > 1 and parts[-1] == 0:  # 1.0 == 1
        parts = parts[:-1]
    return parts
