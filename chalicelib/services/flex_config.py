"""Flex config stored on assets (FlexMeasures 1.0.1): its write-time rules, how triggers merge it, and pruning
references to deleted sensors and assets.

Stored config holds fixed quantities and sensor references only, never time series (FlexMeasures'
DBFlexContextSchema and DBStorageFlexModelSchema). A failure answers in FlexMeasures' asset-write shape,
{"error": "<field -> messages>", "status": 422}. Referenced sensors must exist and be readable by the writer.

Merging (FlexMeasures 1.0.1): the flex-context is gathered upward (the nearest asset wins per field), the
flex-model downward over the asset's subtree, keyed by asset; whatever the trigger sends wins over both.
"""
from __future__ import annotations

from typing import Any, Callable, Iterator

from pydantic import ValidationError

from chalicelib.auth import permissions
from chalicelib.auth.access import owner_of_account
from chalicelib.errors import ApiError
from chalicelib.schemas.validation import nest_errors
from chalicelib.store import assets, audit, sensors
from chalicelib.timeseries import units

NO_TIME_SERIES = ("A time series specification (listing segments) is not supported when storing {kind} fields. Use "
                  "a fixed quantity or a sensor reference instead.")

# The flex-model fields an asset may store (DBStorageFlexModelSchema): no soc-at-start or soc-unit, which
# describe one moment or one request.
STORED_FLEX_MODEL_FIELDS = (
    "soc-min", "soc-max", "soc-minima", "soc-maxima", "soc-targets", "state-of-charge", "soc-gain", "soc-usage",
    "roundtrip-efficiency", "charging-efficiency", "discharging-efficiency", "storage-efficiency",
    "prefer-charging-sooner", "prefer-curtailing-later", "power-capacity", "consumption-capacity",
    "production-capacity",
)
# Fields that take one quantity or sensor (a list there is a time series); soc-gain/-usage are lists of them.
LIST_FIELDS = ("soc-gain", "soc-usage", "inflexible-device-sensors")

# What unit a referenced sensor (or a fixed quantity, for prices) must have, per stored field.
ENERGY_PRICE_FIELDS = ("consumption-price", "production-price", "soc-minima-breach-price", "soc-maxima-breach-price")
CAPACITY_PRICE_FIELDS = ("consumption-breach-price", "production-breach-price", "site-consumption-breach-price",
                         "site-production-breach-price", "site-peak-consumption-price", "site-peak-production-price")
CONTEXT_POWER_FIELDS = ("site-power-capacity", "site-consumption-capacity", "site-production-capacity",
                        "site-peak-consumption", "site-peak-production")
MODEL_ENERGY_FIELDS = ("soc-min", "soc-max", "soc-minima", "soc-maxima", "soc-targets")
MODEL_POWER_FIELDS = ("power-capacity", "consumption-capacity", "production-capacity")

# Keys a sensor reference may carry besides "sensor" (FlexMeasures' SensorReference source filters).
SENSOR_REFERENCE_KEYS = {"sensor", "source-types", "exclude-source-types", "sources", "source-account"}


def stored_config_error(errors: Any) -> ApiError:
    return ApiError(422, {"error": errors if isinstance(errors, str) else str(errors), "status": 422})


# ---- write-time rules ------------------------------------------------------------------------------

def check_stored_flex_context(user: Any, value: Any) -> None:
    if not isinstance(value, dict):
        raise stored_config_error("The flex-context should be a JSON object.")
    errors = _time_series_errors(value, "flex-context")
    if not errors:
        from chalicelib.scheduling.flex_context import FlexContext

        errors = _model_errors(FlexContext, value)
    errors = errors or _fixed_price_errors(value) or _reference_errors(user, value, _context_unit_rule)
    if errors:
        raise stored_config_error(errors)


