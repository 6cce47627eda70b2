"""Every setting, read from the environment when asked (never at import).

Chalice's test client and Lambda both set environment variables per invocation, so nothing here is
cached. This module is the ground floor: it imports nothing from chalicelib.
"""
from __future__ import annotations

import json
import os
from datetime import timedelta

import isodate


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


def forecast_queue_name() -> str:
    return _env("FLEXCLOUD_FORECAST_QUEUE", f"flexcloud-{stage()}-forecast-jobs")


def forecast_dlq_name() -> str:
    return _env("FLEXCLOUD_FORECAST_DLQ", f"{forecast_queue_name()}-dlq")


def automation_schedule_group() -> str:
    """The EventBridge Scheduler group holding one schedule per automation."""
    return _env("FLEXCLOUD_AUTOMATION_GROUP", f"flexcloud-{stage()}-automations")


def automation_scheduler_role_arn() -> str:
    """The role EventBridge Scheduler assumes to send an automation's message to its job queue (set by the
    templates; the local stack and tests use a placeholder, which moto accepts)."""
    return _env("FLEXCLOUD_AUTOMATION_ROLE_ARN",
                f"arn:aws:iam::000000000000:role/flexcloud-{stage()}-automation-scheduler")


def webhook_queue_name() -> str:
    return _env("FLEXCLOUD_WEBHOOK_QUEUE", f"flexcloud-{stage()}-webhook-deliveries")


def webhook_dlq_name() -> str:
    return _env("FLEXCLOUD_WEBHOOK_DLQ", f"{webhook_queue_name()}-dlq")


def webhooks_allow_loopback() -> bool:
    """Webhook URLs on 127.0.0.1 / ::1 (plain http too): only the local stack and tests set this, never a deployment."""
    return _flag("FLEXCLOUD_WEBHOOKS_ALLOW_LOOPBACK", False)


def webhook_backoff_seconds() -> list[int]:
    """How long a failed delivery waits before its next try, by attempt (the last value repeats)."""
    raw = _env("FLEXCLOUD_WEBHOOK_BACKOFF", "10,60,300")
    try:
        values = [int(part) for part in raw.split(",")]
    except ValueError as exc:
        raise ConfigurationError(f"FLEXCLOUD_WEBHOOK_BACKOFF must be comma-separated seconds, got {raw!r}") from exc
    if not values or any(v < 0 or v > 43200 for v in values):
        raise ConfigurationError(f"FLEXCLOUD_WEBHOOK_BACKOFF values must be 0 to 43200 seconds, got {raw!r}")
    return values


def webhook_timeout_seconds() -> int:
    """Connect and read timeout of one delivery attempt."""
    return _int("FLEXCLOUD_WEBHOOK_TIMEOUT", 10)


def aws_region() -> str:
    return _env("AWS_REGION", _env("AWS_DEFAULT_REGION", "eu-west-1"))


def aws_endpoint_url() -> str | None:
    """Set for the local stack (moto server); unset against real AWS."""
    return _env("AWS_ENDPOINT_URL")


def snapstart_initialising() -> bool:
    """Lambda sets AWS_LAMBDA_INITIALIZATION_TYPE=snap-start while it initialises a version for SnapStart."""
    return _env("AWS_LAMBDA_INITIALIZATION_TYPE") == "snap-start"


def token_secret() -> str | None:
    """The key that signs auth tokens, when given directly (local stack, tests)."""
    return _env("FLEXCLOUD_TOKEN_SECRET")


def token_secret_id() -> str | None:
    """Or: the name or ARN of the Secrets Manager secret holding that key (deployments; see auth/secret.py)."""
    return _env("FLEXCLOUD_TOKEN_SECRET_ID")


def token_max_age_seconds() -> int:
    return _int("FLEXCLOUD_TOKEN_MAX_AGE", 6 * 3600)


def planning_horizon() -> timedelta:
    raw = _env("FLEXCLOUD_PLANNING_HORIZON", "PT48H")
    try:
        value = isodate.parse_duration(raw)
    except (isodate.ISO8601Error, ValueError) as exc:
        raise ConfigurationError(f"FLEXCLOUD_PLANNING_HORIZON is not an ISO 8601 duration: {raw!r}") from exc
    if not isinstance(value, timedelta) or value <= timedelta(0):
        raise ConfigurationError(f"FLEXCLOUD_PLANNING_HORIZON must be a positive duration in days or less: {raw!r}")
    return value


def max_planning_steps() -> int:
    return _int("FLEXCLOUD_MAX_PLANNING_HORIZON", 2520)


def solver_time_limit_seconds() -> int:
    """CBC gives up after this long, so a hard problem fails its job instead of outliving the Lambda (120 s)."""
    return _int("FLEXCLOUD_SOLVER_TIME_LIMIT", 100)


def password_hash_profile() -> str:
    """'default' (argon2id, RFC 9106 low-memory) or 'fast' (test suites only)."""
    return _env("FLEXCLOUD_PASSWORD_HASH_PROFILE", "default")


def allow_data_overwrite() -> bool:
    return _flag("FLEXMEASURES_ALLOW_DATA_OVERWRITE", False)


