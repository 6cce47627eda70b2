"""Account bodies, query arguments and the account JSON FlexMeasures 1.0.1 serves (its AccountSchema)."""
from __future__ import annotations

import json
from typing import Any, Literal

from chalicelib.auth.roles import ACCOUNT_ROLES
from chalicelib.schemas.listing import ListingArgs


class AccountListArgs(ListingArgs):
    sort_by: Literal["id", "name", "assets", "users"] | None = None


def account_json(account: Any) -> dict[str, Any] | None:
    """Roles as {id, name}; `attributes` a JSON string, as FlexMeasures' JSON field dumps it."""
    if account is None:
        return None
    return {"id": account.id, "name": account.name, "primary_color": account.primary_color,
            "secondary_color": account.secondary_color, "logo_url": account.logo_url,
            "attributes": json.dumps(account.attributes or {}),
            "account_roles": [{"id": ACCOUNT_ROLES.get(r), "name": r} for r in account.account_roles or []],
            "consultancy_account_id": account.consultancy_account_id, "plan_id": account.plan_id}
