"""What the webhook endpoints do: register (secret shown once), list, delete, and read the delivery log."""
from __future__ import annotations

from typing import Any

from chalicelib.auth import webhook_secrets
from chalicelib.errors import field_error, unprocessable
from chalicelib.schemas.webhooks import DeliveryListArgs, WebhookCreate, delivery_json, webhook_json
from chalicelib.services.listing import list_or_page
from chalicelib.services.webhook_addresses import AddressRefused, check_url
from chalicelib.store import assets, audit, webhooks
from chalicelib.store.models import Account, WebhookEndpoint

# Every event of an account fans out to each of its endpoints; this keeps one job's fan-out small.
MAX_WEBHOOKS_PER_ACCOUNT = 10


def register(user: Any, account: Account, body: WebhookCreate) -> dict[str, Any]:
    try:
        check_url(body.url)
    except AddressRefused as exc:
        raise field_error("json", "url", str(exc)) from None
    _check_scope(account, body.assets)
    if len(webhooks.list_for_account(account.id)) >= MAX_WEBHOOKS_PER_ACCOUNT:
        raise unprocessable("json", {"_schema": [
            f"Account {account.id} has {MAX_WEBHOOKS_PER_ACCOUNT} webhooks already, the most it may have."]})
    webhook_id, salt = webhooks.new_id(), webhook_secrets.new_salt()
    endpoint = webhooks.create(webhook_id, account_id=account.id, url=body.url, events=body.events,
                               asset_ids=body.assets, secret_salt=salt, created_by=getattr(user, "id", None))
    audit.record_account_event(f"Registered webhook {webhook_id} ({', '.join(body.events)}) to {body.url}",
                               account.id, user)
    return {**webhook_json(endpoint), "secret": webhook_secrets.endpoint_secret(webhook_id, salt)}


def _check_scope(account: Account, asset_ids: list[int]) -> None:
    found = assets.get_many(asset_ids) if asset_ids else {}
    for asset_id in asset_ids:
        asset = found.get(asset_id)
        if asset is None:
            raise field_error("json", "assets", f"No asset found with ID {asset_id}.")
        if asset.account_id != account.id:
            raise field_error("json", "assets", f"Asset {asset_id} does not belong to account {account.id}.")


def listing(account: Account) -> list[dict[str, Any]]:
    return [webhook_json(e) for e in sorted(webhooks.list_for_account(account.id), key=lambda e: e.id)]


def delete(user: Any, endpoint: WebhookEndpoint) -> None:
    webhooks.delete(endpoint)
    audit.record_account_event(f"Deleted webhook {endpoint.id} to {endpoint.url}", int(endpoint.account_id), user)


def delivery_log(endpoint: WebhookEndpoint, args: DeliveryListArgs) -> dict[str, Any]:
    rows = webhooks.deliveries(endpoint.id)
    return list_or_page(rows, args, len(rows), lambda page: [delivery_json(r) for r in page], always_paginated=True)