def check_stored_flex_model(user: Any, value: Any) -> None:
    if not isinstance(value, dict):
        raise stored_config_error("The flex-model should be a JSON object.")
    errors = {key: ["Unknown field."] for key in value if key not in STORED_FLEX_MODEL_FIELDS}
    errors = errors or _time_series_errors(value, "flex-model")
    if not errors:
        from chalicelib.scheduling.flex_model import StorageFlexModel

        errors = _model_errors(StorageFlexModel, value)
    errors = errors or _reference_errors(user, value, _model_unit_rule)
    if errors:
        raise stored_config_error(errors)


def _time_series_errors(value: dict, kind: str) -> dict[str, list[str]]:
    return {key: [NO_TIME_SERIES.format(kind=kind)] for key, item in value.items()
            if isinstance(item, list) and key not in LIST_FIELDS}


def _model_errors(model: Any, value: dict) -> dict[str, Any]:
    try:
        model.model_validate(value)
    except ValidationError as exc:
        return nest_errors(exc.errors(include_url=False))
    return {}


def _fixed_price_errors(value: dict) -> dict[str, list[str]]:
    """FlexMeasures stores consumption and production prices only as sensor references (for now)."""
    return {key: [f"Fixed prices are not currently supported for {key} in flex-context fields in the DB."]
            for key in ("consumption-price", "production-price") if isinstance(value.get(key), str)}


def _context_unit_rule(field: str) -> tuple[str, Callable[[str], bool]] | None:
    if field in ENERGY_PRICE_FIELDS:
        return "Energy price", units.is_energy_price_unit
    if field in CAPACITY_PRICE_FIELDS:
        return "Capacity price", units.is_capacity_price_unit
    if field in CONTEXT_POWER_FIELDS:
        return "Power", units.is_power_unit
    if field == "inflexible-device-sensors":
        return "Power or energy", lambda unit: units.is_power_unit(unit) or units.is_energy_unit(unit)
    return None


def _model_unit_rule(field: str) -> tuple[str, Callable[[str], bool]] | None:
    if field in MODEL_ENERGY_FIELDS:
        return "Energy", units.is_energy_unit
    if field == "state-of-charge":
        return "Energy", lambda unit: units.is_energy_unit(unit) or unit == "%"
    if field in MODEL_POWER_FIELDS:
        return "Power", units.is_power_unit
    return None


def _reference_errors(user: Any, value: dict, unit_rule: Callable) -> dict[str, list[str]]:
    """Each referenced sensor exists, is readable by `user`, and has the unit its field needs."""
    errors: dict[str, list[str]] = {}
    owners: dict[int | None, Any] = {}
    for field, sensor_id in referenced_sensors(value):
        sensor = sensors.find(sensor_id)
        if sensor is not None and sensor.account_id not in owners:
            owners[sensor.account_id] = owner_of_account(sensor.account_id)
        if sensor is None or not permissions.sensor_permits(user, permissions.READ, owners[sensor.account_id]):
            errors.setdefault(field, []).append(f"No sensor found with ID {sensor_id}.")
            continue
        rule = unit_rule(field)
        if rule is not None and not rule[1](sensor.unit):
            kind = rule[0]
            article = "an" if kind[0].lower() in "aeiou" else "a"
            errors.setdefault(field, []).append(f"{kind} field '{field}' must have {article} {kind.lower()} unit.")
    return errors


def referenced_sensors(value: dict) -> Iterator[tuple[str, int]]:
    """(field, sensor id) for every {"sensor": id} under a field, and the inflexible-device-sensors ids."""
    for field, item in value.items():
        if field == "inflexible-device-sensors":
            ids = item if isinstance(item, list) else [item]
            yield from ((field, i) for i in ids if isinstance(i, int) and not isinstance(i, bool))
            continue
        for found in _sensor_refs_in(item):
            yield field, found


