"""The stored format of every entity (one PynamoDB model per DynamoDB table).

Indexes exist for every listing the API does, so no endpoint scans a table: accounts by
consultancy, users by email and account, assets by account and parent, sensors by asset,
audit rows by subject and by affected account, annotations by the entity they are on, jobs by asset; webhook
endpoints are keyed by account, their deliveries by endpoint. Belief chunks, the job cache, schedule results and
rate counters are keyed for their one lookup each (see store/beliefs.py, store/jobs.py, store/schedule_results.py,
store/rate_counters.py); plans are read by id (only the ops CLI lists them).
"""
from __future__ import annotations

from pynamodb.attributes import (BinaryAttribute, BooleanAttribute, JSONAttribute, ListAttribute, NumberAttribute,
                                 UnicodeAttribute)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex

from chalicelib.store.base import AwareDateTimeAttribute, BaseModel, table_meta


def _gsi(index_name: str, hash_key: str, hash_type, range_key: str | None = None, range_type=None):
    """Declare a GSI class (all attributes projected) on the given key attribute(s)."""
    attrs = {
        "Meta": type("Meta", (), {"index_name": index_name, "projection": AllProjection()}),
        hash_key: hash_type(hash_key=True),
    }
    if range_key:
        attrs[range_key] = range_type(range_key=True)
    return type(f"{index_name.title().replace('-', '')}Index", (GlobalSecondaryIndex,), attrs)()


class Counter(BaseModel):
    """Integer id sequences: FlexMeasures ids are integers and appear in entity addresses."""

    Meta = table_meta("counters")
    name = UnicodeAttribute(hash_key=True)
    value = NumberAttribute(default=0)


class UniqueKey(BaseModel):
    """Claims on unique values (`email#a@b.c`, `asset-type#battery`), written in the same transaction
    as the entity they guard so uniqueness holds under concurrency."""

    Meta = table_meta("uniques")
    key = UnicodeAttribute(hash_key=True)
    owner = UnicodeAttribute(null=True)


class Account(BaseModel):
    Meta = table_meta("accounts")
    id = NumberAttribute(hash_key=True)
    name = UnicodeAttribute()
    account_roles = ListAttribute(of=UnicodeAttribute, default=list)
    consultancy_account_id = NumberAttribute(null=True)
    # GSI key: consultancy id as a string ("none" when absent) to list a consultancy's clients.
    consultancy_key = UnicodeAttribute(default="none")
    primary_color = UnicodeAttribute(null=True)
    secondary_color = UnicodeAttribute(null=True)
    logo_url = UnicodeAttribute(null=True)
    attributes = JSONAttribute(default=dict)
    plan_id = NumberAttribute(null=True)  # FlexMeasures' Account.plan_id: the Plan whose limits apply
    by_consultancy = _gsi("by-consultancy", "consultancy_key", UnicodeAttribute)


class Plan(BaseModel):
    """FlexMeasures' Plan: rate limits (and quotas, not enforced, as in FlexMeasures) for the accounts on it.

    A limit is a Flask-Limiter string ("60 per 5 minutes"), "unlimited", or null for the server's setting.
    """

    Meta = table_meta("plans")
    id = NumberAttribute(hash_key=True)
    name = UnicodeAttribute()
    default_rate_limit = UnicodeAttribute(null=True)
    trigger_rate_limit = UnicodeAttribute(null=True)
    rate_limit_key = UnicodeAttribute(null=True)  # "account+asset", "account" or "user"
    max_users = NumberAttribute(null=True)
    max_assets = NumberAttribute(null=True)
    max_clients = NumberAttribute(null=True)
    legacy = BooleanAttribute(default=False)


class RateCounter(BaseModel):
    """Requests counted against one limit in one fixed window: `<scope>/<who>/<seconds>s/<window start>`.

    The window is in the key, so an expired count is never read again; TTL removes it later.
    """

    Meta = table_meta("rate_counters")
    key = UnicodeAttribute(hash_key=True)
    hits = NumberAttribute(default=0)
    expires_at = NumberAttribute()  # epoch seconds, the window's end; DynamoDB TTL


class User(BaseModel):
    Meta = table_meta("users")
    id = NumberAttribute(hash_key=True)
    email = UnicodeAttribute()
    username = UnicodeAttribute()
    account_id = NumberAttribute()
    roles = ListAttribute(of=UnicodeAttribute, default=list)
    password_hash = UnicodeAttribute(null=True)
    fs_uniquifier = UnicodeAttribute()
    active = BooleanAttribute(default=True)
    timezone = UnicodeAttribute(default="Europe/Amsterdam")
    last_login_at = AwareDateTimeAttribute(null=True)
    login_count = NumberAttribute(default=0)
    last_seen_at = AwareDateTimeAttribute(null=True)
    default_asset_view = UnicodeAttribute(null=True)
    keep_legends_below_graphs = BooleanAttribute(null=True)  # FlexMeasures 1.0's per-user legend placement
    by_email = _gsi("by-email", "email", UnicodeAttribute)
    by_account = _gsi("by-account", "account_id", NumberAttribute)


