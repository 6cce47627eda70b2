"""What the asset endpoints do: scope and render listings, validate against stored data, write, audit."""
from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from chalicelib.auth import permissions
from chalicelib.auth.access import accounts_to_list
from chalicelib.errors import ApiError, field_error, unprocessable
from chalicelib.schemas.assets import (AssetCreate, AssetFields, AssetListArgs, AssetSensorsArgs, Related, asset_json,
                                       asset_type_json)
from chalicelib.schemas.audit import AuditLogArgs
from chalicelib.schemas.sensors import sensor_json
from chalicelib.schemas.validation import nest_errors
from chalicelib.services.auditlog import audit_listing
from chalicelib.services.listing import (filter_terms, first_term_words, list_or_page, matches_all, matches_any,
                                         sort_items)
from chalicelib.services.loaders import account_or_404
from chalicelib.store import accounts, asset_types, audit, sensors, users
from chalicelib.store import assets as store
from chalicelib.store.errors import DuplicateError
from chalicelib.store.models import Asset


def full_json(asset: Asset) -> dict[str, Any]:
    return asset_json(asset, related_for([asset]))


def related_for(assets: list[Asset], scope: list[Asset] | None = None,
                account_map: dict[int, Any] | None = None) -> Related:
    """Owners, types, children and sensors for rendering `assets`, loaded in bulk.

    `scope` holds whole accounts' assets already read (a listing): children then come from it
    and sensors from one query per account. Without it (one asset), children and sensors are
    queried per asset.
    """
    related = Related()
    related.accounts = account_map if account_map is not None else accounts.get_many(
        a.account_id for a in assets)
    if scope is None:
        related.children = {a.id: store.children_of(a.id) for a in assets}
        related.sensors = {a.id: sensors.list_for_asset(a.id) for a in assets}
    else:
        wanted = {a.id for a in assets}
        for candidate in scope:
            if candidate.parent_asset_id in wanted:
                related.children.setdefault(candidate.parent_asset_id, []).append(candidate)
        related.sensors = _sensors_for_listing(assets)
    type_ids = {a.generic_asset_type_id for a in assets}
    type_ids |= {c.generic_asset_type_id for kids in related.children.values() for c in kids}
    related.asset_types = asset_types.get_many(type_ids)
    return related


def _sensors_for_listing(assets: list[Asset]) -> dict[int, list[Any]]:
    wanted = {a.id for a in assets}
    out: dict[int, list[Any]] = {}
    for account_id in sorted({a.account_id for a in assets if a.account_id is not None}):
        for sensor in store.sensor_names_by_account(account_id):
            if sensor.generic_asset_id in wanted:
                out.setdefault(sensor.generic_asset_id, []).append(sensor)
    # Public sensors are not in the sparse index; public assets are few, so ask per asset.
    for asset in assets:
        if asset.account_id is None:
            out[asset.id] = sensors.list_for_asset(asset.id)
    return out


# --- listings ------------------------------------------------------------------------------------

def listing(user: Any, args: AssetListArgs) -> Any:
    """Every filter term must occur in the asset name or its account's name (public: name only)."""
    if args.all_accessible:  # every readable account plus the public assets; account_id is ignored
        account_map = accounts_to_list(user)
        account_ids = [*sorted(account_map), None]
    else:
        account_map = accounts_to_list(user, account_or_404(user.account_id if args.account_id is None else args.account_id))
        account_ids = [*account_map, None] if args.include_public else [*account_map]
    scope = store.list_for_accounts(account_ids)
    terms = filter_terms(args.filter)

    def account_name(asset: Asset) -> str | None:
        owner = account_map.get(asset.account_id)
        return owner.name if owner else None

    shown = [a for a in scope if matches_all(terms, a.name, account_name(a))]
    shown = sort_items(shown, args, {"id": lambda a: a.id, "name": lambda a: a.name,
                                     "owner": lambda a: a.account_id})

    def render(items: list[Asset]) -> list[dict[str, Any]]:
        related = related_for(items, scope=scope, account_map=account_map)
        return [asset_json(a, related) for a in items]

    return list_or_page(shown, args, len(scope), render)


def types_listing() -> list[dict[str, Any]]:
    return [asset_type_json(t) for t in asset_types.list_all()]


def set_default_view(user: Any, view: str | None) -> None:
    users.set_default_asset_view(user, view)


