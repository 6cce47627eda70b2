"""Asset bodies (POST/PATCH) and the asset JSON FlexMeasures serves, in one place."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import Field, field_validator

from chalicelib.schemas.listing import ListingArgs
from chalicelib.schemas.common import JsonString, QueryArgs, StrictBody

# Fields an asset stores as JSON and the API carries as JSON-encoded strings, with their defaults.
JSON_FIELDS: dict[str, type] = {"attributes": dict, "sensors_to_show": list, "flex_context": dict,
                                "sensors_to_show_as_kpis": list, "flex_model": dict}
# FlexMeasures 1.0.1's plain-text asset fields (null when unset).
TEXT_FIELDS = ("description", "external_id")
ASSET_VIEWS = ("Audit Log", "Context", "Graphs", "Properties", "Status")


def _check_coordinate(value: float | None, kind: str, limit: int) -> float | None:
    if value is None:
        return None
    value = float(value)
    if value < -limit:
        raise ValueError(f"{kind} {value} exceeds the minimum {kind.lower()} of -{limit} degrees.")
    if value > limit:
        raise ValueError(f"{kind} {value} exceeds the maximum {kind.lower()} of {limit} degrees.")
    if round(value, 7) != value:
        raise ValueError("Latitudes and longitudes are limited to 7 decimal places.")
    return value


class AssetFields(StrictBody):
    """The writable asset fields; every one optional (PATCH sends any subset)."""

    name: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    generic_asset_type_id: int | None = None
    parent_asset_id: int | None = None
    attributes: JsonString = None
    sensors_to_show: JsonString = None
    flex_context: JsonString = None
    sensors_to_show_as_kpis: JsonString = None
    flex_model: JsonString = None  # FlexMeasures 1.0.1: the stored flex-model (checked by services.flex_config)
    description: str | None = None
    external_id: str | None = None

    @field_validator("latitude")
    @classmethod
    def _latitude(cls, value: float | None) -> float | None:
        return _check_coordinate(value, "Latitude", 90)

    @field_validator("longitude")
    @classmethod
    def _longitude(cls, value: float | None) -> float | None:
        return _check_coordinate(value, "Longitude", 180)

    @field_validator("name", "generic_asset_type_id")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("Field may not be null.")
        return value

    @field_validator(*JSON_FIELDS)
    @classmethod
    def _json_shape(cls, value: Any, info) -> Any:
        expected = JSON_FIELDS[info.field_name]
        if value is None:
            raise ValueError("Field may not be null.")
        # Stored flex config of the wrong shape fails the stored flex-config rules instead (own error shape).
        if info.field_name not in ("flex_context", "flex_model") and not isinstance(value, expected):
            raise ValueError("Not a valid JSON string." if expected is list else "Not a valid mapping type.")
        return value

    @field_validator("external_id")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        # FlexMeasures: an empty (or blank) external_id means none.
        return None if value is None or not value.strip() else value

    def given(self) -> dict[str, Any]:
        """Only the fields the client sent (a PATCH replaces exactly these)."""
        return {name: getattr(self, name) for name in self.model_fields_set}


class AssetPatch(AssetFields):
    pass


class AssetCreate(AssetFields):
    name: str
    generic_asset_type_id: int
    account_id: int | None = None


# The fields of FlexMeasures 1.0.1's GenericAssetSchema, which `GET /assets?fields=` may pick from.
ASSET_FIELD_NAMES = ("id", "name", "description", "account_id", "owner", "latitude", "longitude",
                     "generic_asset_type_id", "generic_asset_type", "attributes", "parent_asset_id", "child_assets",
                     "sensors", "sensors_to_show", "flex_context", "flex_model", "sensors_to_show_as_kpis",
                     "external_id")
# FlexMeasures' default for `fields`; asking for exactly these still gets whole assets (its API sunset is off).
DEFAULT_LISTED_FIELDS = ["id", "name", "account_id", "generic_asset_type"]


class PickedFieldsArgs(QueryArgs):
    """FlexMeasures 1.0's `fields` of the asset listings: a pipe-separated list ("id|name")."""

    fields: list[str] | None = None

    @field_validator("fields", mode="before")
    @classmethod
    def _pipe_list(cls, value: Any) -> list[str]:
        if not isinstance(value, str):
            raise ValueError("Not a valid string.")
        picked = [part for part in value.split("|") if part.strip()]
        for part in picked:
            if part not in ASSET_FIELD_NAMES:
                raise ValueError(f"Parameter '{part}' is not a valid asset field.")
        return picked

    def picked_fields(self) -> list[str] | None:
        """The fields to show, or None for whole assets."""
        return None if self.fields is None or self.fields == DEFAULT_LISTED_FIELDS else self.fields


