"""Asset endpoints: list, create, read, update, delete, sensors, public assets, types, audit log."""
from __future__ import annotations

from typing import Any

from chalice import Blueprint

from chalicelib.api.query import parse_query
from chalicelib.api.routing import ApiRequest, endpoint
from chalicelib.auth.access import require_account, require_asset
from chalicelib.auth.permissions import CREATE_CHILDREN, DELETE, READ, UPDATE
from chalicelib.schemas.assets import AssetCreate, AssetListArgs, AssetPatch, AssetSensorsArgs, DefaultAssetView
from chalicelib.schemas.audit import AuditLogArgs
from chalicelib.schemas.validation import validate
from chalicelib.services import assets as service
from chalicelib.services.loaders import asset_or_404, asset_or_422

bp = Blueprint(__name__)


@endpoint(bp, "/v3_0/assets", "GET", description="Download asset list")
def list_assets(req: ApiRequest) -> Any:
    return service.listing(req.user, parse_query(AssetListArgs, req.query))


@endpoint(bp, "/v3_0/assets", "POST", description="Create a new asset")
def create_asset(req: ApiRequest) -> Any:
    # FlexMeasures checks the requester's own account before it looks at the body.
    require_account(req.user, CREATE_CHILDREN, req.user.account_id)
    body = validate(AssetCreate, req.json())
    return service.create(req.user, body), 201


@endpoint(bp, "/v3_0/assets/public", "GET", description="Return all public assets.")
def public_assets(req: ApiRequest) -> Any:
    return service.public_listing()


@endpoint(bp, "/v3_0/assets/types", "GET", description="Get the asset types")
def list_asset_types(req: ApiRequest) -> Any:
    return service.types_listing()


@endpoint(bp, "/v3_0/assets/default_asset_view", "POST", description="Update the default asset view")
def default_asset_view(req: ApiRequest) -> Any:
    body = validate(DefaultAssetView, req.json())
    service.set_default_view(req.user, body.default_asset_view if body.use_as_default else None)
    return {"message": "Default asset view updated successfully."}


@endpoint(bp, "/v3_0/assets/{id}", "GET", description="Get an asset")
def get_asset(req: ApiRequest, id: int) -> Any:
    asset = asset_or_404(id)
    require_asset(req.user, READ, asset)
    return service.full_json(asset)


@endpoint(bp, "/v3_0/assets/{id}", "PATCH", description="Update an asset")
def patch_asset(req: ApiRequest, id: int) -> Any:
    # FlexMeasures validates the body before it looks the asset up.
    body = validate(AssetPatch, req.json())
    asset = asset_or_404(id)
    require_asset(req.user, UPDATE, asset)
    return service.update(req.user, asset, body)


@endpoint(bp, "/v3_0/assets/{id}", "DELETE", description="Delete an asset")
def delete_asset(req: ApiRequest, id: int) -> Any:
    asset = asset_or_404(id)
    require_asset(req.user, DELETE, asset)
    service.delete(req.user, asset)
    return None, 204


@endpoint(bp, "/v3_0/assets/{id}/sensors", "GET", description="Return all sensors under an asset.")
def asset_sensors(req: ApiRequest, id: int) -> Any:
    # Query arguments are parsed before the asset is loaded, as in FlexMeasures.
    args = parse_query(AssetSensorsArgs, req.query)
    asset = asset_or_422(id)
    require_asset(req.user, READ, asset)
    return service.sensor_page(asset, args, req.host)


@endpoint(bp, "/v3_0/assets/{id}/auditlog", "GET", description="Get audit log")
def asset_auditlog(req: ApiRequest, id: int) -> Any:
    # Query arguments are parsed before the asset is loaded, as in FlexMeasures.
    args = parse_query(AuditLogArgs, req.query)
    asset = asset_or_422(id)
    require_asset(req.user, READ, asset)
    return service.audit_log(req.user, asset, args)
