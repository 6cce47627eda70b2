"""tests/unit stays pure: a test here that uses moto (imports it, or asks for the `aws`, `_moto` or `api` fixture)
belongs in tests/integration or tests/api."""
from __future__ import annotations

from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
MOTO_FIXTURES = {"_moto", "aws", "api"}


def _imports_moto(module) -> bool:
    return any((getattr(value, "__module__", None) or getattr(value, "__name__", "")).split(".")[0] == "moto"
               for value in vars(module).values())


def pytest_collection_modifyitems(items):
    for item in items:
        if HERE not in Path(item.fspath).resolve().parents:
            continue
        if MOTO_FIXTURES & set(item.fixturenames) or _imports_moto(item.module):
            raise pytest.UsageError(f"{item.nodeid} uses moto: move it to tests/integration or tests/api")