def _sensor_refs_in(item: Any) -> Iterator[int]:
    if isinstance(item, dict):
        sensor_id = item.get("sensor")
        if isinstance(sensor_id, int) and not isinstance(sensor_id, bool):
            yield sensor_id
        for nested in item.values():
            if isinstance(nested, (dict, list)):
                yield from _sensor_refs_in(nested)
    elif isinstance(item, list):
        for nested in item:
            yield from _sensor_refs_in(nested)


# ---- merging into triggers ---------------------------------------------------------------------------

def stored_flex_models(asset: Any) -> dict[int, dict]:
    """The asset's subtree's stored flex-models by asset id (FlexMeasures' get_flex_model: downward, the asset
    first, then its children depth first)."""
    found: dict[int, dict] = {}
    seen: set[int] = set()

    def visit(node: Any) -> None:
        if node.id in seen:
            return
        seen.add(node.id)
        if node.flex_model:
            found[int(node.id)] = dict(node.flex_model)
        for child in sorted(assets.children_of(node.id), key=lambda a: a.id):
            visit(child)

    visit(asset)
    return found


def merged_asset_flex_model(asset: Any, entries: list, asset_of_sensor: Callable[[int], int | None],
                            power_sensor_of: Callable[[int], int | None]) -> list:
    """The trigger's device entries over the stored flex-models of their assets, after the stored models of the
    subtree's other assets (each scheduled on its power sensor), in FlexMeasures' order."""
    stored = stored_flex_models(asset)
    merged, used = [], set()
    for entry in entries:
        asset_id = asset_of_sensor(entry["sensor"]) if isinstance(entry, dict) and "sensor" in entry else None
        if asset_id in stored:
            entry = {**stored[asset_id], **entry}
            used.add(asset_id)
        merged.append(entry)
    from_store = []
    for asset_id, model in stored.items():
        if asset_id in used:
            continue
        sensor_id = power_sensor_of(asset_id)
        if sensor_id is None:
            raise ApiError(422, {"result": "Rejected", "status": "UNPROCESSABLE_ENTITY", "message": {"json": {
                "flex-model": [f"Asset {asset_id} has a stored flex-model but no power sensor to schedule."]}}})
        from_store.append({"sensor": sensor_id, **model})
    return from_store + merged


# ---- pruning references to deleted sensors and assets -------------------------------------------------

_REMOVE = object()


def prune_sensor(value: Any, sensor_id: int) -> tuple[Any, bool]:
    """Flex config without references to the sensor: {"sensor": id} objects go (and the field holding them),
    as do ids in inflexible-device-sensors."""
    if isinstance(value, dict):
        if value.get("sensor") == sensor_id and set(value) <= SENSOR_REFERENCE_KEYS:
            return _REMOVE, True
        changed, out = False, {}
        for key, item in value.items():
            if key == "inflexible-device-sensors" and isinstance(item, list):
                kept = [i for i in item if i != sensor_id]
                changed |= len(kept) != len(item)
                out[key] = kept
                continue
            new, was_changed = prune_sensor(item, sensor_id)
            changed |= was_changed
            if new is not _REMOVE:
                out[key] = new
        return out, changed
    if isinstance(value, list):
        changed, out = False, []
        for item in value:
            new, was_changed = prune_sensor(item, sensor_id)
            changed |= was_changed
            if new is not _REMOVE:
                out.append(new)
        return out, changed
    return value, False


def prune_sensors_to_show(value: Any, sensor_id: int | None = None, asset_id: int | None = None) -> tuple[Any, bool]:
    """sensors_to_show without the sensor (ids, id groups, "sensor"/"sensors" entries and plots) or without plots
    of the asset; graphs left empty go."""
    if not isinstance(value, list):
        return value, False
    changed, out = False, []
    for entry in value:
        if sensor_id is not None and isinstance(entry, int) and not isinstance(entry, bool):
            if entry == sensor_id:
                changed = True
                continue
        elif sensor_id is not None and isinstance(entry, list):
            kept = [i for i in entry if i != sensor_id]
            changed |= len(kept) != len(entry)
            if not kept:
                continue
            entry = kept
        elif isinstance(entry, dict):
            entry, was_changed = _prune_graph(entry, sensor_id, asset_id)
            changed |= was_changed
            if entry is _REMOVE:
                continue
        out.append(entry)
    return out, changed