def audit_log(viewer: Any, asset: Asset, args: AuditLogArgs) -> dict[str, Any]:
    return audit_listing(audit.entries_for_asset(asset.id), args, viewer, always_paginated=True)


def public_listing() -> list[dict[str, Any]]:
    scope = store.list_for_account(None)
    related = related_for(scope, scope=scope)
    return [asset_json(a, related) for a in scope]


def sensor_page(asset: Asset, args: AssetSensorsArgs, host: str) -> dict[str, Any]:
    """Direct sensors, always paginated; the filter is the first term's words, any in the name."""
    all_sensors = sensors.list_for_asset(asset.id)
    words = first_term_words(args.filter)
    shown = [s for s in all_sensors if matches_any(words, s.name)]
    shown = sort_items(shown, args, {"id": lambda s: s.id, "name": lambda s: s.name,
                                     "resolution": lambda s: s.event_resolution_minutes})
    return list_or_page(shown, args, len(all_sensors), lambda items: [_sensor_item(s, host) for s in items],
                        always_paginated=True)


def _sensor_item(sensor: Any, host: str) -> dict[str, Any]:
    return sensor_json(sensor, host, resolution="humanized")


# --- checks against stored data ------------------------------------------------------------------

class _Errors(dict):
    def add(self, field: str, message: str) -> None:
        self.setdefault(field, []).append(message)

    def raise_if_any(self) -> None:
        if self:
            raise unprocessable("json", dict(self))


def _check_references(body: AssetFields, account_id: int | None, errors: _Errors,
                      asset: Asset | None = None) -> None:
    """Type and parent exist; the parent is in the same account and not the asset's own offspring."""
    given = body.model_fields_set
    if "generic_asset_type_id" in given and asset_types.get(body.generic_asset_type_id) is None:
        errors.add("generic_asset_type_id",
                   f"GenericAssetType with id {body.generic_asset_type_id} doesn't exist.")
    parent_id = body.parent_asset_id
    if "parent_asset_id" in given and parent_id is not None:
        parent = store.find(parent_id)
        if parent is None:
            errors.add("parent_asset_id", f"Parent GenericAsset with id {parent_id} doesn't exist.")
        elif parent.account_id != account_id:
            # Kept so listings find every child among their own account's assets.
            errors.add("parent_asset_id", f"Parent GenericAsset with id {parent_id} belongs to another account.")
        elif asset is not None and (parent_id == asset.id or parent_id in store.offspring_ids(asset.id)):
            errors.add("parent_asset_id", "An asset cannot be its own parent or the parent of its ancestors.")
    if {"name", "parent_asset_id"} <= given and "parent_asset_id" not in errors:
        if store.sibling_named(body.name, parent_id, except_id=asset.id if asset else None):
            errors.add("name", _name_taken(body.name, parent_id))
    if "attributes" in given:
        _check_sensors_to_show(body.attributes.get("sensors_to_show"), errors)


def _name_taken(name: str, parent_id: int | None) -> str:
    return f"An asset with the name '{name}' already exists under parent asset {parent_id}"


def _check_sensors_to_show(value: Any, errors: _Errors) -> None:
    """FlexMeasures validates only attributes.sensors_to_show: its shape, and that each sensor exists."""
    if not value:
        return
    ids: list[Any] = []
    try:
        if not isinstance(value, list):
            raise ValueError("sensors_to_show should be a list.")
        for item in value:
            ids.extend(_sensor_ids_of(item))
    except ValueError as exc:
        errors.add("attributes", str(exc))
        return
    for sensor_id in dict.fromkeys(ids):
        if not isinstance(sensor_id, int) or sensors.find(sensor_id) is None:
            errors.add("attributes", f"No sensor found with ID {sensor_id}.")
            return


def _sensor_ids_of(item: Any) -> list[Any]:
    if isinstance(item, bool):
        raise ValueError("Invalid item type in 'sensors_to_show'. Expected int, list, or dict.")
    if isinstance(item, int):
        return [item]
    if isinstance(item, list):
        if not all(isinstance(i, int) and not isinstance(i, bool) for i in item):
            raise ValueError("All elements in a list within 'sensors_to_show' must be integers.")
        return item
    if isinstance(item, dict):
        if "title" not in item:
            raise ValueError("Dictionary must contain a 'title' key.")
        if "sensor" in item:
            return [item["sensor"]]
        if "sensors" in item and isinstance(item["sensors"], list):
            return list(item["sensors"])
        raise ValueError("Dictionary must contain either 'sensor' or 'sensors' key.")
    raise ValueError("Invalid item type in 'sensors_to_show'. Expected int, list, or dict.")


