"""POST /assets/<id>/copy (FlexMeasures 1.0.1): an asset, its child assets and their sensors (not their data), to a
target account and/or parent, with sensor references in the copies' flex config and charts pointed at the copies."""
from __future__ import annotations

import re
from typing import Any, Callable

from chalicelib.auth import permissions
from chalicelib.auth.access import require, require_account, require_asset
from chalicelib.errors import field_error, unprocessable
from chalicelib.store import assets as store
from chalicelib.store import audit, sensors
from chalicelib.store.models import Asset

# The asset fields holding sensor references, rewritten in every copy.
REFERENCE_FIELDS = {"flex_context": dict, "flex_model": dict, "sensors_to_show": list, "sensors_to_show_as_kpis": list}
_REMOVED = object()  # a reference to a private sensor outside the copied tree: the entry holding it is dropped


def copy(user: Any, asset: Asset, account: Any | None, parent: Asset | None) -> dict[str, Any]:
    """Where the copy goes, as FlexMeasures resolves it: nothing given, beside the original; an account only, at the
    top of that account; a parent only, under it in its account; both, under the parent in the account (which here
    must be the parent's: child assets share their parent's account). The permission is create-children on the
    target parent, else on the target account, else (a public copy) admins only."""
    if account is not None and parent is not None and parent.account_id != account.id:
        raise field_error("query", "parent", f"Parent GenericAsset with id {parent.id} belongs to another account.")
    if account is None and parent is None:
        account_id, parent_id = asset.account_id, asset.parent_asset_id
    elif parent is None:
        account_id, parent_id = account.id, None
    else:
        account_id, parent_id = parent.account_id, parent.id
    target_parent = parent if parent is not None or account is not None else (
        store.find(asset.parent_asset_id) if asset.parent_asset_id is not None else None)
    if target_parent is not None:
        require_asset(user, permissions.CREATE_CHILDREN, target_parent)
    elif account_id is not None:
        require_account(user, permissions.CREATE_CHILDREN, account_id)
    else:
        require(permissions.is_admin(user))
    if parent_id is not None and _in_subtree(asset.id, parent_id):
        raise unprocessable("json", "Invalid copy target parent: cannot copy an asset to itself or any of its "
                                    "descendants.")
    created_assets: list[Asset] = []
    created_sensors: list[Any] = []
    try:
        root, sensor_ids = _copy_subtree(asset, account_id, parent_id, created_assets, created_sensors,
                                         name=copy_name(asset.name, _names_at(account_id, parent_id)))
        if sensor_ids:
            for copied in created_assets:
                _rewrite_references(copied, sensor_ids)
    except Exception:
        # No half-written copy: remove what was made (sensors first, then assets, deepest first).
        for sensor in created_sensors:
            sensors.delete(sensor)
        for copied in reversed(created_assets):
            store.delete(copied)
        raise
    audit.record_asset_event(f"Copied asset '{asset.name}': {asset.id} to '{root.name}': {root.id}", root.id, user)
    return {"message": _message(asset.id, root, account is not None, parent is not None), "asset": root.id}


def copy_name(name: str, taken: set[str]) -> str:
    """"Home (Copy)", then "Home (Copy 2)", "Home (Copy 3)" … after the highest copy number in use."""
    first = f"{name} (Copy)"
    if first not in taken:
        return first
    pattern = re.compile(rf"^{re.escape(name)} \(Copy(?: (?P<index>\d+))?\)$")
    highest = 1
    for existing in taken:
        match = pattern.match(existing)
        if match:
            highest = max(highest, int(match.group("index") or 1))
    return f"{name} (Copy {highest + 1})"


