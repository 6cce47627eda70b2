"""Asset endpoints: list, create, read, update, delete, sensors, public assets, types, audit log."""
from __future__ import annotations

from typing import Any

from chalicelib.api.query import parse_query
from chalicelib.api.routing import ApiRequest
from chalicelib.auth.access import require_account, require_asset
from chalicelib.auth.permissions import CREATE_CHILDREN, DELETE, READ, UPDATE
from chalicelib.schemas.assets import (AssetCreate, AssetListArgs, AssetPatch, AssetSensorsArgs, CopyArgs,
                                       DefaultAssetView, LegendPlacement, PickedFieldsArgs)
from chalicelib.schemas.audit import AuditLogArgs
from chalicelib.schemas.validation import validate
from chalicelib.services import asset_copies
from chalicelib.services import assets as service
from chalicelib.services.loaders import account_or_404, asset_or_404, asset_or_422


def list_assets(req: ApiRequest) -> Any:
    return service.listing(req.user, parse_query(AssetListArgs, req.query))


def create_asset(req: ApiRequest) -> Any:
    # FlexMeasures checks the requester's own account before it looks at the body.
    require_account(req.user, CREATE_CHILDREN, req.user.account_id)
    body = validate(AssetCreate, req.json())
    return service.create(req.user, body), 201


def public_assets(req: ApiRequest) -> Any:
    return service.public_listing(parse_query(PickedFieldsArgs, req.query))


def list_asset_types(req: ApiRequest) -> Any:
    return service.types_listing()


def copy_asset(req: ApiRequest, id: int) -> Any:
    # FlexMeasures reads the path, then the query (an unknown account is a 404, a parent a 422), then checks read.
    asset = asset_or_404(id)
    args = parse_query(CopyArgs, req.query)
    account = None if args.account is None else account_or_404(args.account)
    parent = None if args.parent is None else asset_or_422(args.parent, "query", "parent")
    require_asset(req.user, READ, asset)
    return asset_copies.copy(req.user, asset, account, parent), 201


def keep_legends_below_graphs(req: ApiRequest) -> Any:
    body = validate(LegendPlacement, req.json())
    service.set_legends_below_graphs(req.user, body.keep_legends_below_graphs)
    return {"message": "Default legend position updated successfully."}


def default_asset_view(req: ApiRequest) -> Any:
    body = validate(DefaultAssetView, req.json())
    service.set_default_view(req.user, body.default_asset_view if body.use_as_default else None)
    return {"message": "Default asset view updated successfully."}


def get_asset(req: ApiRequest, id: int) -> Any:
    asset = asset_or_404(id)
    require_asset(req.user, READ, asset)
    return service.full_json(asset)


def patch_asset(req: ApiRequest, id: int) -> Any:
    # FlexMeasures validates the body before it looks the asset up.
    body = validate(AssetPatch, req.json())
    asset = asset_or_404(id)
    require_asset(req.user, UPDATE, asset)
    return service.update(req.user, asset, body)


def delete_asset(req: ApiRequest, id: int) -> Any:
    asset = asset_or_404(id)
    require_asset(req.user, DELETE, asset)
    service.delete(req.user, asset)
    return None, 204


def asset_sensors(req: ApiRequest, id: int) -> Any:
    # Query arguments are parsed before the asset is loaded, as in FlexMeasures.
    args = parse_query(AssetSensorsArgs, req.query)
    asset = asset_or_422(id)
    require_asset(req.user, READ, asset)
    return service.sensor_page(asset, args, req.host)


def asset_auditlog(req: ApiRequest, id: int) -> Any:
    # Query arguments are parsed before the asset is loaded, as in FlexMeasures.
    args = parse_query(AuditLogArgs, req.query)
    asset = asset_or_422(id)
    require_asset(req.user, READ, asset)
    return service.audit_log(asset, args)
