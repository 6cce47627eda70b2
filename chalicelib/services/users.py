"""What the user endpoints do: scope and render the list, apply edits with the role rules, reset passwords."""
from __future__ import annotations

from typing import Any

from chalicelib.auth.access import accounts_to_list, require_role_edits
from chalicelib.auth.passwords import hash_password, random_password
from chalicelib.auth.roles import USER_ROLE_NAMES
from chalicelib.errors import ApiError, field_error, forbidden
from chalicelib.schemas.audit import AuditLogArgs
from chalicelib.schemas.users import UserCreate, UserListArgs, UserPatch, listed_user_json, user_json
from chalicelib.services.auditlog import audit_listing
from chalicelib.services.listing import filter_terms, list_or_page, matches_all, sort_items
from chalicelib.services.loaders import account_or_404
from chalicelib.store import audit, mail
from chalicelib.store import users as store
from chalicelib.store.errors import DuplicateError
from chalicelib.store.models import User


def create_user(email: str, password: str | None, account_id: int, roles: list[str] | None = None,
                username: str | None = None, timezone_name: str = "Europe/Amsterdam", active: bool = True,
                created_by: Any = None) -> User:
    """A new user with a hashed password (DuplicateError for a taken email or username), audited as
    FlexMeasures does ("User <name> created")."""
    user = store.create(email, hash_password(password) if password else None, account_id, roles, username,
                        timezone_name, active)
    audit.record_user_event(f"User {user.username} created", affected_user=user, active_user=created_by,
                            affected_account_id=user.account_id)
    return user


def create_by_api(creator: Any, body: UserCreate) -> dict[str, Any]:
    """POST /users: a user without roles and with a random password, who gets mail on how to set one. The mail goes
    out before anything is stored, so a mail failure changes nothing (FlexMeasures commits after mailing too)."""
    for kind, value, taken in (("email", body.email, store.find_by_email(body.email)),
                               ("username", body.username, store.find_by_username(body.username))):
        if taken is not None:
            raise field_error("json", kind, f"User with {kind} {value} already exists.")
    mail.send_welcome(body.email, body.username.strip())
    try:
        user = create_user(body.email, random_password(), body.account_id, [], body.username.strip(),
                           created_by=creator)
    except DuplicateError as exc:
        kind = exc.key.split("#", 1)[0]
        raise field_error("json", kind, f"User with {kind} {getattr(body, kind)} already exists.") from None
    return user_json(user)


def listing(viewer: Any, args: UserListArgs) -> Any:
    """Every filter term must occur in the email, the username or the account name."""
    account_map = accounts_to_list(viewer, None if args.account_id is None else account_or_404(args.account_id))
    scope = [u for u in store.list_for_accounts(sorted(account_map)) if args.include_inactive or u.active]
    terms = filter_terms(args.filter)

    def account_name(user: User) -> str | None:
        account = account_map.get(user.account_id)
        return account.name if account else None

    shown = [u for u in scope if matches_all(terms, u.email, u.username, account_name(u))]
    shown = sort_items(shown, args, {"username": lambda u: u.username, "email": lambda u: u.email,
                                     "lastLogin": lambda u: u.last_login_at, "lastSeen": lambda u: u.last_seen_at})

    def render(items: list[User]) -> list[dict[str, Any]]:
        return [listed_user_json(u, account_map.get(u.account_id)) for u in items]

    return list_or_page(shown, args, len(scope), render)


def update(editor: Any, target: User, body: UserPatch) -> dict[str, Any]:
    changes = body.editable()
    if editor.id == target.id and {"active", "flexmeasures_roles"} & changes.keys():
        raise forbidden()  # nobody edits their own security-sensitive fields, admins included
    event = None
    if "flexmeasures_roles" in changes:
        new_roles = [USER_ROLE_NAMES[i] for i in changes.pop("flexmeasures_roles")]
        old_roles = list(target.roles or [])
        removed = [r for r in old_roles if r not in new_roles]
        added = [r for r in new_roles if r not in old_roles]
        require_role_edits(editor, target, set(removed) | set(added))
        changes["roles"] = new_roles
        event = _roles_event(removed, added)
    if "active" in changes and changes["active"] != target.active:
        event = (event or "") + f"Active status set to '{changes['active']}'."
    try:
        store.update(target, changes)
    except DuplicateError as exc:
        raise ApiError(400, {"message": "Duplicate user already exists",
                             "detail": f"{exc.key.split('#', 1)[0]} is already taken.", "status": 400}) from None
    if event:
        audit.record_user_event(event, target, editor, affected_account_id=target.account_id)
    return user_json(target)


def _roles_event(removed: list[str], added: list[str]) -> str | None:
    """FlexMeasures' text: names joined by commas in brackets, no quotes ("Added role(s): [consultant].")."""
    parts = []
    if removed:
        parts.append(f"Removed role(s): [{','.join(removed)}].")
    if added:
        parts.append(f"Added role(s): [{','.join(added)}].")
    return "".join(parts) or None


def reset_password(editor: Any, target: User) -> None:
    """Mail first, then write: like FlexMeasures, nothing changes unless the instructions went out."""
    mail.send_password_reset(target.email, target.username)
    store.reset_password(target, hash_password(random_password()))
    audit.record_user_event(f"Password reset for user {target.username}", target, editor)


def audit_log(target: User, args: AuditLogArgs) -> list[dict[str, Any]] | dict[str, Any]:
    return audit_listing(audit.entries_for_user(target.id), args, always_paginated=False)