def replace_sensor_refs(data: Any, sensor_ids: dict[int, int], is_public: Callable[[int], bool]) -> Any:
    """Sensor ids in `{"sensor": id}`, `{"sensors": [ids]}` and lists of ids: copied sensors become their copies,
    public sensors stay, and references to other (private) sensors are dropped with the entry holding them."""
    def resolve(sensor_id: int) -> Any:
        if sensor_id in sensor_ids:
            return sensor_ids[sensor_id]
        return sensor_id if is_public(sensor_id) else _REMOVED

    if isinstance(data, dict):
        out: dict[str, Any] = {}
        for key, value in data.items():
            if key == "sensor" and _is_id(value):
                resolved = resolve(value)
                if resolved is _REMOVED:
                    return _REMOVED
                out[key] = resolved
            else:
                processed = replace_sensor_refs(value, sensor_ids, is_public)
                if processed is not _REMOVED:
                    out[key] = processed
        return out
    if isinstance(data, list):
        items = [resolve(item) if _is_id(item) else replace_sensor_refs(item, sensor_ids, is_public)
                 for item in data]
        return [item for item in items if item is not _REMOVED]
    return data


# ---- helpers -------------------------------------------------------------------------------------

def _copy_subtree(source: Asset, account_id: int | None, parent_id: int | None, created_assets: list[Asset],
                  created_sensors: list[Any], name: str | None = None) -> tuple[Asset, dict[int, int]]:
    """Copy `source` (renamed to `name` if given) with its sensors, then its children under the copy."""
    fields = store.copyable_fields(source)
    if isinstance(fields.get("attributes"), dict):
        fields["attributes"].pop("template", None)  # a copied template is a regular asset
    copied = store.create(name=name or source.name, account_id=account_id, parent_asset_id=parent_id, **fields)
    created_assets.append(copied)
    sensor_ids: dict[int, int] = {}
    for sensor in sensors.list_for_asset(source.id):
        attributes = {k: v for k, v in (sensor.attributes or {}).items() if k != "template_role"}
        new = sensors.create(copied, sensor.name, sensor.unit, int(sensor.event_resolution_minutes or 0),
                             sensor.timezone, attributes)
        created_sensors.append(new)
        sensor_ids[sensor.id] = new.id
    for child in sorted(store.children_of(source.id), key=lambda a: a.id):
        _, child_ids = _copy_subtree(child, account_id, copied.id, created_assets, created_sensors)
        sensor_ids.update(child_ids)
    return copied, sensor_ids


def _rewrite_references(asset: Asset, sensor_ids: dict[int, int]) -> None:
    changes = {}
    for field, empty in REFERENCE_FIELDS.items():
        value = getattr(asset, field, None)
        if value:
            result = replace_sensor_refs(value, sensor_ids, _is_public_sensor)
            changes[field] = empty() if result is _REMOVED else result
    if changes:
        store.update(asset, changes)


def _is_public_sensor(sensor_id: int) -> bool:
    """Unknown sensors count as private, so stale references are cleaned up too."""
    sensor = sensors.find(sensor_id)
    return sensor is not None and sensor.account_id is None


def _in_subtree(root_id: int, candidate_id: int) -> bool:
    seen: set[int] = set()
    current: int | None = candidate_id
    while current is not None and current not in seen:
        if current == root_id:
            return True
        seen.add(current)
        found = store.find(current)
        current = found.parent_asset_id if found is not None else None
    return False


def _names_at(account_id: int | None, parent_id: int | None) -> set[str]:
    if parent_id is not None:
        return {a.name for a in store.children_of(parent_id)}
    return {a.name for a in store.list_for_account(account_id) if a.parent_asset_id is None}


def _message(asset_id: int, root: Asset, account_given: bool, parent_given: bool) -> str:
    if parent_given and account_given:
        return (f"Successfully copied asset {asset_id} to account {root.account_id} "
                f"under parent {root.parent_asset_id}.")
    if parent_given:
        return f"Successfully copied asset {asset_id} to parent asset {root.parent_asset_id}."
    if account_given:
        return f"Successfully copied asset {asset_id} to account {root.account_id}."
    return f"Successfully copied asset {asset_id}."


def _is_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
