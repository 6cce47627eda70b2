"""The access-control rules as pure functions over (user, action, owner): the contract's ACL tables.

Actions: "read", "update", "create-children", "delete". `Owner` says which account an entity
belongs to (None = public) and which account is that account's consultancy.

- `admin` passes every check; `admin-reader` passes every read check and, as the role matrix
  shows, no write check on accounts, assets or sensors (it may still edit itself).
- Inactive users have no roles and are rejected before these rules run.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chalicelib.auth.roles import ACCOUNT_ADMIN, ADMIN, ADMIN_READER, CONSULTANCY, CONSULTANT

READ, UPDATE, CREATE_CHILDREN, DELETE = "read", "update", "create-children", "delete"


@dataclass(frozen=True)
class Owner:
    account_id: int | None
    consultancy_account_id: int | None = None

    @property
    def is_public(self) -> bool:
        return self.account_id is None


def roles_of(user: Any) -> set[str]:
    return set(user.roles or []) if getattr(user, "active", True) else set()


def is_admin(user: Any) -> bool:
    return ADMIN in roles_of(user)


def is_admin_reader(user: Any) -> bool:
    return ADMIN_READER in roles_of(user)


def _member(user: Any, owner: Owner) -> bool:
    return owner.account_id is not None and user.account_id == owner.account_id


def _account_admin_of(user: Any, owner: Owner) -> bool:
    return _member(user, owner) and ACCOUNT_ADMIN in roles_of(user)


def _consultant_of(user: Any, owner: Owner) -> bool:
    """A consultant working in the account that is this account's consultancy."""
    return (CONSULTANT in roles_of(user) and owner.consultancy_account_id is not None
            and user.account_id == owner.consultancy_account_id)


def _admin_override(user: Any, action: str) -> bool | None:
    if is_admin(user):
        return True
    if is_admin_reader(user):
        return True if action == READ else False
    return None


def account_permits(user: Any, action: str, owner: Owner) -> bool:
    override = _admin_override(user, action)
    if override is not None:
        return override
    if action in (READ, UPDATE):
        return _member(user, owner) or _consultant_of(user, owner)
    if action == CREATE_CHILDREN:
        return _account_admin_of(user, owner) or _consultant_of(user, owner)
    return False  # deleting accounts: admins only


def platform_create_permits(user: Any, own_account_roles: list[str]) -> bool:
    """Creating accounts (FlexMeasures' FlexMeasuresPlatform ACL): admins, and consultants whose own account has
    the Consultancy account role (their new accounts become its clients)."""
    if is_admin(user):
        return True
    return CONSULTANT in roles_of(user) and CONSULTANCY in (own_account_roles or [])


def account_auditlog_permits(user: Any, owner: Owner) -> bool:
    """FlexMeasures' AuditLog.account_table_acl: account-admins of the account, consultants of its consultancy."""
    return webhook_permits(user, READ, owner)


def webhook_permits(user: Any, action: str, owner: Owner) -> bool:
    """An account's webhooks (their URLs and delivery log too), and its audit log: its account-admins, the
    consultants of its consultancy (who may act as account-admins there, as in `account_permits`), admins;
    admin-readers read."""
    override = _admin_override(user, action)
    if override is not None:
        return override
    return _account_admin_of(user, owner) or _consultant_of(user, owner)


def _owned_entity_permits(user: Any, action: str, owner: Owner, *, update_by_members: bool) -> bool:
    """Assets and sensors: public ones are admin-writable; others follow their account."""
    override = _admin_override(user, action)
    if override is not None:
        return override
    if owner.is_public:
        return action == READ
    if action == READ:
        return account_permits(user, READ, owner)
    if action == CREATE_CHILDREN or (action == UPDATE and update_by_members):
        return _member(user, owner) or _consultant_of(user, owner)
    return _account_admin_of(user, owner) or _consultant_of(user, owner)


def asset_permits(user: Any, action: str, owner: Owner) -> bool:
    """Any member may update an asset and add to it; deleting needs an account-admin."""
    return _owned_entity_permits(user, action, owner, update_by_members=True)


def sensor_permits(user: Any, action: str, owner: Owner) -> bool:
    """`owner` is the owner of the sensor's asset; updating a sensor needs an account-admin."""
    return _owned_entity_permits(user, action, owner, update_by_members=False)


def user_permits(user: Any, action: str, target: Any, owner: Owner) -> bool:
    """`target` is the user acted upon, `owner` describes the target's account."""
    if is_admin(user):
        return True
    if action == READ:
        return is_admin_reader(user) or _member(user, owner)
    if action == UPDATE:
        return (user.id == target.id or _account_admin_of(user, owner) or _consultant_of(user, owner))
    return False


def user_auditlog_permits(user: Any, target: Any, owner: Owner) -> bool:
    if is_admin(user) or is_admin_reader(user):
        return True
    return user.id == target.id or _account_admin_of(user, owner) or _consultant_of(user, owner)


def may_edit_role(user: Any, role: str, target: Any, owner: Owner) -> bool:
    """Whether `user` may add or remove `role` on `target` (contract §3, role edits)."""
    if role == ADMIN:
        return False
    if is_admin(user):
        return True
    if role == ACCOUNT_ADMIN:
        return _consultant_of(user, owner)
    if role == CONSULTANT:
        return _account_admin_of(user, owner)
    return False
