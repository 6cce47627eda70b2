"""Account endpoints: list, read, create and update accounts, and an account's audit log (FlexMeasures 1.0.1's)."""
from __future__ import annotations

from typing import Any

from chalicelib.api.query import parse_query
from chalicelib.api.routing import ApiRequest
from chalicelib.auth.access import require_account, require_account_auditlog
from chalicelib.auth.permissions import READ
from chalicelib.schemas.accounts import AccountCreate, AccountListArgs, AccountPatch, account_json
from chalicelib.schemas.validation import validate
from chalicelib.services import accounts as service
from chalicelib.services.loaders import account_or_404


def list_accounts(req: ApiRequest) -> Any:
    return service.listing(req.user, parse_query(AccountListArgs, req.query))


def get_account(req: ApiRequest, id: int) -> Any:
    account = account_or_404(id)
    require_account(req.user, READ, account.id, account)
    return account_json(account)


def create_account(req: ApiRequest) -> Any:
    # The service checks the body against stored accounts before the permission, as FlexMeasures does.
    return service.create(req.user, validate(AccountCreate, req.json())), 201


def patch_account(req: ApiRequest, id: int) -> Any:
    # The service checks the body, then loads the account and checks the permission, as FlexMeasures does.
    return service.update(req.user, id, validate(AccountPatch, req.json()))


def account_auditlog(req: ApiRequest, id: int) -> Any:
    account = account_or_404(id)
    require_account_auditlog(req.user, account)
    return service.audit_log(account)
