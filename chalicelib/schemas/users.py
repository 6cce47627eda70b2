"""User bodies and query arguments, and the user JSON FlexMeasures serves (single and listed)."""
from __future__ import annotations

from typing import Any, Literal
from zoneinfo import ZoneInfo

from pydantic import field_validator

from chalicelib.schemas.listing import ListingArgs
from chalicelib.auth.roles import USER_ROLE_NAMES, USER_ROLES
from chalicelib.schemas.accounts import account_json
from chalicelib.schemas.common import StrictBody, isoformat


class UserListArgs(ListingArgs):
    RENAMED = {**ListingArgs.RENAMED, "account_id": "account"}
    per_page: int = 1  # FlexMeasures [SEED] quirk: the users list defaults to one per page
    account_id: int | None = None
    include_inactive: bool = False
    sort_by: Literal["username", "email", "lastLogin", "lastSeen"] | None = None


def _valid_email(value: str) -> str:
    local, _, domain = value.strip().partition("@")
    if not local or "." not in domain or " " in value.strip():
        raise ValueError("Not a valid email address.")
    return value.strip()


class UserCreate(StrictBody):
    """POST /users (FlexMeasures 1.0): the account is named by `account_id`; the password is random."""

    email: str
    username: str
    account_id: int

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        return _valid_email(value)


class UserPatch(StrictBody):
    email: str | None = None
    username: str | None = None
    active: bool | None = None
    timezone: str | None = None
    flexmeasures_roles: list[int] | None = None
    # Dump-only in FlexMeasures' schema but accepted on load; ignored here too.
    last_login_at: Any = None
    last_seen_at: Any = None

    @field_validator("email", "username", "active", "timezone", "flexmeasures_roles")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("Field may not be null.")
        return value

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        return _valid_email(value)

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ValueError, LookupError, OSError):  # ZoneInfoNotFoundError is a KeyError; long names: OSError
            raise ValueError(f"Timezone {value} doesn't exist.") from None
        return value

    @field_validator("flexmeasures_roles")
    @classmethod
    def _roles(cls, value: list[int]) -> list[int]:
        for role_id in value:
            if role_id not in USER_ROLE_NAMES:
                raise ValueError(f"Role with id {role_id} doesn't exist.")
        return list(dict.fromkeys(value))

    def editable(self) -> dict[str, Any]:
        """The sent fields FlexMeasures applies (others are accepted and ignored)."""
        return {k: getattr(self, k) for k in ("email", "username", "active", "timezone", "flexmeasures_roles")
                if k in self.model_fields_set}


def role_ids(names: list[str]) -> list[int]:
    return [USER_ROLES[n] for n in names if n in USER_ROLES]


def user_json(user: Any) -> dict[str, Any]:
    """GET/PATCH /users/<id>: roles as ids, times as ISO."""
    return {
        "id": user.id,
        "email": user.email,
        "username": user.username,
        "account_id": user.account_id,
        "active": user.active,
        "timezone": user.timezone,
        "flexmeasures_roles": role_ids(list(user.roles or [])),
        "last_login_at": isoformat(user.last_login_at),
        "last_seen_at": isoformat(user.last_seen_at),
    }


def listed_user_json(user: Any, account: Any) -> dict[str, Any]:
    """GET /users items: roles as names, ISO times (FlexMeasures 1.0; the seed's code naturalized them) and the
    user's account."""
    return {**user_json(user), "flexmeasures_roles": list(user.roles or []), "account": account_json(account)}
