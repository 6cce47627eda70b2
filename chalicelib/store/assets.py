"""Assets: look up, list by account and by parent (GSI queries, never scans)."""
from __future__ import annotations

from chalicelib.store.models import Asset

PUBLIC = "public"
TOP_LEVEL = "top"


def account_key(account_id: int | None) -> str:
    return PUBLIC if account_id is None else str(account_id)


def parent_key(parent_asset_id: int | None) -> str:
    return TOP_LEVEL if parent_asset_id is None else str(parent_asset_id)


def find(asset_id: int) -> Asset | None:
    try:
        return Asset.get(int(asset_id))
    except Asset.DoesNotExist:
        return None


def list_for_account(account_id: int | None) -> list[Asset]:
    """All assets of one account (None: public assets), id ascending."""
    return list(Asset.by_account.query(account_key(account_id)))


def children_of(asset_id: int) -> list[Asset]:
    return list(Asset.by_parent.query(parent_key(asset_id)))


def offspring_ids(asset_id: int) -> list[int]:
    """The asset's descendants, breadth first (one query per level)."""
    out, frontier = [], [asset_id]
    while frontier:
        level = [child.id for parent in frontier for child in children_of(parent)]
        out.extend(level)
        frontier = level
    return out