def hosts_and_auth_start() -> dict[str, str]:
    """Host -> 'YYYY-MM' month used in entity addresses (FLEXMEASURES_HOSTS_AND_AUTH_START)."""
    raw = _env("FLEXMEASURES_HOSTS_AND_AUTH_START")
    if not raw:
        return {"flexmeasures.io": "2021-01"}
    try:
        value = json.loads(raw)
    except ValueError as exc:
        raise ConfigurationError(f"FLEXMEASURES_HOSTS_AND_AUTH_START is not JSON: {exc}") from exc
    return dict(value)


def rate_limiting_enabled() -> bool:
    """Flask-Limiter's switch in FlexMeasures (RATELIMIT_ENABLED): off, no request is counted."""
    return _flag("RATELIMIT_ENABLED", True)


def default_rate_limit() -> str:
    """Every /api request of one user (or, unauthenticated, one client IP); Flask-Limiter's notation."""
    return _env("FLEXMEASURES_API_DEFAULT_RATE_LIMIT", "500 per minute")


def trigger_rate_limit() -> str:
    """Accepted schedule triggers, on top of the default limit."""
    return _env("FLEXMEASURES_API_TRIGGER_RATE_LIMIT", "10 per 5 minutes")


def trigger_rate_limit_key() -> str:
    """What triggers are counted against: "account", "account+asset" or "user" (an account's plan may say)."""
    return _env("FLEXMEASURES_API_RATE_LIMIT_KEY", "account")


def flexmeasures_mode() -> str:
    """FlexMeasures' server mode; "play" servers run simulations and are not rate-limited."""
    return _env("FLEXMEASURES_MODE", "")


def plan_cache_seconds() -> int:
    """How long a container keeps an account's plan (its limits) before reading it again."""
    return _int("FLEXCLOUD_PLAN_CACHE_SECONDS", 60)


JOB_RESPONSE_STYLES = ("seed", "flexmeasures")


def job_response_style() -> str:
    """How triggers and the schedule GET answer while a job is pending: "seed" (200 PROCESSED, then 400 until
    done; the default, so existing scripts keep working) or "flexmeasures" (1.0.1: 202 ACCEPTED, then 202)."""
    raw = _env("FLEXCLOUD_JOB_RESPONSES", "seed")
    if raw not in JOB_RESPONSE_STYLES:
        raise ConfigurationError(f"FLEXCLOUD_JOB_RESPONSES must be one of {', '.join(JOB_RESPONSE_STYLES)}: {raw!r}")
    return raw


# FlexMeasures 1.0.1 reads the maximum incompatible client versions under this name, and the pre-1.0 name if unset.
MAX_INCOMPATIBLE_CLIENT_VERSION = "FLEXMEASURES_LEGACY_JOB_RESPONSES_MAX_INCOMPATIBLE_CLIENT_VERSION"
DEPRECATED_MAX_INCOMPATIBLE_CLIENT_VERSION = (
    "FLEXMEASURES_LEGACY_SCHEDULEACCEPTED_STATUS_MAX_INCOMPATIBLE_CLIENT_VERSION")
ASSUME_CLIENT_VERSION = "FLEXMEASURES_LEGACY_JOB_RESPONSES_ASSUME_THIS_CLIENT_VERSION"


def legacy_job_responses_max_incompatible_client_version() -> tuple[str, object]:
    """(setting name, JSON value): asset attribute name -> the highest client version that still gets the legacy
    (seed) job responses. A value that is not a mapping is returned as is; the caller ignores it, as FlexMeasures
    does."""
    for name in (MAX_INCOMPATIBLE_CLIENT_VERSION, DEPRECATED_MAX_INCOMPATIBLE_CLIENT_VERSION):
        value = _json_or_none(name)
        if value:
            return name, value
    return MAX_INCOMPATIBLE_CLIENT_VERSION, {}


def legacy_job_responses_assumed_client_version() -> object:
    """QA's fallback: asset attribute name -> the client version to assume where no asset sets it."""
    value = _json_or_none(ASSUME_CLIENT_VERSION)
    return {} if value is None else value


def job_retry_after_seconds() -> int:
    """The Retry-After (whole seconds) sent with every 202 for a pending job."""
    return max(1, _int("FLEXCLOUD_JOB_RETRY_AFTER", 1))


def job_status_wait_seconds() -> float:
    """How long GET /jobs/<uuid> may hold a pending job's request for it to end (long polling). 0, the default,
    answers at once as FlexMeasures does; a client that waits seconds between polls (flexmeasures-client: 2 s
    first) then sees a short job end on its first poll. Held requests cost API Lambda time and job reads."""
    raw = _env("FLEXCLOUD_JOB_STATUS_WAIT", "0")
    try:
        value = float(raw)
    except ValueError as exc:
        raise ConfigurationError(f"FLEXCLOUD_JOB_STATUS_WAIT must be a number of seconds, got {raw!r}") from exc
    if not 0 <= value <= 25:  # API Gateway ends a request after 29 s
        raise ConfigurationError(f"FLEXCLOUD_JOB_STATUS_WAIT must be within 0..25 seconds, got {raw!r}")
    return value


def _json_or_none(name: str) -> object:
    raw = _env(name)
    if raw is None:
        return None
    try:
        return json.loads(raw)
    except ValueError as exc:
        raise ConfigurationError(f"{name} is not JSON: {exc}") from exc


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


def _flag(name: str, default: bool) -> bool:
    raw = _env(name)
    return default if raw is None else raw.lower() in ("1", "true", "yes", "on")
