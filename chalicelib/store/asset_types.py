"""Asset types: unique names, integer ids."""
from __future__ import annotations

from chalicelib.store.ids import next_id
from chalicelib.store.models import AssetType
from chalicelib.store.errors import DuplicateError
from chalicelib.store.uniques import claim_key, write_with_claims

DEFAULT_TYPES = {
    "battery": "A stationary battery",
    "solar": "Solar panels (PV)",
    "building": "A building with its own connection",
    "wind turbine": "A wind turbine",
    "charge point": "An EV charge point",
    "heat pump": "A heat pump",
    "process": "A shiftable or breakable industrial process",
    "load": "An inflexible or shiftable load",
}


def create(name: str, description: str | None = None) -> AssetType:
    asset_type = AssetType(next_id("asset_type"), name=name, description=description)
    write_with_claims(lambda tx: tx.save(asset_type), [claim_key("asset-type", name)],
                      owner=str(asset_type.id))
    return asset_type


def get(type_id: int) -> AssetType | None:
    return AssetType.get_or_none(int(type_id))


def list_all() -> list[AssetType]:
    # A handful of rows, read whole: there is no key to query by.
    return sorted(AssetType.scan(), key=lambda t: t.id)


def seed_defaults() -> list[AssetType]:
    """Create the default types that are missing; return all defaults."""
    existing = {t.name: t for t in list_all()}
    out = []
    for name, description in DEFAULT_TYPES.items():
        if name in existing:
            out.append(existing[name])
            continue
        try:
            out.append(create(name, description))
        except DuplicateError:
            out.append(next(t for t in list_all() if t.name == name))
    return out


def get_many(type_ids) -> dict[int, AssetType]:
    return AssetType.batch_by_id(type_ids)