def _prune_graph(entry: dict, sensor_id: int | None, asset_id: int | None) -> tuple[Any, bool]:
    if asset_id is not None and entry.get("asset") == asset_id:
        return _REMOVE, True
    if sensor_id is not None and "sensor" in entry:
        return (_REMOVE, True) if entry["sensor"] == sensor_id else (entry, False)
    if sensor_id is not None and isinstance(entry.get("sensors"), list):
        kept = [i for i in entry["sensors"] if i != sensor_id]
        if not kept:
            return _REMOVE, True
        return {**entry, "sensors": kept}, len(kept) != len(entry["sensors"])
    if isinstance(entry.get("plots"), list):
        changed, plots = False, []
        for plot in entry["plots"]:
            plot, was_changed = _prune_plot(plot, sensor_id, asset_id)
            changed |= was_changed
            if plot is not _REMOVE:
                plots.append(plot)
        if not plots:
            return _REMOVE, True
        return ({**entry, "plots": plots}, True) if changed else (entry, False)
    return entry, False


def _prune_plot(plot: Any, sensor_id: int | None, asset_id: int | None) -> tuple[Any, bool]:
    if not isinstance(plot, dict):
        return plot, False
    if asset_id is not None and plot.get("asset") == asset_id:
        return _REMOVE, True
    if sensor_id is not None and plot.get("sensor") == sensor_id:
        return _REMOVE, True
    if sensor_id is not None and isinstance(plot.get("sensors"), list):
        kept = [i for i in plot["sensors"] if i != sensor_id]
        if not kept:
            return _REMOVE, True
        return ({**plot, "sensors": kept}, True) if len(kept) != len(plot["sensors"]) else (plot, False)
    return plot, False


def prune_kpis(value: Any, sensor_id: int) -> tuple[Any, bool]:
    if not isinstance(value, list):
        return value, False
    kept = [e for e in value if e != sensor_id and not (isinstance(e, dict) and e.get("sensor") == sensor_id)]
    return kept, len(kept) != len(value)


def forget_sensor(sensor: Any, user: Any) -> None:
    """After deleting a sensor: remove references to it from every asset's flex config, sensors_to_show and
    sensors_to_show_as_kpis, with one audit entry per changed field (FlexMeasures' texts)."""
    label = f"'{sensor.name}': {sensor.id}"
    for asset in assets.scan_all():
        changes, fields = {}, []
        for attribute, field_name, prune in (
                ("flex_model", "flex-model", prune_sensor), ("flex_context", "flex-context", prune_sensor),
                ("sensors_to_show", "sensors-to-show", prune_sensors_to_show),
                ("sensors_to_show_as_kpis", "sensors-to-show-as-kpis", prune_kpis)):
            new, changed = prune(getattr(asset, attribute), int(sensor.id))
            if changed:
                changes[attribute] = new
                fields.append(field_name)
        if changes:
            assets.update(asset, changes)
            for field_name in fields:
                audit.record_asset_event(f"Removed sensor reference {label} from {field_name} (because sensor "
                                         "has been deleted).", asset.id, user)


def forget_asset(asset: Any, user: Any) -> None:
    """After deleting an asset: remove graphs and plots of other assets' sensors_to_show that refer to it."""
    label = f"'{asset.name}': {asset.id}"
    for other in assets.scan_all():
        if other.id == asset.id:
            continue
        new, changed = prune_sensors_to_show(other.sensors_to_show, asset_id=int(asset.id))
        if changed:
            assets.update(other, {"sensors_to_show": new})
            audit.record_asset_event(f"Removed asset reference {label} from sensors-to-show (because asset has "
                                     "been deleted).", other.id, user)
