"""Auth tokens: signed, expiring, bound to the user's uniquifier (itsdangerous)."""
from __future__ import annotations

from dataclasses import dataclass

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from chalicelib import settings
from chalicelib.auth.secret import token_secret

_SALT = "flexcloud-auth-token"


@dataclass(frozen=True)
class TokenClaims:
    user_id: int
    uniquifier: str


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(token_secret(), salt=_SALT)


def issue_token(user_id: int, uniquifier: str) -> str:
    return _serializer().dumps({"u": user_id, "q": uniquifier})


def read_token(token: str, max_age: int | None = None) -> TokenClaims | None:
    """The token's claims, or None when it is tampered with, expired or malformed."""
    if not token:
        return None
    age = settings.token_max_age_seconds() if max_age is None else max_age
    try:
        data = _serializer().loads(token, max_age=age)
    except (SignatureExpired, BadSignature):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int) or not isinstance(data.get("q"), str):
        return None
    return TokenClaims(user_id=data["u"], uniquifier=data["q"])
