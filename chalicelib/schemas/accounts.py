"""Account bodies, query arguments and the account JSON FlexMeasures 1.0.1 serves (its AccountSchema)."""
from __future__ import annotations

import json
import re
from typing import Any, Literal

from pydantic import field_validator, model_validator

from chalicelib.auth.roles import ACCOUNT_ROLES
from chalicelib.schemas.common import StrictBody, isoformat
from chalicelib.schemas.listing import ListingArgs

_HEX_COLOR = re.compile(r"^#?([A-Fa-f0-9]{6}|[A-Fa-f0-9]{3})$")
_URL = re.compile(
    r"^(https?|ftp)://"
    r"((([A-Za-z0-9-]+\.)+[A-Za-z]{2,6})|(\d{1,3}\.){3}\d{1,3})"
    r"(:\d+)?"
    r"(/([A-Za-z0-9$_.+!*\'(),;?&=-]|%[0-9A-Fa-f]{2})*)*"
    r"(\?([A-Za-z0-9$_.+!*\'(),;?&=-]|%[0-9A-Fa-f]{2})*)?")
MAX_URL_LENGTH = 255


class AccountListArgs(ListingArgs):
    sort_by: Literal["id", "name", "assets", "users"] | None = None
    role: str | None = None  # FlexMeasures 1.0: an account role name

    @field_validator("role")
    @classmethod
    def _known_role(cls, value: str | None) -> str | None:
        if value is not None and value not in ACCOUNT_ROLES:
            raise ValueError(f"No account role found with name {value}.")
        return value


class AccountCreate(StrictBody):
    """POST /accounts (FlexMeasures' AccountCreateSchema)."""

    name: str
    consultancy_account_id: int | None = None

    @field_validator("name")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("Account name cannot be empty.")
        return value


class AccountPatch(StrictBody):
    """PATCH /accounts/<id> (FlexMeasures' AccountPatchSchema); `attributes` as JSON or a JSON string."""

    name: str | None = None
    primary_color: str | None = None
    secondary_color: str | None = None
    logo_url: str | None = None
    consultancy_account_id: int | None = None
    plan_id: int | None = None
    attributes: Any = None
    account_roles: list[int] | None = None

    @field_validator("name", "account_roles", "attributes")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("Field may not be null.")
        return value

    @field_validator("primary_color", "secondary_color")
    @classmethod
    def _hex_color(cls, value: str | None) -> str | None:
        if value is not None and not _HEX_COLOR.match(value if value.startswith("#") else f"#{value}"):
            raise ValueError(f"{value if value.startswith('#') else '#' + value} is not a valid hex color code.")
        return value

    @field_validator("logo_url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value is None:
            return value
        if not _URL.match(value):
            raise ValueError(f"'{value}' is not a valid URL.")
        if len(value) > MAX_URL_LENGTH:
            raise ValueError("provided logo-url is too long. Maximum length is 255 characters.")
        return value

    @field_validator("attributes", mode="before")
    @classmethod
    def _json(cls, value: Any) -> Any:
        if isinstance(value, (str, bytes)):
            try:
                value = json.loads(value)
            except ValueError:
                raise ValueError("Not a valid JSON string.") from None
        try:
            json.dumps(value, allow_nan=False)  # what DynamoDB and every JSON client can take back
        except ValueError:
            raise ValueError("Not a valid JSON value.") from None
        return value

    @model_validator(mode="after")
    def _known_roles(self) -> "AccountPatch":
        """Checked after the fields, as FlexMeasures' post_load does (so the error is under "_schema")."""
        unknown = [role_id for role_id in self.account_roles or [] if role_id not in ACCOUNT_ROLES.values()]
        if unknown:
            raise ValueError(f"Invalid account role ID(s): {unknown}.")
        return self

    def given(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.model_fields_set}


def account_json(account: Any) -> dict[str, Any] | None:
    """Roles as {id, name}; `attributes` a JSON string, as FlexMeasures' JSON field dumps it."""
    if account is None:
        return None
    return {"id": account.id, "name": account.name, "primary_color": account.primary_color,
            "secondary_color": account.secondary_color, "logo_url": account.logo_url,
            "attributes": json.dumps(account.attributes or {}),
            "account_roles": [{"id": ACCOUNT_ROLES.get(r), "name": r} for r in account.account_roles or []],
            "consultancy_account_id": account.consultancy_account_id, "plan_id": account.plan_id}


def account_audit_json(entry: Any) -> dict[str, Any]:
    """GET /accounts/<id>/auditlog rows: FlexMeasures shows these three fields only."""
    return {"event": entry.event, "event_datetime": isoformat(entry.event_datetime),
            "active_user_id": entry.active_user_id}
