"""What the asset endpoints do: scope and render listings, validate against stored data, write, audit."""
from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from chalicelib.auth import permissions
from chalicelib.auth.access import accounts_to_list
from chalicelib.errors import ApiError, field_error, unprocessable
from chalicelib.schemas.assets import (AssetCreate, AssetFields, AssetListArgs, AssetSensorsArgs, PickedFieldsArgs,
                                       Related, asset_json, asset_type_json)
from chalicelib.schemas.audit import AuditLogArgs
from chalicelib.schemas.sensors import sensor_json
from chalicelib.schemas.validation import nest_errors
from chalicelib.services import flex_config
from chalicelib.services.auditlog import audit_listing
from chalicelib.services.listing import (filter_terms, first_term_words, list_or_page, matches_all, matches_any,
                                         sort_items)
from chalicelib.services.loaders import account_or_404, asset_or_422
from chalicelib.store import accounts, asset_types, audit, automations, sensors, users
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
    """Every filter term must occur in the asset name or its account's name (public: name only), or be a prefix
    of its id. FlexMeasures 1.0's `root` widens the scope to every readable account plus public assets, as
    `all_accessible` does; `root`/`depth` keep the subtree (`depth` levels below the root, or below top-level
    assets without a root), `asset_type` one type, `fields` the named fields."""
    root = None if args.root is None else asset_or_422(args.root, "query", "root")
    if args.asset_type is not None and asset_types.get(args.asset_type) is None:
        raise field_error("query", "asset_type", f"No generic asset type found with id {args.asset_type}.")
    if args.all_accessible or (root is not None and args.account_id is None):
        account_map = accounts_to_list(user)  # account_id is ignored under all_accessible (the seed's rule)
        account_ids = [*sorted(account_map), None]
    else:
        account_map = accounts_to_list(user, account_or_404(user.account_id if args.account_id is None else args.account_id))
        account_ids = [*account_map, None] if args.include_public else [*account_map]
    scope = store.list_for_accounts(account_ids)
    counted = [a for a in scope if args.asset_type is None or a.generic_asset_type_id == args.asset_type]
    terms = filter_terms(args.filter)

    def account_name(asset: Asset) -> str | None:
        owner = account_map.get(asset.account_id)
        return owner.name if owner else None

    levels = tree_levels(scope, root.id if root is not None else None)
    shown = [a for a in counted if a.id in levels and (args.depth is None or levels[a.id] <= args.depth)
             and matches_all(terms, a.name, account_name(a), item_id=a.id)]
    shown = sort_items(shown, args, {"id": lambda a: a.id, "name": lambda a: a.name,
                                     "owner": lambda a: a.account_id})
    def render(items: list[Asset]) -> list[dict[str, Any]]:
        related = related_for(items, scope=scope, account_map=account_map)
        return picked_from([asset_json(a, related) for a in items], args.picked_fields())

    return list_or_page(shown, args, len(counted), render)


def picked_from(rendered: list[dict[str, Any]], picked: list[str] | None) -> list[dict[str, Any]]:
    return rendered if picked is None else [{k: item[k] for k in picked if k in item} for item in rendered]


def tree_levels(scope: list[Asset], root_id: int | None) -> dict[int, int]:
    """How far below `root_id` (or below the top level, when None) each asset of `scope` sits; assets outside
    that tree are left out. Child assets share their parent's account, so a scope of whole accounts holds every
    ancestor that matters."""
    by_id = {a.id: a for a in scope}
    levels: dict[int, int] = {}

    def level_of(asset: Asset) -> int | None:
        chain = []
        current: Asset | None = asset
        while current is not None and current.id not in levels:
            if current.id == root_id or (root_id is None and current.parent_asset_id is None):
                levels[current.id] = 0
                break
            chain.append(current)
            current = by_id.get(current.parent_asset_id) if current.parent_asset_id is not None else None
            if len(chain) > len(by_id):  # a cycle cannot reach the root
                return None
        if current is None:
            return None
        base = levels[current.id]
        for step, item in enumerate(reversed(chain), start=1):
            levels[item.id] = base + step
        return levels[asset.id]

    for asset in scope:
        level_of(asset)
    return levels


def types_listing() -> list[dict[str, Any]]:
    return [asset_type_json(t) for t in asset_types.list_all()]


def set_default_view(user: Any, view: str | None) -> None:
    users.set_default_asset_view(user, view)


def set_legends_below_graphs(user: Any, keep: bool) -> None:
    users.set_keep_legends_below_graphs(user, keep)


def audit_log(asset: Asset, args: AuditLogArgs) -> dict[str, Any]:
    return audit_listing(audit.entries_for_asset(asset.id), args, always_paginated=True)


def public_listing(args: PickedFieldsArgs) -> list[dict[str, Any]]:
    scope = store.list_for_account(None)
    related = related_for(scope, scope=scope)
    return picked_from([asset_json(a, related) for a in scope], args.picked_fields())


def sensor_page(asset: Asset, args: AssetSensorsArgs, host: str) -> dict[str, Any]:
    """Direct sensors, always paginated; the filter is the first term's words, any in the name."""
    all_sensors = sensors.list_for_asset(asset.id)
    words = first_term_words(args.filter)
    shown = [s for s in all_sensors if matches_any(words, s.name, item_id=s.id)]
    shown = sort_items(shown, args, {"id": lambda s: s.id, "name": lambda s: s.name,
                                     "resolution": lambda s: s.event_resolution_minutes})
    return list_or_page(shown, args, len(all_sensors), lambda items: [_sensor_item(s, host) for s in items],
                        always_paginated=True)


