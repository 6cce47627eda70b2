"""The README's walkthrough, run as printed: its shell blocks between the walkthrough markers, in bash, against a
fresh local stack; it must reach a schedule with values and a chart with data.

The one change made to the text: the two lines a reader fills in from `make run`'s banner (`API=`, `PASSWORD=`)
get this stack's address and admin password.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys

import pytest

from tests.e2e.conftest import ROOT

pytestmark = pytest.mark.e2e

START, END = "<!-- walkthrough:start -->", "<!-- walkthrough:end -->"


def walkthrough_blocks(readme: str) -> list[str]:
    """The ```sh blocks between the walkthrough markers, in order."""
    assert readme.count(START) == 1 and readme.count(END) == 1, "README.md needs one pair of walkthrough markers"
    section = readme[readme.index(START):readme.index(END)]
    return re.findall(r"^```sh\n(.*?)^```$", section, flags=re.S | re.M)


def filled_in(script: str, api: str, password: str) -> str:
    lines = script.splitlines()
    for prefix, value in (("API=", api), ("PASSWORD=", password)):
        (index,) = [i for i, line in enumerate(lines) if line.startswith(prefix)]
        lines[index] = f"{prefix}'{value}'"
    return "\n".join(lines) + "\n"


def test_the_walkthrough_blocks_are_there():
    blocks = walkthrough_blocks((ROOT / "README.md").read_text())
    script = "\n".join(blocks)
    assert len(blocks) >= 7
    for step in ("requestAuthToken", "/v3_0/assets", "/v3_0/sensors", "/data", "/schedules/trigger",
                 "/schedules/$JOB", "/chart?"):
        assert step in script, step


def test_the_walkthrough_reaches_a_schedule_and_a_chart(local_stack, tmp_path):
    assert shutil.which("python3"), "the walkthrough picks JSON values with python3"
    script = filled_in("\n".join(walkthrough_blocks((ROOT / "README.md").read_text())),
                       local_stack.base_url, local_stack.admin_password)
    done = subprocess.run(["bash", "-e", "-o", "pipefail", "-c", script], cwd=tmp_path, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, f"the walkthrough failed:\n{done.stdout}\n{done.stderr}"
    assert re.search(r"job \S+: FINISHED", done.stdout), done.stdout
    schedule = json.loads((tmp_path / "schedule.json").read_text())
    assert len(schedule["values"]) == 96 and schedule["unit"] == "kW"
    assert any(v > 0 for v in schedule["values"]) and any(v < 0 for v in schedule["values"])  # buys low, sells high
    assert "96 values from 2025-12-31T23:00:00+00:00" in done.stdout
    chart = json.loads((tmp_path / "chart.json").read_text())
    (rows,) = chart["datasets"].values()
    assert {row["sensor"]["name"] for row in rows} == {"day-ahead price", "power"}


def _samples_section(readme: str) -> str:
    section = readme[readme.index("## Asset KPIs and charts"):]
    return section[:section.index("Where the contract is silent")]


def test_make_demo_then_the_chart_and_kpi_samples_as_printed(local_stack, tmp_path):
    """`make demo` on the running stack, then the README's chart and KPI sample blocks with its SITE line (the
    SVG rendering line is left out: it needs the dev set's vl-convert, and `make demo` is about the data)."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "FLEXCLOUD_"))}
    # This interpreter, not .venv's: the test may run from a work tree without its own venv.
    demo = subprocess.run([shutil.which("make"), "-s", "demo", f"LOCAL_ENV={local_stack.connection_file}",
                           f"PY={sys.executable}", "RUN_STAMP="], cwd=ROOT, env=environ, capture_output=True,
                          text=True, timeout=120)
    assert demo.returncode == 0, demo.stderr
    site_line = next(line for line in demo.stdout.splitlines() if line.startswith("SITE="))
    blocks = re.findall(r"^```bash\n(.*?)^```$", _samples_section((ROOT / "README.md").read_text()),
                        flags=re.S | re.M)
    assert len(blocks) == 2
    samples = "\n".join(line for block in blocks for line in block.splitlines()
                        if not line.startswith(".venv/bin/python"))
    script = f"API='{local_stack.base_url}'\nTOKEN='{local_stack.token()}'\n{site_line}\n{samples}\n"
    done = subprocess.run(["bash", "-e", "-o", "pipefail", "-c", script], cwd=tmp_path, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    chart = json.loads((tmp_path / "chart.json").read_text())
    (rows,) = chart["datasets"].values()
    assert len([row for row in rows if row["sensor"]["name"] == "day-ahead price"]) == 96
    kpis = json.loads(done.stdout)
    assert kpis["data"][0]["title"] == "Mean day-ahead price" and kpis["data"][0]["downsample_value"] > 0
