"""Annotation endpoints (FlexMeasures 1.0): annotate an account, an asset or a sensor."""
from __future__ import annotations

from typing import Any

from chalicelib.api.routing import ApiRequest
from chalicelib.auth.access import require_account, require_asset, require_sensor
from chalicelib.auth.permissions import CREATE_CHILDREN
from chalicelib.schemas.annotations import AnnotationBody
from chalicelib.schemas.validation import validate
from chalicelib.services import annotations as service
from chalicelib.services.loaders import account_or_404, asset_or_422, sensor_or_422

# FlexMeasures reads the path before the body, and checks the permission last.


def annotate_account(req: ApiRequest, id: int) -> Any:
    account = account_or_404(id)
    body = validate(AnnotationBody, req.json())
    require_account(req.user, CREATE_CHILDREN, account.id, account)
    return service.annotate(req.user, "account", account.id, body)


def annotate_asset(req: ApiRequest, id: int) -> Any:
    asset = asset_or_422(id)
    body = validate(AnnotationBody, req.json())
    require_asset(req.user, CREATE_CHILDREN, asset)
    return service.annotate(req.user, "asset", asset.id, body)


def annotate_sensor(req: ApiRequest, id: int) -> Any:
    sensor = sensor_or_422(id)
    body = validate(AnnotationBody, req.json())
    require_sensor(req.user, CREATE_CHILDREN, sensor)
    return service.annotate(req.user, "sensor", sensor.id, body)
