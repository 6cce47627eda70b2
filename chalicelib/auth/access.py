"""Permission checks with the lookups they need (the entity's account and its consultancy).

Views call `require_*`; a refusal raises the contract's 403. The rules themselves are pure, in
`permissions.py`.
"""
from __future__ import annotations

from typing import Any

from chalicelib.auth import permissions
from chalicelib.auth.permissions import Owner
from chalicelib.errors import forbidden
from chalicelib.store import accounts


def owner_of_account(account_id: int | None, accounts_cache: dict[int, Any] | None = None) -> Owner:
    """The Owner for entities of `account_id` (None = public); one key lookup unless cached."""
    if account_id is None:
        return Owner(None, None)
    account = (accounts_cache or {}).get(account_id) or accounts.find(account_id)
    return Owner(account_id, account.consultancy_account_id if account else None)


def require(allowed: bool) -> None:
    if not allowed:
        raise forbidden()


def require_account(user: Any, action: str, account_id: int | None, account: Any = None) -> None:
    """`account`: the Account item when the caller has read it already (saves reading it again)."""
    cache = {account_id: account} if account is not None else None
    require(permissions.account_permits(user, action, owner_of_account(account_id, cache)))


def require_webhooks(user: Any, action: str, account: Any) -> None:
    require(permissions.webhook_permits(user, action, owner_of_account(account.id, {account.id: account})))


def require_asset(user: Any, action: str, asset: Any) -> None:
    require(permissions.asset_permits(user, action, owner_of_account(asset.account_id)))


def require_sensor(user: Any, action: str, sensor: Any) -> None:
    """Sensors carry their asset's account_id, so no asset lookup is needed."""
    require(permissions.sensor_permits(user, action, owner_of_account(sensor.account_id)))


def require_user(user: Any, action: str, target: Any) -> None:
    require(permissions.user_permits(user, action, target, owner_of_account(target.account_id)))


def readable_account_ids(user: Any) -> set[int] | None:
    """Accounts whose data `user` may read; None means all (admin, admin-reader)."""
    if permissions.is_admin(user) or permissions.is_admin_reader(user):
        return None
    ids = {user.account_id}
    if "consultant" in permissions.roles_of(user):
            ids |= {a.id for a in accounts.clients_of(user.account_id)}
    return ids


def require_account_auditlog(user: Any, account: Any) -> None:
    require(permissions.account_auditlog_permits(user, owner_of_account(account.id, {account.id: account})))


def require_platform_create(user: Any, own_account: Any) -> None:
    """May `user` create accounts (`own_account`: the user's Account item)?"""
    require(permissions.platform_create_permits(user, getattr(own_account, "account_roles", None) or []))


def require_user_auditlog(user: Any, target: Any) -> None:
    require(permissions.user_auditlog_permits(user, target, owner_of_account(target.account_id)))


def require_role_edits(user: Any, target: Any, roles: set[str]) -> None:
    """Every role added to or removed from `target` must be editable by `user`."""
    owner = owner_of_account(target.account_id)
    require(all(permissions.may_edit_role(user, role, target, owner) for role in roles))


def accounts_to_list(user: Any, account: Any = None) -> dict[int, Any]:
    """Accounts a listing covers: the one asked for (403 without read), or else every account `user` may
    read. Returns the Account items by id, read once."""
    if account is not None:
        require_account(user, permissions.READ, account.id, account)
        return {account.id: account}
    readable = readable_account_ids(user)
    if readable is None:
        return {a.id: a for a in accounts.list_all()}
    return accounts.get_many(readable)
