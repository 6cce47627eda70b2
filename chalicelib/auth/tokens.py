"""Auth tokens: signed, expiring, bound to the user's uniquifier (itsdangerous)."""
from __future__ import annotations

import re
from dataclasses import dataclass

from itsdangerous import BadData, BadSignature, SignatureExpired, URLSafeTimedSerializer
from itsdangerous.encoding import base64_decode, base64_encode

from chalicelib import settings
from chalicelib.auth.secret import token_secret

_SALT = "flexcloud-auth-token"
# payload.timestamp.signature in unpadded URL-safe base64 (a leading "." marks a compressed payload).
_TOKEN_SHAPE = re.compile(r"\.?[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")


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
    if not token or not is_canonical(token):
        return None
    age = settings.token_max_age_seconds() if max_age is None else max_age
    try:
        data = _serializer().loads(token, max_age=age)
    except (SignatureExpired, BadSignature):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int) or not isinstance(data.get("q"), str):
        return None
    return TokenClaims(user_id=data["u"], uniquifier=data["q"])


def is_canonical(token: str) -> bool:
    """Exactly the text `issue_token` writes. itsdangerous decodes leniently: padding ("="), other characters
    and other low bits in a part's last character would all pass its signature check as the same token."""
    if not _TOKEN_SHAPE.fullmatch(token):
        return False
    try:
        return all(base64_encode(base64_decode(part)) == part.encode() for part in token.lstrip(".").split("."))
    except BadData:  # an undecodable part
        return False
