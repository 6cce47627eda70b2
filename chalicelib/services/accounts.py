"""What the account endpoints do: list (filtered, sorted, counted), create, update (audited), the audit log."""
from __future__ import annotations

from typing import Any

from chalicelib.auth import permissions
from chalicelib.auth.access import accounts_to_list, require_account, require_platform_create
from chalicelib.auth.roles import ACCOUNT_ADMIN, ACCOUNT_ROLE_NAMES, CONSULTANCY, CONSULTANT
from chalicelib.errors import ApiError, field_error, forbidden, unprocessable
from chalicelib.schemas.accounts import AccountCreate, AccountListArgs, AccountPatch, account_audit_json, account_json
from chalicelib.services.listing import first_term_words, list_or_page, sort_items
from chalicelib.services.loaders import account_or_404
from chalicelib.store import accounts, assets, audit, plans, users
from chalicelib.store.errors import DuplicateError
from chalicelib.store.models import Account

# The fields FlexMeasures compares for its "Account Updated" audit row, in its order.
AUDITED_FIELDS = ("name", "primary_color", "secondary_color", "logo_url", "consultancy_account_id", "plan_id",
                  "attributes", "account_roles")


def listing(user: Any, args: AccountListArgs) -> Any:
    """Own account, plus client accounts for consultants, or all for admins; the filter's first
    term, split on spaces, matches any word in the name; `role` (FlexMeasures 1.0) keeps accounts with that
    account role. Pages add the user and asset counts."""
    words = [w.lower() for w in first_term_words(args.filter)]
    shown = sorted((a for a in accounts_to_list(user).values()
                    if (not words or any(w in a.name.lower() for w in words))
                    and (args.role is None or args.role in (a.account_roles or []))), key=lambda a: a.id)
    counted = args.page is not None or args.sort_by in ("assets", "users")
    counts = {a.id: (users.count_for_account(a.id), assets.count_for_account(a.id)) for a in shown} if counted else {}
    shown = sort_items(shown, args, {"id": lambda a: a.id, "name": lambda a: a.name,
                                     "users": lambda a: counts[a.id][0], "assets": lambda a: counts[a.id][1]})

    def render(items: list[Any]) -> list[dict[str, Any]]:
        if args.page is None:
            return [account_json(a) for a in items]
        return [{**account_json(a), "user_count": counts[a.id][0], "asset_count": counts[a.id][1]} for a in items]

    return list_or_page(shown, args, len(shown), render)


def create(user: Any, body: AccountCreate) -> dict[str, Any]:
    """POST /accounts. As FlexMeasures: the body's rules (unique name, who may set which consultancy) come before
    the permission (admins, or consultants of a Consultancy account); consultants' and account-admins' new accounts
    default to being clients of their own account. Not audited (FlexMeasures writes no row either)."""
    own = accounts.find(user.account_id)
    if accounts.name_taken(body.name):
        raise _name_taken(body.name)
    consultancy_id = body.consultancy_account_id
    if "consultancy_account_id" in body.model_fields_set:
        _check_consultancy(user, own, consultancy_id)
    if consultancy_id is None and not permissions.is_admin(user) \
            and {CONSULTANT, ACCOUNT_ADMIN} & permissions.roles_of(user):
        consultancy_id = own.id
    require_platform_create(user, own)
    try:
        account = accounts.create(body.name, [], consultancy_id)
    except DuplicateError:
        raise _name_taken(body.name) from None
    return account_json(account)


def update(user: Any, account_id: int, body: AccountPatch) -> dict[str, Any]:
    """PATCH /accounts/<id>, in FlexMeasures' order: the body's rules (consultancy, plan: admins only), then the
    account (404), then the update permission; audited as "Account Updated, Field: ..." on the editor's log."""
    changes = body.given()
    if "consultancy_account_id" in changes:
        _check_consultancy(user, accounts.find(user.account_id), changes["consultancy_account_id"])
    plan = None
    if "plan_id" in changes:
        if not permissions.is_admin(user):
            raise forbidden()
        if changes["plan_id"] is not None:
            plan = plans.find(changes["plan_id"])
            if plan is None:
                raise field_error("json", "plan_id", f"No plan found with id {changes['plan_id']}.")
    if "account_roles" in changes:
        changes["account_roles"] = [ACCOUNT_ROLE_NAMES[i] for i in dict.fromkeys(changes["account_roles"])]
    account = account_or_404(account_id)
    require_account(user, permissions.UPDATE, account.id, account)
    if plan is not None and plan.id != account.plan_id and plan.legacy:
        # A retired plan stays on the accounts already on it, but is handed to no other.
        raise unprocessable("json", {"plan_id": [f"Plan '{plan.name}' has been retired and can no longer be "
                                                 "assigned."]})
    event = "Account Updated, Field: " + ", ".join(_compared_fields(account, changes))
    try:
        accounts.update(account, changes)
    except DuplicateError:
        raise _name_taken(changes["name"]) from None
    audit.record_user_event(event, affected_user=user, active_user=user, affected_account_id=account.id)
    return account_json(account)


def audit_log(account: Account) -> list[dict[str, Any]]:
    """Every user or account row naming the account, oldest first, unpaginated (as FlexMeasures)."""
    return [account_audit_json(e) for e in audit.entries_for_account(account.id)]


def _compared_fields(account: Account, changes: dict[str, Any]) -> list[str]:
    """FlexMeasures compares the body's value of each field, None when not sent, with the stored one; so fields
    that are not sent but hold a value (attributes, roles: empty ones too) are listed as well."""
    current = {"attributes": account.attributes or {}, "account_roles": list(account.account_roles or [])}
    return [f for f in AUDITED_FIELDS if changes.get(f) != current.get(f, getattr(account, f, None))]


def _check_consultancy(user: Any, own: Account | None, consultancy_id: int | None) -> None:
    """Who may set `consultancy_account_id`: admins (to any account), else account-admins and consultants of a
    Consultancy account, to their own account (403 otherwise); an unknown account is a 422."""
    if not permissions.is_admin(user):
        if CONSULTANCY not in (getattr(own, "account_roles", None) or []):
            raise forbidden()
        if not {CONSULTANT, ACCOUNT_ADMIN} & set(permissions.roles_of(user)):
            raise forbidden()
    if consultancy_id is None:
        return
    if accounts.find(consultancy_id) is None:
        raise field_error("json", "consultancy_account_id", f"No account found with id {consultancy_id}.")
    if not permissions.is_admin(user) and consultancy_id != user.account_id:
        raise forbidden()


def _name_taken(name: str) -> ApiError:
    return field_error("json", "name", f"An account with name '{name}' already exists.")
