"""SnapStart runtime hooks: everything loaded before the snapshot; after a restore, fresh what must not be shared.

A SnapStart function is initialised once per published version; every execution environment then resumes a
copy of that memory. So before the snapshot the init loads every view and compiles every request schema (a
restored environment pays for neither), and after each restore it re-creates what is unique per environment or
may have changed since the snapshot: the random generator's state, the cached token-signing secret (it may
have been rotated), and every AWS client with its pooled connections (sockets from the snapshot are dead).
"""
from __future__ import annotations

import random

from pydantic import BaseModel
from snapshot_restore_py import register_after_restore, register_before_snapshot

from chalicelib import aws
from chalicelib.api.routes import ROUTES
from chalicelib.api.routing import load_views
from chalicelib.auth.secret import forget_cached_secrets
from chalicelib.store.base import forget_connections


def prepare_snapshot() -> None:
    load_views(ROUTES)
    for model in _subclasses(BaseModel):
        if model.__module__.startswith("chalicelib.") and not model.__pydantic_complete__:
            model.model_rebuild(force=True)


def refresh_after_restore() -> None:
    random.seed()
    forget_cached_secrets()
    aws.reset_clients()
    forget_connections()


def register() -> None:
    register_before_snapshot(prepare_snapshot)
    register_after_restore(refresh_after_restore)


def _subclasses(cls: type) -> list[type]:
    found = []
    for sub in cls.__subclasses__():
        found += [sub, *_subclasses(sub)]
    return found