class AssetType(BaseModel):
    Meta = table_meta("asset_types")
    id = NumberAttribute(hash_key=True)
    name = UnicodeAttribute()
    description = UnicodeAttribute(null=True)


class Asset(BaseModel):
    Meta = table_meta("assets")
    id = NumberAttribute(hash_key=True)
    name = UnicodeAttribute()
    account_id = NumberAttribute(null=True)  # null = public asset
    # GSI keys as strings, because DynamoDB does not index absent attributes: "public" / "top".
    account_key = UnicodeAttribute()
    parent_key = UnicodeAttribute()
    parent_asset_id = NumberAttribute(null=True)
    generic_asset_type_id = NumberAttribute()
    latitude = NumberAttribute(null=True)
    longitude = NumberAttribute(null=True)
    attributes = JSONAttribute(default=dict)
    sensors_to_show = JSONAttribute(default=list)
    flex_context = JSONAttribute(default=dict)
    sensors_to_show_as_kpis = JSONAttribute(default=list)
    # [CURRENT] clients (flexmeasures-client add_asset) may send one; kept, not shown by the [SEED] JSON.
    flex_model = JSONAttribute(null=True)
    description = UnicodeAttribute(null=True)  # FlexMeasures 1.0.1
    external_id = UnicodeAttribute(null=True)  # FlexMeasures 1.0.1: the asset's id in another system
    by_account = _gsi("by-account", "account_key", UnicodeAttribute, "id", NumberAttribute)
    by_parent = _gsi("by-parent", "parent_key", UnicodeAttribute, "id", NumberAttribute)


class Sensor(BaseModel):
    Meta = table_meta("sensors")
    id = NumberAttribute(hash_key=True)
    name = UnicodeAttribute()
    unit = UnicodeAttribute()
    timezone = UnicodeAttribute(default="UTC")
    event_resolution_minutes = NumberAttribute(default=0)
    attributes = JSONAttribute(default=dict)
    generic_asset_id = NumberAttribute()
    # Denormalised owner, so permission checks on a sensor need one lookup of its asset at most.
    account_id = NumberAttribute(null=True)
    by_asset = _gsi("by-asset", "generic_asset_id", NumberAttribute, "id", NumberAttribute)
    # Sparse (public sensors have no account_id): lists an account's sensors in one query, so an
    # asset listing never asks per asset.
    by_account = _gsi("by-account", "account_id", NumberAttribute, "id", NumberAttribute)


class DataSource(BaseModel):
    Meta = table_meta("sources")
    id = NumberAttribute(hash_key=True)
    name = UnicodeAttribute()
    type = UnicodeAttribute()
    model = UnicodeAttribute(null=True)
    version = UnicodeAttribute(null=True)
    user_id = NumberAttribute(null=True)
    account_id = NumberAttribute(null=True)
    attributes = JSONAttribute(default=dict)


class AuditEntry(BaseModel):
    """One audit row; `subject` is `asset#12`, `user#3` or `account#5`, the range key orders rows in time."""

    Meta = table_meta("audit_log")
    subject = UnicodeAttribute(hash_key=True)
    sort_key = UnicodeAttribute(range_key=True)  # "<iso utc time>#<uuid>"
    event_datetime = AwareDateTimeAttribute()
    event = UnicodeAttribute()
    active_user_id = NumberAttribute(null=True)
    active_user_name = UnicodeAttribute(null=True)
    affected_user_id = NumberAttribute(null=True)
    affected_account_id = NumberAttribute(null=True)
    affected_asset_id = NumberAttribute(null=True)
    # Sparse: user and account rows that name an account, which GET /accounts/<id>/auditlog lists.
    by_affected_account = _gsi("by-affected-account", "affected_account_id", NumberAttribute,
                               "sort_key", UnicodeAttribute)


class Annotation(BaseModel):
    """FlexMeasures' Annotation, once under `subject` "annotation" and once more under every account, asset or sensor
    it is on (`account#1`, `asset#12`, `sensor#3`), so one query lists an entity's annotations. Annotations never
    change once written, so the copies cannot drift."""

    Meta = table_meta("annotations")
    subject = UnicodeAttribute(hash_key=True)
    id = NumberAttribute(range_key=True)
    start = AwareDateTimeAttribute()
    end = AwareDateTimeAttribute()
    belief_time = AwareDateTimeAttribute(null=True)
    source_id = NumberAttribute()
    type = UnicodeAttribute()
    content = UnicodeAttribute()


class Job(BaseModel):
    """A scheduling job: durable state for the trigger, the solver worker and the GET endpoints."""

    Meta = table_meta("jobs")
    id = UnicodeAttribute(hash_key=True)
    kind = UnicodeAttribute(default="scheduling")
    status = UnicodeAttribute(default="queued")
    asset_id = NumberAttribute(null=True)
    sensor_id = NumberAttribute(null=True)
    sensor_ids = ListAttribute(of=NumberAttribute, default=list)
    request = JSONAttribute(default=dict)
    meta = JSONAttribute(default=dict)
    enqueued_at = AwareDateTimeAttribute(null=True)
    started_at = AwareDateTimeAttribute(null=True)
    ended_at = AwareDateTimeAttribute(null=True)
    error = UnicodeAttribute(null=True)
    attempts = NumberAttribute(default=0)
    expires_at = NumberAttribute(null=True)  # epoch seconds; DynamoDB TTL
    by_asset = _gsi("by-asset", "asset_id", NumberAttribute)


