"""docs/openapi.json is the document the API serves, kept current; building it stays out of the cold start."""
from __future__ import annotations

import json

from chalicelib.api import openapi
from infra import render_openapi
from tests.infra.test_cold_start import _modules_after_full


def test_committed_document_is_up_to_date():
    assert render_openapi.main(["--check"]) == 0, "run `python -m infra.render_openapi` and commit docs/openapi.json"
    assert json.loads(render_openapi.COMMITTED.read_text()) == openapi.document()


def test_a_changed_document_makes_the_committed_file_stale(monkeypatch, capsys):
    changed = {**openapi.document(), "info": {"title": "changed", "version": "0"}}
    monkeypatch.setattr(openapi, "document", lambda: changed)
    assert render_openapi.main(["--check"]) == 1
    assert "docs/openapi.json is out of date" in capsys.readouterr().err


def test_cold_start_builds_no_document():
    loaded = _modules_after_full("import app")
    assert "chalicelib.api.openapi" not in loaded and "swagger_ui_bundle" not in loaded
    assert "chalicelib.api.openapi" in _modules_after_full(
        "import app; from chalicelib.api.routing import load_views; from chalicelib.api.routes import ROUTES; "
        "load_views(ROUTES)")
