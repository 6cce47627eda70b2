"""Password hashing with argon2id (argon2-cffi)."""
from __future__ import annotations

import secrets
import string
from functools import lru_cache

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError

from chalicelib import settings


@lru_cache(maxsize=2)
def _hasher(profile: str) -> PasswordHasher:
    if profile == "fast":
        # Only for test suites that create many users; never configure this in a deployment.
        return PasswordHasher.from_parameters(profiles.CHEAPEST)
    return PasswordHasher.from_parameters(profiles.RFC_9106_LOW_MEMORY)


def hash_password(password: str) -> str:
    return _hasher(settings.password_hash_profile()).hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    if not password_hash:
        return False
    try:
        # Verification reads the parameters from the hash itself, so either profile verifies.
        return _hasher("default").verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def random_password(length: int = 24) -> str:
    """FlexMeasures' password reset sets a random 24-letter password."""
    return "".join(secrets.choice(string.ascii_letters) for _ in range(length))
