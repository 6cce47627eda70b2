"""Users: create with unique email and username, look up, track logins and token revocation."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

from chalicelib.store.errors import NotFound
from chalicelib.store.ids import next_id
from chalicelib.store.models import User
from chalicelib.store.uniques import claim_key, claim_owner, write_with_claims

# Recording last_seen_at on every request would double the writes of every API call;
# the user listing shows it (ISO since FlexMeasures 1.0), where minute precision is plenty.
LAST_SEEN_RESOLUTION = timedelta(minutes=1)


def create(email: str, password_hash: str | None, account_id: int, roles: list[str] | None = None,
           username: str | None = None, timezone_name: str = "Europe/Amsterdam", active: bool = True) -> User:
    email = email.strip()
    username = (username or email.split("@")[0]).strip()
    user = User(next_id("user"), email=email, username=username, account_id=int(account_id),
                roles=list(roles or []), password_hash=password_hash,
                fs_uniquifier=uuid.uuid4().hex, active=active, timezone=timezone_name)
    write_with_claims(lambda tx: tx.save(user),
                      [claim_key("email", email.lower()), claim_key("username", username)],
                      owner=str(user.id))
    return user


def get(user_id: int) -> User:
    try:
        return User.get(int(user_id))
    except User.DoesNotExist:
        raise NotFound(f"User {user_id} not found") from None


def find(user_id: int) -> User | None:
    return User.get_or_none(int(user_id))


def find_by_email(email: str) -> User | None:
    wanted = email.strip().lower()
    for user in User.by_email.query(email.strip()):
        return user
    # Emails are matched case-insensitively, as Flask-Security does.
    if wanted != email.strip():
        for user in User.by_email.query(wanted):
            return user
    return None


def find_by_username(username: str) -> User | None:
    owner = claim_owner(claim_key("username", username.strip()))
    return find(int(owner)) if owner is not None else None


def list_for_account(account_id: int) -> list[User]:
    return sorted(User.by_account.query(int(account_id)), key=lambda u: u.id)


def record_login(user: User) -> None:
    """A session login (FlexMeasures' UI login), which sets the login fields; token requests do not."""
    now = datetime.now(timezone.utc)
    user.update(actions=[User.last_login_at.set(now), User.login_count.add(1), User.last_seen_at.set(now)])


def touch_last_seen(user: User) -> None:
    now = datetime.now(timezone.utc)
    if user.last_seen_at is None or now - user.last_seen_at >= LAST_SEEN_RESOLUTION:
        user.update(actions=[User.last_seen_at.set(now)])


def renew_uniquifier(user: User) -> None:
    """Invalidate every token issued so far (password reset, deactivation)."""
    user.update(actions=[User.fs_uniquifier.set(uuid.uuid4().hex)])


def count_for_account(account_id: int) -> int:
    """How many users one account has (a COUNT query on its index, no items read)."""
    return User.by_account.count(int(account_id))


def list_for_accounts(account_ids) -> list[User]:
    """Users of several accounts (one GSI query each), id ascending."""
    return sorted((u for a in dict.fromkeys(int(i) for i in account_ids) for u in User.by_account.query(a)),
                  key=lambda u: u.id)


def update(user: User, changes: dict) -> User:
    """Apply field changes; email and username stay unique (DuplicateError), deactivation kills tokens."""
    claims, releases = [], []
    if "email" in changes and changes["email"].lower() != user.email.lower():
        claims.append(claim_key("email", changes["email"].lower()))
        releases.append(claim_key("email", user.email.lower()))
    if "username" in changes and changes["username"] != user.username:
        claims.append(claim_key("username", changes["username"]))
        releases.append(claim_key("username", user.username))
    for key, value in changes.items():
        setattr(user, key, value)
    if changes.get("active") is False:
        user.fs_uniquifier = uuid.uuid4().hex
    write_with_claims(lambda tx: tx.save(user), claims, releases=releases, owner=str(user.id))
    return user


def reset_password(user: User, new_password_hash: str) -> None:
    """Set a new password hash and renew the uniquifier, so every token issued so far dies."""
    user.update(actions=[User.password_hash.set(new_password_hash),
                         User.fs_uniquifier.set(uuid.uuid4().hex)])


def set_keep_legends_below_graphs(user: User, keep: bool) -> None:
    """The UI's legend placement for asset charts (FlexMeasures keeps it in the session; false clears it)."""
    action = User.keep_legends_below_graphs.set(True) if keep else User.keep_legends_below_graphs.remove()
    user.update(actions=[action])


def set_default_asset_view(user: User, view: str | None) -> None:
    """The UI's default asset tab; kept per user because there is no server session."""
    action = User.default_asset_view.set(view) if view else User.default_asset_view.remove()
    user.update(actions=[action])
