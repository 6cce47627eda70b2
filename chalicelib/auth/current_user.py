"""Who is calling: the raw token from `Authorization` (or `auth_token` in the query) -> an active user."""
from __future__ import annotations

from typing import Any

from chalicelib.auth.tokens import read_token
from chalicelib.errors import unauthorized
from chalicelib.store import users


def token_from_request(request: Any) -> str | None:
    header = request.headers.get("authorization")
    if header:
        return header.strip(" \t")  # HTTP's optional whitespace only: any other character is junk (a 401)
    params = request.query_params or {}
    return params.get("auth_token") if "auth_token" in params else None


def authenticate(request: Any):
    """The calling user, or the contract's 401 (missing, bad, expired or revoked token; inactive user)."""
    claims = read_token(token_from_request(request) or "")
    if claims is None:
        raise unauthorized()
    user = users.find(claims.user_id)
    if user is None or user.fs_uniquifier != claims.uniquifier or not user.active:
        raise unauthorized()
    users.touch_last_seen(user)
    return user
