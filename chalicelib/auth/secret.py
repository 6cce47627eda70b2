"""The key that signs auth tokens: given directly, or read once per container from Secrets Manager."""
from __future__ import annotations

from functools import lru_cache

from chalicelib import settings
from chalicelib.aws import client
from chalicelib.settings import ConfigurationError


def token_secret() -> str:
    """Either FLEXCLOUD_TOKEN_SECRET (local stack, tests) or the Secrets Manager secret that the deployment
    generates (FLEXCLOUD_TOKEN_SECRET_ID, never in the repo), fetched on the first request that needs it."""
    direct = settings.token_secret()
    if direct:
        return direct
    secret_id = settings.token_secret_id()
    if secret_id:
        return _from_secrets_manager(secret_id, settings.aws_region(), settings.aws_endpoint_url())
    raise ConfigurationError(
        "No token secret configured: set FLEXCLOUD_TOKEN_SECRET or FLEXCLOUD_TOKEN_SECRET_ID."
    )


@lru_cache(maxsize=4)
def _from_secrets_manager(secret_id: str, region: str, endpoint: str | None) -> str:
    value = client("secretsmanager").get_secret_value(SecretId=secret_id).get("SecretString")
    if not value:
        raise ConfigurationError(f"Secret {secret_id} has no string value to sign tokens with.")
    return value


def forget_cached_secrets() -> None:
    """Drop the per-container copy (tests; a restored SnapStart snapshot re-reads a rotated secret)."""
    _from_secrets_manager.cache_clear()