class AssetListArgs(ListingArgs, PickedFieldsArgs):
    RENAMED = {**ListingArgs.RENAMED, "account_id": "account"}
    account_id: int | None = None
    all_accessible: bool = False
    include_public: bool = False
    sort_by: Literal["id", "name", "owner"] | None = None
    root: int | None = None
    depth: int | None = Field(None, ge=0)
    asset_type: int | None = None


class AssetSensorsArgs(ListingArgs):
    per_page: int = Field(20, ge=1)
    sort_by: Literal["id", "name", "resolution"] | None = None


class CopyArgs(QueryArgs):
    """POST /assets/<id>/copy: the target account and/or parent asset, in the query (FlexMeasures 1.0.1)."""

    account: int | None = None
    parent: int | None = None


class LegendPlacement(StrictBody):
    """POST /assets/keep_legends_below_graphs (FlexMeasures 1.0); an empty body means true."""

    keep_legends_below_graphs: bool = True


class DefaultAssetView(StrictBody):
    default_asset_view: Literal[ASSET_VIEWS]  # type: ignore[valid-type]
    use_as_default: bool = True


@dataclass
class Related:
    """What the asset JSON shows besides the asset item itself, loaded in bulk by the caller."""

    accounts: dict[int, Any] = field(default_factory=dict)
    asset_types: dict[int, Any] = field(default_factory=dict)
    children: dict[int, list[Any]] = field(default_factory=dict)
    sensors: dict[int, list[Any]] = field(default_factory=dict)


def _type_json(type_id: int, related: Related) -> dict[str, Any] | None:
    asset_type = related.asset_types.get(type_id)
    return {"id": asset_type.id, "name": asset_type.name} if asset_type else None


def _float_or_none(value: Any) -> float | None:
    return None if value is None else float(value)


def asset_json(asset: Any, related: Related) -> dict[str, Any]:
    owner = related.accounts.get(asset.account_id) if asset.account_id is not None else None
    out: dict[str, Any] = {
        "id": asset.id,
        "name": asset.name,
        "account_id": asset.account_id,
        "owner": {"id": owner.id, "name": owner.name} if owner else None,
        "latitude": _float_or_none(asset.latitude),
        "longitude": _float_or_none(asset.longitude),
        "generic_asset_type_id": asset.generic_asset_type_id,
        "generic_asset_type": _type_json(asset.generic_asset_type_id, related),
        "parent_asset_id": asset.parent_asset_id,
        "child_assets": [{"id": c.id, "name": c.name, "account_id": c.account_id,
                          "generic_asset_type": _type_json(c.generic_asset_type_id, related)}
                         for c in related.children.get(asset.id, [])],
        "sensors": [{"id": s.id, "name": s.name} for s in related.sensors.get(asset.id, [])],
    }
    for name, default in JSON_FIELDS.items():
        value = getattr(asset, name)
        out[name] = json.dumps(default() if value is None else value)
    for name in TEXT_FIELDS:
        out[name] = getattr(asset, name)
    return out


def asset_type_json(asset_type: Any) -> dict[str, Any]:
    return {"id": asset_type.id, "name": asset_type.name, "description": asset_type.description}
