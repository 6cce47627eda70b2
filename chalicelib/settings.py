"""Every setting, read from the environment when asked (never at import).

Chalice's test client and Lambda both set environment variables per invocation, so nothing here
may be cached at module level except values derived from a secret store (see token_secret).
"""
from __future__ import annotations

import os
from datetime import timedelta
from functools import lru_cache


class ConfigurationError(RuntimeError):
    """A required setting is missing or malformed."""


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def stage() -> str:
    return _env("FLEXCLOUD_STAGE", "dev")


def table_prefix() -> str:
    return _env("FLEXCLOUD_TABLE_PREFIX", f"flexcloud-{stage()}")


def table_name(name: str) -> str:
    return f"{table_prefix()}-{name}"


def uploads_bucket() -> str:
    return _env("FLEXCLOUD_UPLOADS_BUCKET", f"flexcloud-{stage()}-uploads")


def schedule_queue_name() -> str:
    return _env("FLEXCLOUD_SCHEDULE_QUEUE", f"flexcloud-{stage()}-schedule-jobs")


def schedule_dlq_name() -> str:
    return _env("FLEXCLOUD_SCHEDULE_DLQ", f"{schedule_queue_name()}-dlq")


def aws_region() -> str:
    return _env("AWS_REGION", _env("AWS_DEFAULT_REGION", "eu-west-1"))


def aws_endpoint_url() -> str | None:
    """Set for the local stack (moto server); unset against real AWS."""
    return _env("AWS_ENDPOINT_URL")


def token_secret() -> str:
    """The key that signs auth tokens.

    Either given directly (local stack, tests) or as the name or ARN of a Secrets Manager secret
    that the deployment generates (never in the repo); the secret is fetched once per container,
    on the first request that needs it, not at import.
    """
    direct = _env("FLEXCLOUD_TOKEN_SECRET")
    if direct:
        return direct
    secret_id = _env("FLEXCLOUD_TOKEN_SECRET_ID")
    if secret_id:
        return _secret_from_secrets_manager(secret_id, aws_region(), aws_endpoint_url())
    raise ConfigurationError(
        "No token secret configured: set FLEXCLOUD_TOKEN_SECRET or FLEXCLOUD_TOKEN_SECRET_ID."
    )


@lru_cache(maxsize=4)
def _secret_from_secrets_manager(secret_id: str, region: str, endpoint: str | None) -> str:
    from chalicelib.store.aws import client

    value = client("secretsmanager").get_secret_value(SecretId=secret_id).get("SecretString")
    if not value:
        raise ConfigurationError(f"Secret {secret_id} has no string value to sign tokens with.")
    return value


def token_max_age_seconds() -> int:
    return _int("FLEXCLOUD_TOKEN_MAX_AGE", 6 * 3600)


def planning_horizon() -> timedelta:
    from chalicelib.schemas.durations import parse_duration

    return parse_duration(_env("FLEXCLOUD_PLANNING_HORIZON", "PT48H"))


def max_planning_steps() -> int:
    return _int("FLEXCLOUD_MAX_PLANNING_HORIZON", 2520)


def solver_time_limit_seconds() -> int:
    """CBC gives up after this long, so a hard problem fails its job instead of outliving the Lambda (300 s)."""
    return _int("FLEXCLOUD_SOLVER_TIME_LIMIT", 240)


def password_hash_profile() -> str:
    """'default' (argon2id, RFC 9106 low-memory) or 'fast' (test suites only)."""
    return _env("FLEXCLOUD_PASSWORD_HASH_PROFILE", "default")


def allow_data_overwrite() -> bool:
    return _env("FLEXMEASURES_ALLOW_DATA_OVERWRITE", "false").lower() in ("1", "true", "yes", "on")


def hosts_and_auth_start() -> dict[str, str]:
    """Host -> 'YYYY-MM' month used in entity addresses (FLEXMEASURES_HOSTS_AND_AUTH_START)."""
    import json

    raw = _env("FLEXMEASURES_HOSTS_AND_AUTH_START")
    if not raw:
        return {"flexmeasures.io": "2021-01"}
    try:
        value = json.loads(raw)
    except ValueError as exc:
        raise ConfigurationError(f"FLEXMEASURES_HOSTS_AND_AUTH_START is not JSON: {exc}") from exc
    return dict(value)


def mail_sender() -> str:
    return _env("FLEXCLOUD_MAIL_SENDER", "no-reply@flexcloud.example")


def _int(name: str, default: int) -> int:
    raw = _env(name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigurationError(f"{name} must be an integer, got {raw!r}") from exc
