"""Base PynamoDB model whose table name, region and endpoint follow the environment at call time."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from pynamodb.attributes import UTCDateTimeAttribute
from pynamodb.models import Model

from chalicelib import settings


class _FromEnv:
    """A Meta attribute computed on every access, so settings are never frozen at import."""

    def __init__(self, compute):
        self.compute = compute

    def __get__(self, obj: Any, owner: Any) -> Any:
        return self.compute()


def table_meta(name: str) -> type:
    """A PynamoDB Meta class for table `<prefix>-<name>` (on-demand billing)."""

    class Meta:
        table_name = _FromEnv(lambda: settings.table_name(name))
        region = _FromEnv(settings.aws_region)
        host = _FromEnv(settings.aws_endpoint_url)
        billing_mode = "PAY_PER_REQUEST"
        max_retry_attempts = 3

    Meta.short_name = name
    return Meta


# One botocore client per endpoint for all tables: building a client costs ~100 ms, which a cold
# Lambda would otherwise pay once per table it touches.
_shared_connections: dict[tuple, Any] = {}


def shared_connection(host: str | None, region: str | None):
    from pynamodb.connection import Connection

    key = (host, region)
    if key not in _shared_connections:
        _shared_connections[key] = Connection(region=region, host=host, max_retry_attempts=3)
    return _shared_connections[key]


def forget_connections() -> None:
    """Drop every connection (and its pooled sockets); the next call builds fresh ones (SnapStart restores)."""
    _shared_connections.clear()
    for model in _models(BaseModel):
        model._connection = None
        model._connection_key = None


def _models(cls: type) -> list[type]:
    found = []
    for sub in cls.__subclasses__():
        found += [sub, *_models(sub)]
    return found


class BaseModel(Model):
    """Uses the shared connection, and rebinds when the endpoint or table name changes (tests, local stack)."""

    class Meta:
        abstract = True

    @classmethod
    def _get_connection(cls):  # noqa: D401 - PynamoDB hook
        key = (cls.Meta.host, cls.Meta.region, cls.Meta.table_name)
        if getattr(cls, "_connection_key", None) == key and cls._connection is not None:
            return cls._connection
        cls._connection = None
        table_connection = super()._get_connection()
        shared = shared_connection(cls.Meta.host, cls.Meta.region)
        name = cls.Meta.table_name
        if name not in shared._tables:
            shared.add_meta_table(table_connection.connection.get_meta_table(name))
        table_connection.connection = shared
        cls._connection_key = key
        return table_connection

    @classmethod
    def get_or_none(cls, hash_key: Any, range_key: Any = None):
        """The item with this key, or None (PynamoDB's get raises instead)."""
        try:
            return cls.get(hash_key, range_key)
        except cls.DoesNotExist:
            return None

    @classmethod
    def batch_by_id(cls, ids) -> dict:
        """Items by their integer `id` hash key, one BatchGetItem for the lot (unknown ids are left out)."""
        wanted = sorted({int(i) for i in ids if i is not None})
        return {item.id: item for item in cls.batch_get(wanted)} if wanted else {}


class AwareDateTimeAttribute(UTCDateTimeAttribute):
    """Stores UTC; always hands back timezone-aware datetimes."""

    def serialize(self, value: datetime) -> str:
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return super().serialize(value.astimezone(timezone.utc))
