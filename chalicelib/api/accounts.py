"""Account endpoints: the accounts a user may read, and one account (FlexMeasures has them, the seed doc omits them)."""
from __future__ import annotations

from typing import Any

from chalice import Blueprint

from chalicelib.api import account_actions as actions
from chalicelib.api.query import parse_query
from chalicelib.api.routing import ApiRequest, endpoint

bp = Blueprint(__name__)


@endpoint(bp, "/v3_0/accounts", "GET", description="Download account list")
def list_accounts(req: ApiRequest) -> Any:
    return actions.listing(req.user, parse_query(actions.AccountListArgs, req.query))


@endpoint(bp, "/v3_0/accounts/{id}", "GET", description="Get an account")
def get_account(req: ApiRequest, id: int) -> Any:
    return actions.account_or_404(req.user, id)