def _sensor_item(sensor: Any, host: str) -> dict[str, Any]:
    return sensor_json(sensor, host)  # ISO resolutions: FlexMeasures 1.0 (the seed's code humanized them)


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
        if not all(_is_id(i) for i in item):
            raise ValueError("All elements in a list within 'sensors_to_show' must be integers.")
        return item
    if isinstance(item, dict):
        return _graph_sensor_ids(item)
    raise ValueError("Invalid item type in 'sensors_to_show'. Expected int, list, or dict.")


def _is_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _graph_sensor_ids(item: dict) -> list[Any]:
    """One graph: the seed's {"title", "sensor"|"sensors"}, or FlexMeasures 1.0.1's {"title"?, "y-axis"?,
    "plots": [{"sensor"|"sensors"|"asset"+"flex-model"/"flex-context"}]}."""
    if item.get("title") is not None and not isinstance(item["title"], str):
        raise ValueError("'title' value must be a string.")
    if "y-axis" in item:
        _check_y_axis(item["y-axis"])
    if "plots" in item and "sensor" not in item and "sensors" not in item:
        if not isinstance(item["plots"], list):
            raise ValueError("'plots' must be a list or dictionary.")
        return [i for plot in item["plots"] for i in _plot_sensor_ids(plot)]
    if "title" not in item:  # the seed's forms still need their title
        raise ValueError("Dictionary must contain a 'title' key.")
    if "sensor" in item:
        return [item["sensor"]]
    if "sensors" in item and isinstance(item["sensors"], list):
        return list(item["sensors"])
    raise ValueError("Dictionary must contain either 'sensor', 'sensors' or 'plots' key.")


Y_AXIS_ERROR = "'y-axis' must be 'zero', 'data', a [min, max] list of two numbers, or a {'min': min, 'max': max} dict."


def _check_y_axis(value: Any) -> None:
    """'zero' (the default), 'data', a [min, max] floor domain or a strict {"min", "max"} domain."""
    def number(v: Any) -> bool:
        return isinstance(v, (int, float)) and not isinstance(v, bool)

    if isinstance(value, str):
        if value not in ("zero", "data"):
            raise ValueError(Y_AXIS_ERROR)
        return
    if isinstance(value, list):
        if len(value) != 2 or not all(number(v) for v in value):
            raise ValueError(Y_AXIS_ERROR)
        if value[0] > value[1]:
            raise ValueError("'y-axis' domain minimum cannot exceed its maximum.")
        return
    if isinstance(value, dict):
        if set(value) != {"min", "max"} or not all(number(v) for v in value.values()):
            raise ValueError(Y_AXIS_ERROR)
        if value["min"] > value["max"]:
            raise ValueError("'y-axis' domain minimum cannot exceed its maximum.")
        if value["min"] == value["max"]:
            raise ValueError("'y-axis' strict domain minimum and maximum cannot be equal.")
        return
    raise ValueError(Y_AXIS_ERROR)


def _plot_sensor_ids(plot: Any) -> list[Any]:
    if not isinstance(plot, dict):
        raise ValueError("Each plot in 'plots' must be a dictionary.")
    if not {"sensor", "sensors", "asset"} & set(plot):
        raise ValueError("Each plot must contain either 'sensor', 'sensors' or an 'asset' key.")
    if "asset" in plot:
        _check_asset_plot(plot)
    ids: list[Any] = []
    if "sensor" in plot:
        if not _is_id(plot["sensor"]):
            raise ValueError("'sensor' value must be an integer.")
        ids.append(plot["sensor"])
    if "sensors" in plot:
        if not isinstance(plot["sensors"], list) or not all(_is_id(i) for i in plot["sensors"]):
            raise ValueError("'sensors' value must be a list of integers.")
        ids += plot["sensors"]
    return ids


def _check_asset_plot(plot: dict) -> None:
    """An asset plot shows one stored flex-config field of that asset, which it must have."""
    if "flex-context" not in plot and "flex-model" not in plot:
        raise ValueError("When 'asset' is provided in a plot, 'flex-context' or 'flex-model' must also be provided.")
    asset = store.find(plot["asset"]) if _is_id(plot["asset"]) else None
    if asset is None:
        raise ValueError(f"Asset with ID {plot['asset']} does not exist.")
    for key, attribute in (("flex-context", "flex_context"), ("flex-model", "flex_model")):
        if key not in plot:
            continue
        if not isinstance(plot[key], str):
            raise ValueError(f"The value for '{key}' must be a string.")
        if plot[key] not in (getattr(asset, attribute) or {}):
            raise ValueError(f"The asset with ID '{asset.id}' does not have a '{plot[key]}' set in its "
                             f"'{attribute}'.")


def _check_sensors_to_show_field(value: Any) -> None:
    """The sensors_to_show field itself: its structure only (FlexMeasures' asset-write error shape)."""
    try:
        if not isinstance(value, list):
            raise ValueError("sensors_to_show should be a list.")
        for item in value:
            _sensor_ids_of(item)
    except ValueError as exc:
        raise flex_config.stored_config_error(str(exc)) from None


def _check_stored_config(user: Any, changes: dict[str, Any]) -> None:
    """Stored flex config and sensors_to_show, checked when written (POST and PATCH)."""
    if "flex_context" in changes:
        flex_config.check_stored_flex_context(user, changes["flex_context"])
    if "flex_model" in changes:
        flex_config.check_stored_flex_model(user, changes["flex_model"])
    if "sensors_to_show" in changes:
        _check_sensors_to_show_field(changes["sensors_to_show"])


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
    _check_stored_config(user, body.given())
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
    _check_stored_config(user, changes)
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
    automations.delete_for_assets([asset.id, *store.offspring_ids(asset.id)])  # and their schedules
    store.delete(asset)
    audit.record_asset_event(f"Deleted asset '{asset.name}': {asset.id}", asset.id, user)
    flex_config.forget_asset(asset, user)
