"""GET /api/v3_0/docs in headless Chromium (Debian's package) against the local stack: Swagger UI renders, from
the API's own files, every operation of the service listing.

`make test` installs Chromium as root (infra/venv.py); without it the test skips and says why (fails in CI,
where FLEXCLOUD_REQUIRE_BROWSER is set).
"""
from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
import requests

from infra.venv import BROWSER, BROWSER_PACKAGE

pytestmark = pytest.mark.e2e


def _browser() -> str:
    found = BROWSER if Path(BROWSER).exists() else shutil.which(BROWSER_PACKAGE)
    if not found:
        if os.environ.get("FLEXCLOUD_REQUIRE_BROWSER"):  # CI: `make test` must have installed it
            pytest.fail(f"{BROWSER} is missing: infra/venv.py test installs it as root")
        pytest.skip(f"headless Chromium test skipped: {BROWSER} is missing (`make test` installs it as root; or "
                    f"`apt-get install {BROWSER_PACKAGE}`)")
    return found


def _rendered_dom(url: str) -> str:
    """The page's DOM after its scripts ran (virtual time lets Swagger UI fetch and render the document)."""
    with tempfile.TemporaryDirectory(prefix="flexcloud-chromium-") as profile:
        done = subprocess.run(
            [_browser(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
             "--no-first-run", f"--user-data-dir={profile}", "--virtual-time-budget=20000", "--dump-dom", url],
            capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def _operations_shown(dom: str) -> set[tuple[str, str]]:
    """(METHOD, path) of each operation block Swagger UI rendered."""
    shown = set()
    for block in dom.split('id="operations-')[1:]:
        method = re.search(r'opblock-summary-method">(\w+)<', block)
        path = re.search(r'data-path="([^"]+)"', block)
        if method and path:
            shown.add((method.group(1).upper(), html.unescape(path.group(1))))
    return shown


def test_swagger_ui_lists_every_operation(local_stack):
    listing = requests.get(f"{local_stack.base_url}/v3_0", timeout=10).json()["services"]
    dom = _rendered_dom(f"{local_stack.base_url}/v3_0/docs")
    assert 'class="swagger-ui' in dom, dom[:2000]
    shown = _operations_shown(dom)
    expected = {(s["name"].split(" ")[0], "/v3_0" + re.sub(r"<(\w+)>", r"{\1}", s["name"].split(" ", 1)[1]))
                for s in listing}
    assert expected - shown == set(), f"operations missing from the page: {sorted(expected - shown)}"
    assert ("POST", "/requestAuthToken") in shown  # outside /v3_0, so not in the listing, but documented
    document = requests.get(f"{local_stack.base_url}/v3_0/openapi.json", timeout=10).json()
    assert shown == {(method.upper(), path) for path, methods in document["paths"].items() for method in methods}
    assert "flexcloud: FlexMeasures API v3_0" in dom
