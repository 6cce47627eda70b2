"""Assets: look up, list by account and by parent (GSI queries, never scans), create, update, delete."""
from __future__ import annotations

import copy
from typing import Any, Callable, Iterable

from chalicelib.store import annotations, sensors
from chalicelib.store.ids import next_id
from chalicelib.store.models import Asset, AuditEntry, Sensor
from chalicelib.store.uniques import MAX_TRANSACTION_ITEMS, claim_key, claim_owner, write_with_claims

PUBLIC = "public"
TOP_LEVEL = "top"


def account_key(account_id: int | None) -> str:
    return PUBLIC if account_id is None else str(account_id)


def parent_key(parent_asset_id: int | None) -> str:
    return TOP_LEVEL if parent_asset_id is None else str(parent_asset_id)


def find(asset_id: int) -> Asset | None:
    return Asset.get_or_none(int(asset_id))


def get_many(ids: Iterable[int]) -> dict[int, Asset]:
    return Asset.batch_by_id(ids)


def list_for_account(account_id: int | None) -> list[Asset]:
    """All assets of one account (None: public assets), id ascending."""
    return list(Asset.by_account.query(account_key(account_id)))


def count_for_account(account_id: int | None) -> int:
    """How many assets one account has (a COUNT query on its index, no items read)."""
    return Asset.by_account.count(account_key(account_id))


def list_for_accounts(account_ids: Iterable[int | None]) -> list[Asset]:
    """The assets of several accounts (None = public), one paged query per account, id ascending."""
    out: list[Asset] = []
    for account_id in dict.fromkeys(account_ids):
        out.extend(list_for_account(account_id))
    return sorted(out, key=lambda a: a.id)


def scan_all() -> list[Asset]:
    """Every asset (a table scan): for the rare sweeps over all stored config, e.g. after a sensor is deleted,
    which any account's assets may refer to (public price sensors)."""
    return list(Asset.scan())


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


# --- names -----------------------------------------------------------------------------------

def _name_claim(name: str, parent_asset_id: int | None, top_level: bool = False) -> list[str]:
    """FlexMeasures' unique (name, parent_asset_id) constraint. NULL parents never collide in SQL, but a request
    that names `parent_asset_id: null` is checked against every top-level asset (`top_level`): that check claims
    the name too, so concurrent requests cannot all pass it."""
    if parent_asset_id is not None:
        return [claim_key("asset-name", f"{parent_asset_id}#{name}")]
    return [claim_key("asset-name", f"{TOP_LEVEL}#{name}")] if top_level else []


def _claims_held(asset: Asset) -> list[str]:
    """The name claims this asset holds now (a top-level name only if it claimed it)."""
    top = _name_claim(asset.name, None, top_level=True)
    held = _name_claim(asset.name, asset.parent_asset_id)
    if asset.parent_asset_id is None and claim_owner(top[0]) == str(asset.id):
        held = top
    return held


def _saving(asset: Asset, audit_entries: Iterable[AuditEntry], claims: int) -> tuple[Any, list[AuditEntry]]:
    """The transaction's save of the asset with its audit rows, and the rows that do not fit in it (a change to
    over 90 attributes at once), saved right after."""
    entries = list(audit_entries)
    room = MAX_TRANSACTION_ITEMS - 1 - claims
    inside, after = entries[:room], entries[room:]

    def save(tx: Any) -> None:
        tx.save(asset)
        for entry in inside:
            tx.save(entry)

    return save, after


def sibling_named(name: str, parent_asset_id: int | None, except_id: int | None = None) -> Asset | None:
    """An asset called `name` under the parent (None: any top-level asset of any account)."""
    query = Asset.by_parent.query(parent_key(parent_asset_id), filter_condition=Asset.name == name)
    return next((a for a in query if a.id != except_id), None)


# --- writes ------------------------------------------------------------------------------------

def create(*, name: str, generic_asset_type_id: int, account_id: int | None,
           parent_asset_id: int | None = None, claim_top_level: bool = False,
           audit_entries: Callable[[Asset], Iterable[AuditEntry]] = lambda asset: (), **fields: Any) -> Asset:
    """Store a new asset with its audit rows, in one transaction; DuplicateError if a sibling already has this
    name. `audit_entries(asset)` builds the rows once the id is known."""
    asset = Asset(next_id("asset"), name=name, generic_asset_type_id=generic_asset_type_id,
                  account_id=account_id, account_key=account_key(account_id),
                  parent_asset_id=parent_asset_id, parent_key=parent_key(parent_asset_id), **fields)
    claims = _name_claim(name, parent_asset_id, claim_top_level)
    save, after = _saving(asset, audit_entries(asset), len(claims))
    write_with_claims(save, claims, owner=str(asset.id))
    _save_all(after)
    return asset


# What a copy does not take over: identity, place in the tree (and their index keys), and the external id,
# which is unique per account in FlexMeasures.
_NOT_COPIED = {"id", "name", "account_id", "account_key", "parent_asset_id", "parent_key", "external_id"}


def copyable_fields(asset: Asset) -> dict[str, Any]:
    """The asset's stored fields a copy takes over (deep copies of its JSON fields), whichever the model has."""
    return {key: copy.deepcopy(value) for key, value in asset.attribute_values.items() if key not in _NOT_COPIED}


def update(asset: Asset, changes: dict[str, Any], *, claim_top_level: bool = False,
           audit_entries: Iterable[AuditEntry] = ()) -> Asset:
    """Replace the given fields (the account never changes) and save the audit rows with them, in one
    transaction; DuplicateError on a sibling name clash."""
    old_claims = _claims_held(asset)
    for key, value in changes.items():
        setattr(asset, key, value)
    asset.parent_key = parent_key(asset.parent_asset_id)
    new_claims = _name_claim(asset.name, asset.parent_asset_id, claim_top_level)
    if not claim_top_level and asset.parent_asset_id is None:
        new_claims = [c for c in old_claims if c in _name_claim(asset.name, None, top_level=True)]
    claims = [c for c in new_claims if c not in old_claims]
    releases = [c for c in old_claims if c not in new_claims]
    save, after = _saving(asset, audit_entries, len(claims) + len(releases))
    write_with_claims(save, claims, releases=releases, owner=str(asset.id))
    _save_all(after)
    return asset


def _save_all(entries: Iterable[AuditEntry]) -> None:
    for entry in entries:
        entry.save()


def delete(asset: Asset) -> None:
    """Delete the asset with everything under it: child assets, their sensors and data.

    Leaves go first and the asset item last, so an interruption leaves a smaller tree that is
    still reachable from this asset: calling delete again finishes the job.
    """
    for child in children_of(asset.id):
        delete(child)
    for sensor in sensors.list_for_asset(asset.id):
        sensors.delete(sensor)  # with its beliefs
    annotations.take_all_off(annotations.subject("asset", asset.id))
    write_with_claims(lambda tx: tx.delete(asset), [], releases=_claims_held(asset))


# --- what the asset JSON shows -------------------------------------------------------------------

def sensor_names_by_account(account_id: int) -> list[Sensor]:
    """Every sensor on the account's assets, in one paged query (the sparse by-account index).

    Only id, name and asset id are read back: that is all the asset JSON shows of its sensors.
    """
    return list(Sensor.by_account.query(int(account_id),
                                        attributes_to_get=["id", "name", "generic_asset_id"]))
