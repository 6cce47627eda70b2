"""SnapStart runtime hooks: the snapshot holds every view and compiled schema; a restore refreshes what it must."""
from __future__ import annotations

import random
import subprocess
import sys

import snapshot_restore_py

from chalicelib import aws, snapstart
from chalicelib.auth import secret
from chalicelib.store import base
from chalicelib.store.models import User


def test_app_registers_the_hooks_only_while_lambda_initialises_for_snapstart():
    probe = "import app, snapshot_restore_py as s; print(len(s._before_snapshot_registry), len(s._after_restore_registry))"
    for init_type, expected in (("snap-start", "1 1"), ("on-demand", "0 0"), (None, "0 0")):
        env = {"FLEXCLOUD_TOKEN_SECRET": "x", "PATH": "/usr/bin:/bin"}
        if init_type:
            env["AWS_LAMBDA_INITIALIZATION_TYPE"] = init_type
        out = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True)
        assert out.stdout.split() == expected.split(), init_type


def test_before_the_snapshot_every_view_is_loaded_and_every_schema_compiled():
    probe = ("import sys, app; from chalicelib import snapstart; snapstart.prepare_snapshot(); "
             "from pydantic import BaseModel; "
             "views = {m for m in sys.modules if m.startswith('chalicelib.api.')}; "
             "models = [m for m in snapstart._subclasses(BaseModel) if m.__module__.startswith('chalicelib.')]; "
             "print(len(views), len(models), all(m.__pydantic_complete__ for m in models))")
    out = subprocess.run([sys.executable, "-c", probe], env={"FLEXCLOUD_TOKEN_SECRET": "x", "PATH": "/usr/bin:/bin"},
                         capture_output=True, text=True, check=True)
    views, models, compiled = out.stdout.split()
    assert int(views) >= 12 and int(models) >= 20 and compiled == "True"


def test_after_a_restore_randomness_secret_and_connections_are_fresh(monkeypatch):
    monkeypatch.setattr(snapshot_restore_py, "_after_restore_registry", [])
    monkeypatch.setattr(snapshot_restore_py, "_before_snapshot_registry", [])
    snapstart.register()
    assert snapshot_restore_py._after_restore_registry[0][0] is snapstart.refresh_after_restore

    snapshot = random.getstate()  # two environments restored from one snapshot start from this state
    random.setstate(snapshot)
    shared_draw = random.random()
    monkeypatch.setattr(secret, "_from_secrets_manager", _Cached(secret._from_secrets_manager))
    aws.client("sqs")
    User._get_connection()
    assert aws._client.cache_info().currsize and base._shared_connections and User._connection is not None

    random.setstate(snapshot)
    snapstart.refresh_after_restore()
    assert random.random() != shared_draw
    assert secret._from_secrets_manager.cleared
    assert aws._client.cache_info().currsize == 0
    assert base._shared_connections == {} and User._connection is None


class _Cached:
    def __init__(self, function):
        self.function, self.cleared = function, False

    def cache_clear(self):
        self.cleared = True
