"""The API Lambda's cold start: importing `app` loads none of the heavy numeric packages."""
from __future__ import annotations

import json
import os
import subprocess
import sys

from infra.resources import ROOT

HEAVY = {"pandas", "pint", "numpy", "pulp"}


def _modules_after(code: str) -> set[str]:
    return {name.split(".")[0] for name in _modules_after_full(code)}


def _modules_after_full(code: str) -> set[str]:
    """Every module (dotted names) loaded after running `code` in a fresh interpreter."""
    env = {**os.environ, "FLEXCLOUD_TOKEN_SECRET_ID": "flexcloud/dev/token-secret"}
    env.pop("FLEXCLOUD_TOKEN_SECRET", None)
    result = subprocess.run([sys.executable, "-c", f"{code}; import json, sys; print(json.dumps(sorted(sys.modules)))"],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return set(json.loads(result.stdout.splitlines()[-1]))


def test_importing_app_loads_no_heavy_package():
    loaded = _modules_after("import app")
    assert "chalicelib" in loaded and "pynamodb" in loaded
    assert not HEAVY & loaded, f"imported at cold start: {sorted(HEAVY & loaded)}"


def test_the_check_sees_a_heavy_import():
    assert "pint" in _modules_after("import app; from chalicelib.timeseries.units import parse_unit; parse_unit('kW')")
