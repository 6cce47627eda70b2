"""Data sources: the user source made on first use, the scheduler's, look-ups, and how they are described."""
from __future__ import annotations

from typing import Any, Iterable

from chalicelib import settings
from chalicelib.store.errors import DuplicateError
from chalicelib.store.ids import next_id
from chalicelib.store.models import DataSource
from chalicelib.store.uniques import claim_key, claim_owner, write_with_claims

SCHEDULER = "scheduler"
FORECASTER = "forecaster"
USER = "user"


def find(source_id: int) -> DataSource | None:
    return DataSource.get_or_none(int(source_id))


def list_all() -> list[DataSource]:
    # Sources are one per user plus a few per scheduler and forecaster version: tens to hundreds, like accounts.
    return sorted(DataSource.scan(), key=lambda s: s.id)


def get_many(ids: Iterable[int]) -> dict[int, DataSource]:
    return DataSource.batch_by_id(ids)


def _lookup_or_create(claim: str, make) -> DataSource:
    """The source named by `claim`, created once even when two requests race for it."""
    for _ in range(3):
        owner = claim_owner(claim)
        if owner is not None:
            source = find(int(owner))
            if source is not None:
                return source
        source = make(next_id("source"))
        try:
            write_with_claims(lambda tx: tx.save(source), [claim], owner=str(source.id))
            return source
        except DuplicateError:
            continue  # someone else created it first: read theirs
    raise RuntimeError(f"Could not look up or create data source {claim}")


# A user's source never changes once made, so a warm container remembers it (keyed by table, for tests).
_user_sources: dict[tuple[str, int], DataSource] = {}


def user_source(user: Any) -> DataSource:
    """The user's own data source (type "user", named after the user), created on first use."""

    key = (settings.table_name("sources"), int(user.id))
    if key not in _user_sources:
        _user_sources[key] = _lookup_or_create(
            claim_key("source-user", str(user.id)),
            lambda new_id: DataSource(new_id, name=user.username, type=USER, user_id=user.id,
                                      account_id=user.account_id))
    return _user_sources[key]


def existing_user_source(user: Any) -> DataSource | None:
    owner = claim_owner(claim_key("source-user", str(user.id)))
    return find(int(owner)) if owner else None


def scheduler_source(model: str = "StorageScheduler", version: str = "1", name: str = "FlexMeasures") -> DataSource:
    """The source under which a scheduler's results are stored (one per name, model and version)."""
    return _model_source(SCHEDULER, model, version, name)


def forecaster_source(model: str, version: str, name: str = "FlexMeasures") -> DataSource:
    """The source under which a forecaster's beliefs are stored (one per name, model and version)."""
    return _model_source(FORECASTER, model, version, name)


def _model_source(kind: str, model: str, version: str, name: str) -> DataSource:
    return _lookup_or_create(
        claim_key(f"source-{kind}", f"{name}#{model}#{version}"),
        lambda new_id: DataSource(new_id, name=name, type=kind, model=model, version=version))


def demo_source(name: str, source_type: str) -> DataSource:
    """The source of data made by a demo command (one per name)."""
    return _lookup_or_create(claim_key("source-demo", name),
                             lambda new_id: DataSource(new_id, name=name, type=source_type))


def description(source: Any) -> str:
    """FlexMeasures' source description: the name, plus "'s <model> <type|model> v<version>" for models."""
    if not source.model:
        return source.name
    kind = "model" if source.type and source.type in source.model.lower() else source.type
    text = f"{source.name}'s {source.model} {kind}"
    return f"{text} v{source.version}" if source.version else text


def as_dict(source: Any) -> dict[str, Any]:
    model = source.model or ""
    if model and source.version:
        model += f" (v{source.version})"
    kind = source.type if source.type in ("forecaster", "scheduler") else "other"
    return {"id": source.id, "name": source.name, "model": model, "type": kind, "description": description(source)}