class WebhookEndpoint(BaseModel):
    """An account's webhook endpoint: where job events go, which ones, for which of its assets (none = all)."""

    Meta = table_meta("webhooks")
    account_id = NumberAttribute(hash_key=True)
    id = NumberAttribute(range_key=True)
    url = UnicodeAttribute()
    events = ListAttribute(of=UnicodeAttribute, default=list)
    asset_ids = ListAttribute(of=NumberAttribute, default=list)
    secret_salt = UnicodeAttribute()  # the signing secret is derived from it and the deployment's key (auth/webhook_secrets.py)
    created_at = AwareDateTimeAttribute()
    created_by = NumberAttribute(null=True)


class WebhookDelivery(BaseModel):
    """One attempt to deliver one event to one endpoint (or the dead-letter queue's final word on it)."""

    Meta = table_meta("webhook_deliveries")
    webhook_id = NumberAttribute(hash_key=True)
    sort_key = UnicodeAttribute(range_key=True)  # "<iso utc time>#<delivery id>#<attempt>": newest last
    delivery_id = UnicodeAttribute()
    event = UnicodeAttribute()
    job_id = UnicodeAttribute()
    attempt = NumberAttribute()
    outcome = UnicodeAttribute()  # "delivered", "failed" (retried) or "dead-lettered"
    status_code = NumberAttribute(null=True)
    error = UnicodeAttribute(null=True)
    started_at = AwareDateTimeAttribute()
    ended_at = AwareDateTimeAttribute()
    expires_at = NumberAttribute()  # epoch seconds; DynamoDB TTL


class BeliefChunk(BaseModel):
    Meta = table_meta("beliefs")
    sensor_id = NumberAttribute(hash_key=True)
    chunk_key = UnicodeAttribute(range_key=True)  # "<YYYY-MM-DD>#<source id>#<part>"
    source_id = NumberAttribute()
    day = NumberAttribute()  # days since 1970-01-01 (UTC)
    part = NumberAttribute(default=0)
    version = NumberAttribute(default=1)
    count = NumberAttribute(default=0)
    offsets = BinaryAttribute(legacy_encoding=False)
    belief_times = BinaryAttribute(legacy_encoding=False)
    values = BinaryAttribute(legacy_encoding=False)


class JobCacheEntry(BaseModel):
    """Trigger fingerprint -> the job it created (for FlexMeasures' job cache)."""

    Meta = table_meta("job_cache")
    fingerprint = UnicodeAttribute(hash_key=True)
    job_id = UnicodeAttribute()
    expires_at = NumberAttribute()


class ScheduleResultItem(BaseModel):
    Meta = table_meta("schedule_results")
    job_id = UnicodeAttribute(hash_key=True)
    sensor_id = NumberAttribute(range_key=True)
    start = AwareDateTimeAttribute()
    resolution_seconds = NumberAttribute()  # the spacing of `values`
    instantaneous = BooleanAttribute(default=False)  # SoC: N+1 values at start … end
    unit = UnicodeAttribute()
    values = JSONAttribute(default=list)  # consumption positive, in `unit`
    kind = UnicodeAttribute(default="power")  # "power" or "state-of-charge"
    expires_at = NumberAttribute(null=True)


class Automation(BaseModel):
    """A recurring task on an asset (FlexMeasures' automations): a trigger's parameters run on a cron schedule."""

    Meta = table_meta("automations")
    id = NumberAttribute(hash_key=True)
    asset_id = NumberAttribute()
    type = UnicodeAttribute()  # "scheduling" or "forecasting"
    name = UnicodeAttribute()
    cronstr = UnicodeAttribute()
    timezone = UnicodeAttribute()
    active = BooleanAttribute(default=True)
    parameters = JSONAttribute(default=dict)
    config = JSONAttribute(default=dict)  # a forecast automation's forecaster config (FlexMeasures keeps it on its source)
    created_at = AwareDateTimeAttribute()
    created_by = NumberAttribute()  # the user whose permissions its runs carry
    cursor = AwareDateTimeAttribute(null=True)  # the latest run committed to; runs at or before it never run again
    schedule_revision = NumberAttribute(default=1)  # bumped when the recurrence changes
    last_job_id = UnicodeAttribute(null=True)
    by_asset = _gsi("by-asset", "asset_id", NumberAttribute)


ALL_MODELS: list[type[BaseModel]] = [Counter, UniqueKey, Account, Plan, RateCounter, User, AssetType, Asset, Sensor,
                                     DataSource, AuditEntry, Annotation, Job, JobCacheEntry, BeliefChunk,
                                     ScheduleResultItem, Automation, WebhookEndpoint, WebhookDelivery]
