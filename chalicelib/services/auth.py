"""Logging in with email and password for a token (POST /requestAuthToken), with FlexMeasures' error bodies."""
from __future__ import annotations

from typing import Any

from chalicelib.auth.passwords import verify_password
from chalicelib.auth.tokens import issue_token
from chalicelib.errors import ApiError
from chalicelib.store import users


def token_error(status: int, message: str) -> ApiError:
    return ApiError(status, {"errors": [message], "status": status})


def request_token(data: Any) -> dict[str, Any]:
    """`data` is the parsed JSON body, whatever its shape."""
    if not isinstance(data, dict):
        data = {}
    email, password = data.get("email"), data.get("password")
    if not email or not isinstance(email, str):
        raise token_error(400, "Please provide the 'email' parameter.")
    if not password or not isinstance(password, str):
        raise token_error(400, "Please provide the 'password' parameter.")
    user = users.find_by_email(email)
    if user is None:
        raise token_error(404, f"User with email '{_escape(email)}' does not exist")
    if not verify_password(user.password_hash, password):
        raise token_error(401, "User password does not match.")
    # No login is recorded: FlexMeasures counts only session logins (last_login_at, login_count).
    return {"auth_token": issue_token(user.id, user.fs_uniquifier), "user_id": user.id}


def _escape(text: str) -> str:
    """Escaped as Flask's MarkupSafe does (numeric entities for quotes), which FlexMeasures' message shows."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&#34;").replace(
        "'", "&#39;")
