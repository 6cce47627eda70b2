"""`python -m chalicelib.cli solve FILE`: offline scheduling of a problem file, and CBC on a read-only package."""
from __future__ import annotations

import json
import os
import stat
import statistics
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fixtures import BENCH_DIR
from chalicelib.cli import main
from chalicelib.scheduling import cbc, offline

ROOT = Path(__file__).resolve().parents[2]


def run(capsys, *argv):
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_solve_prints_schedules_costs_and_timings(capsys):
    code, out, _ = run(capsys, "solve", str(BENCH_DIR / "P2.json"))
    assert code == 0
    document = json.loads(out)
    schedule = document["schedules"]["1"]
    assert schedule["unit"] == "MW" and schedule["resolution"] == "PT15M" and len(schedule["values"]) == 192
    assert schedule["start"] == "2026-03-01T23:00:00+00:00"
    assert document["costs"]["energy"] == pytest.approx(368.145314, rel=1e-6)
    assert set(document["costs"]) >= {"energy", "breach", "peak", "total"}
    assert set(document["timings"]) == {"build", "solve", "total"}
    assert all(value >= 0 for value in document["timings"].values())


def test_solve_repeat_prints_warm_medians_and_the_first_call(capsys, monkeypatch):
    calls = []
    original = offline.solve_file

    def recording(*args, **kwargs):
        document = original(*args, **kwargs)
        calls.append(dict(document["timings"]))
        return document

    monkeypatch.setattr(offline, "solve_file", recording)
    code, out, _ = run(capsys, "solve", str(BENCH_DIR / "P2.json"), "--repeat", "3")
    assert code == 0 and len(calls) == 4  # N + 1 solves in one process
    document = json.loads(out)
    timings = document["timings"]
    assert set(timings) == {"build", "solve", "total", "first_call"}
    for key in ("build", "solve", "total"):  # medians of the warm solves, the first one left out
        assert timings[key] == statistics.median(call[key] for call in calls[1:])
    assert timings["first_call"] >= calls[0]["total"]  # the first solve, plus the imports before it
    assert document["costs"]["energy"] == pytest.approx(368.145314, rel=1e-6)
    assert len(document["schedules"]["1"]["values"]) == 192


def test_solve_repeat_needs_a_positive_count(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["solve", str(BENCH_DIR / "P2.json"), "--repeat", "0"])
    assert exit_info.value.code == 2 and "must be at least 1" in capsys.readouterr().err


def test_the_cli_imports_no_scheduling_module_before_its_clock_starts():
    """So timings.first_call holds the import cost a fresh process pays for scheduling (pydantic is not in it: the
    CLI's other commands import it too)."""
    heavy = ("chalicelib.scheduling", "numpy", "pandas", "pint", "pulp")
    probe = (f"import sys, chalicelib.cli; print([m for m in sys.modules if m.startswith({heavy!r})])")
    loaded = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == "[]"


def test_solve_reports_bad_files_and_failures(capsys, tmp_path):
    missing = tmp_path / "missing.json"
    code, _, err = run(capsys, "solve", str(missing))
    assert code == 1 and "Cannot read problem file" in err
    invalid = tmp_path / "invalid.json"
    invalid.write_text(json.dumps({"start": "2026-01-01T00:00", "flex-model": [{"sensor": 1}]}))
    code, _, err = run(capsys, "solve", str(invalid))
    assert code == 1 and "Not a valid aware datetime." in err
    no_prices = tmp_path / "no_prices.json"
    no_prices.write_text(json.dumps({
        "start": "2026-01-01T00:00+00:00", "duration": "PT1H",
        "flex-model": [{"sensor": 1, "power-capacity": "1 MW"}], "flex-context": {"consumption-price": {"sensor": 2}},
        "sensors": {"1": {"unit": "MW", "event_resolution": "PT15M"},
                    "2": {"unit": "EUR/MWh", "event_resolution": "PT15M"}}}))
    code, _, err = run(capsys, "solve", str(no_prices))
    assert code == 1 and "UnknownPricesException: Prices unknown for planning window. (sensor 2)" in err


def test_cbc_is_copied_out_of_a_read_only_package(tmp_path):
    package = tmp_path / "package"
    package.mkdir()
    source = package / "cbc"
    source.write_bytes(open(cbc.bundled_cbc(), "rb").read())
    os.chmod(source, stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)  # as unzipped on Lambda: no exec bit
    os.chmod(package, stat.S_IRUSR | stat.S_IXUSR)  # read-only directory
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    try:
        path = cbc.cbc_path(str(source), str(scratch))
        assert path.startswith(str(scratch)) and os.access(path, os.X_OK)
        assert open(path, "rb").read() == source.read_bytes()
        assert cbc.cbc_path(str(source), str(scratch)) == path  # once per container
        os.remove(path)
        assert cbc.cbc_path(str(source), str(scratch)) == path and os.access(path, os.X_OK)  # /tmp was wiped
    finally:
        os.chmod(package, stat.S_IRWXU)


def test_an_executable_cbc_is_used_in_place(tmp_path):
    assert cbc.cbc_path(cbc.bundled_cbc(), str(tmp_path)) == cbc.bundled_cbc()
    assert not list(tmp_path.iterdir())


def test_solving_with_the_copied_cbc(tmp_path, monkeypatch):
    from tests.unit.scheduling_fixtures import solve_problem_file

    source = tmp_path / "cbc"
    source.write_bytes(open(cbc.bundled_cbc(), "rb").read())
    os.chmod(source, stat.S_IRUSR)
    monkeypatch.setattr(cbc, "bundled_cbc", lambda: str(source))
    monkeypatch.setattr(cbc, "_resolved", {})
    scratch = tmp_path / "scratch"
    original = cbc.cbc_path
    monkeypatch.setattr(cbc, "cbc_path", lambda source=None, scratch_dir=str(scratch): original(source, scratch_dir))
    command = cbc.cbc_command()
    assert type(command).__name__ == "COIN_CMD" and command.path == str(scratch / "flexcloud-cbc" / "cbc")
    with open(BENCH_DIR / "P1.json", encoding="utf-8") as handle:
        document = solve_problem_file(json.load(handle))
    assert document["costs"]["energy"] == pytest.approx(-658.143045, rel=1e-6)
    assert os.access(scratch / "flexcloud-cbc" / "cbc", os.X_OK)


def test_cbc_command_carries_the_solver_time_limit():
    command = cbc.cbc_command(17)
    assert command.timeLimit == 17 and command.optionsDict["timeMode"] == "elapsed"  # wall clock
    assert cbc.cbc_command().timeLimit is None


def test_cbc_command_proves_optimality_without_heuristics_or_preprocessing():
    command = cbc.cbc_command()
    assert type(command).__name__ == "COIN_CMD" and command.path == cbc.cbc_path()
    assert command.optionsDict["gapRel"] == 0 and not command.msg
    assert {"heuristics off", "preprocess off"} <= set(command.options)
    assert command.mip and not cbc.cbc_command(mip=False).mip
