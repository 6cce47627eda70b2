"""Account endpoints: the accounts a user may read, and one account (FlexMeasures has them, the seed doc omits them)."""
from __future__ import annotations

from typing import Any

from chalicelib.api.query import parse_query
from chalicelib.api.routing import ApiRequest
from chalicelib.auth.access import require_account
from chalicelib.auth.permissions import READ
from chalicelib.schemas.accounts import AccountListArgs, account_json
from chalicelib.services import accounts as service
from chalicelib.services.loaders import account_or_404


def list_accounts(req: ApiRequest) -> Any:
    return service.listing(req.user, parse_query(AccountListArgs, req.query))


def get_account(req: ApiRequest, id: int) -> Any:
    account = account_or_404(id)
    require_account(req.user, READ, account.id, account)
    return account_json(account)
