"""Webhook endpoints of an account: register, list, delete, and each one's delivery log (flexcloud's own API)."""
from __future__ import annotations

from typing import Any

from chalicelib.api.query import parse_query
from chalicelib.api.routing import ApiRequest
from chalicelib.auth.access import require_webhooks
from chalicelib.auth.permissions import DELETE, READ, UPDATE
from chalicelib.schemas.validation import validate
from chalicelib.schemas.webhooks import DeliveryListArgs, WebhookCreate
from chalicelib.services import webhooks as service
from chalicelib.services.loaders import account_or_404, webhook_or_404


def register_webhook(req: ApiRequest, id: int) -> Any:
    # As FlexMeasures' webargs: the body is validated before the account is loaded and permissions checked.
    body = validate(WebhookCreate, req.json())
    account = account_or_404(id)
    require_webhooks(req.user, UPDATE, account)
    return service.register(req.user, account, body), 201


def list_webhooks(req: ApiRequest, id: int) -> Any:
    account = account_or_404(id)
    require_webhooks(req.user, READ, account)
    return service.listing(account)


def delete_webhook(req: ApiRequest, id: int, webhook_id: int) -> Any:
    account = account_or_404(id)
    require_webhooks(req.user, DELETE, account)
    service.delete(req.user, webhook_or_404(account, webhook_id))
    return None, 204


def webhook_deliveries(req: ApiRequest, id: int, webhook_id: int) -> Any:
    args = parse_query(DeliveryListArgs, req.query)
    account = account_or_404(id)
    require_webhooks(req.user, READ, account)
    return service.delivery_log(webhook_or_404(account, webhook_id), args)
