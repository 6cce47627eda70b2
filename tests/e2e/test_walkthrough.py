"""The README's walkthrough, run as printed: its shell blocks between the walkthrough markers, in bash, against a
fresh local stack; it must reach a schedule with values and a chart with data.

The one change made to the text: the two lines a reader fills in from `make run`'s banner (`API=`, `PASSWORD=`)
get this stack's address and admin password.
"""
from __future__ import annotations

import json
import re
import shutil
import subprocess

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
