"""Automations of an asset: list, create, show, change, delete (FlexMeasures' /assets/<id>/automations)."""
from __future__ import annotations

from typing import Any

from chalicelib.api.routing import ApiRequest
from chalicelib.auth.access import require_asset
from chalicelib.auth.permissions import CREATE_CHILDREN, READ
from chalicelib.schemas.automations import AutomationCreation, AutomationUpdate
from chalicelib.schemas.validation import validate
from chalicelib.services import automations as service
from chalicelib.services.loaders import asset_or_404


def list_automations(req: ApiRequest, id: int) -> Any:
    asset = asset_or_404(id)
    require_asset(req.user, READ, asset)
    return service.listing(asset)


def create_automation(req: ApiRequest, id: int) -> Any:
    asset = asset_or_404(id)
    # Whoever may trigger work on the asset (add data under it) may automate it.
    require_asset(req.user, CREATE_CHILDREN, asset)
    body = validate(AutomationCreation, req.json())
    return service.create(req.user, asset, body), 201


def get_automation(req: ApiRequest, id: int, automation_id: int) -> Any:
    asset = asset_or_404(id)
    require_asset(req.user, READ, asset)
    return service.details(service.automation_of(asset, automation_id))


def patch_automation(req: ApiRequest, id: int, automation_id: int) -> Any:
    asset = asset_or_404(id)
    require_asset(req.user, CREATE_CHILDREN, asset)
    automation = service.automation_of(asset, automation_id)
    body = validate(AutomationUpdate, req.json())
    return service.update(req.user, asset, automation, body)


def delete_automation(req: ApiRequest, id: int, automation_id: int) -> Any:
    asset = asset_or_404(id)
    require_asset(req.user, CREATE_CHILDREN, asset)
    service.delete(req.user, asset, service.automation_of(asset, automation_id))
    return None, 204


def trigger_automation(req: ApiRequest, id: int, automation_id: int) -> Any:
    asset = asset_or_404(id)
    require_asset(req.user, CREATE_CHILDREN, asset)
    return service.trigger_now(service.automation_of(asset, automation_id))
