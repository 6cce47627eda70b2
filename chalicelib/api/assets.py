"""Asset endpoints: list, create, read, update, delete, sensors, public assets, types, audit log."""
from __future__ import annotations

from typing import Any

from chalice import Blueprint

from chalicelib.api import asset_actions as actions
from chalicelib.api.auditlog import audit_listing
from chalicelib.api.query import parse_query
from chalicelib.api.routing import ApiRequest, endpoint
from chalicelib.auth.access import require_account, require_asset
from chalicelib.auth.permissions import CREATE_CHILDREN, DELETE, READ, UPDATE
from chalicelib.schemas.assets import (AssetCreate, AssetListArgs, AssetPatch, AssetSensorsArgs,
                                       DefaultAssetView, asset_type_json)
from chalicelib.schemas.audit import AuditLogArgs
from chalicelib.schemas.validation import validate
from chalicelib.store import asset_types, audit, users

bp = Blueprint(__name__)


@endpoint(bp, "/v3_0/assets", "GET", description="Download asset list")
def list_assets(req: ApiRequest) -> Any:
    return actions.listing(req.user, parse_query(AssetListArgs, req.query))


@endpoint(bp, "/v3_0/assets", "POST", description="Create a new asset")
def create_asset(req: ApiRequest) -> Any:
    # FlexMeasures checks the requester's own account before it looks at the body.
    require_account(req.user, CREATE_CHILDREN, req.user.account_id)
    body = validate(AssetCreate, req.json())
    return actions.create(req.user, body), 201


@endpoint(bp, "/v3_0/assets/public", "GET", description="Return all public assets.")
def public_assets(req: ApiRequest) -> Any:
    return actions.public_listing()


@endpoint(bp, "/v3_0/assets/types", "GET", description="Get the asset types")
def list_asset_types(req: ApiRequest) -> Any:
    return [asset_type_json(t) for t in asset_types.list_all()]


@endpoint(bp, "/v3_0/assets/default_asset_view", "POST", description="Update the default asset view")
def default_asset_view(req: ApiRequest) -> Any:
    body = validate(DefaultAssetView, req.json())
    users.set_default_asset_view(req.user, body.default_asset_view if body.use_as_default else None)
    return {"message": "Default asset view updated successfully."}


@endpoint(bp, "/v3_0/assets/{id}", "GET", description="Get an asset")
def get_asset(req: ApiRequest, id: int) -> Any:
    asset = actions.asset_or_404(id)
    require_asset(req.user, READ, asset)
    return actions.full_json(asset)


@endpoint(bp, "/v3_0/assets/{id}", "PATCH", description="Update an asset")
def patch_asset(req: ApiRequest, id: int) -> Any:
    body = validate(AssetPatch, req.json())
    asset = actions.asset_or_404(id)
    require_asset(req.user, UPDATE, asset)
    return actions.update(req.user, asset, body)


@endpoint(bp, "/v3_0/assets/{id}", "DELETE", description="Delete an asset")
def delete_asset(req: ApiRequest, id: int) -> Any:
    asset = actions.asset_or_404(id)
    require_asset(req.user, DELETE, asset)
    actions.delete(req.user, asset)
    return None, 204


@endpoint(bp, "/v3_0/assets/{id}/sensors", "GET", description="Return all sensors under an asset.")
def asset_sensors(req: ApiRequest, id: int) -> Any:
    args = parse_query(AssetSensorsArgs, req.query)
    asset = actions.asset_or_422(id)
    require_asset(req.user, READ, asset)
    return actions.sensor_page(asset, args, req.host)


@endpoint(bp, "/v3_0/assets/{id}/auditlog", "GET", description="Get audit log")
def asset_auditlog(req: ApiRequest, id: int) -> Any:
    args = parse_query(AuditLogArgs, req.query)
    asset = actions.asset_or_422(id)
    require_asset(req.user, READ, asset)
    return audit_listing(audit.entries_for_asset(asset.id), args, req.user, always_paginated=True)