def _account_for_new_asset(user: Any, body: AssetCreate, errors: _Errors) -> int | None:
    """Non-admins create in their own account; admins anywhere, or public (null or absent)."""
    is_admin = permissions.is_admin(user)
    if "account_id" not in body.model_fields_set:
        return None if is_admin else user.account_id
    account_id = body.account_id
    if account_id is None and is_admin:
        return None
    if account_id is None or accounts.find(account_id) is None:
        errors.add("account_id", f"Account with Id {account_id} doesn't exist.")
    elif not is_admin and account_id != user.account_id:
        errors.add("account_id", "User is not allowed to create assets for this account.")
    return account_id


# --- writes --------------------------------------------------------------------------------------

def create(user: Any, body: AssetCreate) -> dict[str, Any]:
    errors = _Errors()
    account_id = _account_for_new_asset(user, body, errors)
    if "account_id" not in errors:
        _check_references(body, account_id, errors)
    errors.raise_if_any()
    fields = {k: v for k, v in body.given().items() if k not in ("account_id", "name", "generic_asset_type_id",
                                                                    "parent_asset_id")}
    try:
        asset = store.create(name=body.name, generic_asset_type_id=body.generic_asset_type_id,
                             account_id=account_id, parent_asset_id=body.parent_asset_id,
                             claim_top_level=_checks_top_level(body),
                             audit_entries=lambda new: [audit.asset_entry(f"Created asset '{new.name}': {new.id}",
                                                                          new.id, user)], **fields)
    except DuplicateError:
        raise field_error("json", "name", _name_taken(body.name, body.parent_asset_id)) from None
    return full_json(asset)


def update(user: Any, asset: Asset, body: AssetFields) -> dict[str, Any]:
    errors = _Errors()
    _check_references(body, asset.account_id, errors, asset=asset)
    errors.raise_if_any()
    changes = body.given()
    if "flex_context" in changes:
        _check_flex_context(changes["flex_context"])
    entries = [audit.asset_entry(event, asset.id, user) for event in change_events(asset, changes)]
    try:
        store.update(asset, changes, claim_top_level=_checks_top_level(body), audit_entries=entries)
    except DuplicateError:
        raise field_error("json", "name", _name_taken(asset.name, asset.parent_asset_id)) from None
    return full_json(asset)


def _checks_top_level(body: AssetFields) -> bool:
    """A body naming `parent_asset_id: null` with a name is checked against every top-level asset (above), so
    its write claims the top-level name: concurrent twins cannot both pass the check."""
    return {"name", "parent_asset_id"} <= body.model_fields_set and body.parent_asset_id is None


def _check_flex_context(flex_context: Any) -> None:
    """The stored flex-context rules (contract §8.3), answered in their own shape: {"error", "status"}.

    The text is the field -> messages mapping, as FlexMeasures prints its ValidationError.
    """
    if not isinstance(flex_context, dict):
        raise ApiError(422, {"error": "The flex-context should be a JSON object.", "status": 422})
    errors = {key: ["A stored flex-context cannot hold time series."] for key, value in flex_context.items()
              if isinstance(value, list) and key != "inflexible-device-sensors"}
    if not errors:
        from chalicelib.scheduling.flex_context import FlexContext

        try:
            FlexContext.model_validate(flex_context)
        except ValidationError as exc:
            errors = nest_errors(exc.errors(include_url=False))
    if errors:
        raise ApiError(422, {"error": str(errors), "status": 422})


def change_events(asset: Asset, changes: dict[str, Any]) -> list[str]:
    """One audit text per changed field; attributes: one per changed key of the new dict."""
    events = []
    for key, new in changes.items():
        old = getattr(asset, key)
        if old == new:
            continue
        if key == "attributes":
            old_attributes = old or {}
            events += [f"Updated Attr: {k}, From: {old_attributes.get(k)}, To: {v}"
                       for k, v in new.items() if old_attributes.get(k) != v]
            continue
        events.append(f"Updated Field: {key}, From: {old}, To: {new}")
    return events


def delete(user: Any, asset: Asset) -> None:
    store.delete(asset)
    audit.record_asset_event(f"Deleted asset '{asset.name}': {asset.id}", asset.id, user)
