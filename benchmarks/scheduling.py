"""Scheduling benchmark: warm build/solve/total medians, binaries, CBC runs and the cold first call per problem.

Run: `.venv/bin/python -m benchmarks.scheduling [--runs 5]`. The problems are P1 and P2
(../shared/bench/README.md, whose costs and full scheduler times from FlexMeasures are compared), and two
synthetic ones over 2,520 quarter-hours (FlexMeasures' maximum planning horizon): P1's battery with a
day-ahead-like price, and the same with prices 40 EUR/MWh lower, so that a fifth of the steps are negative and
the battery would charge and discharge at once without binaries.

- warm: medians over `--runs` calls in one process after a warm-up call. `total` is the whole call (problem
  file parsed, problem, matrix model and PuLP problem built, CBC runs, schedules read back); `solve` is PuLP's
  CBC runs (its MPS file written, CBC, its solution read back), `CBC CPU` the CPU seconds of CBC's processes
  alone; `build` is the rest.
- cold: the first call in a fresh process, imports included (`imports` + `call`).
"""
from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from chalicelib.scheduling.offline import sensor_data_from_map
from chalicelib.scheduling.request import AssetTriggerBody, ScheduleRequest
from chalicelib.scheduling.schedule import ScheduleResult, compute_schedule

ROOT = Path(__file__).resolve().parents[1]
# Copies of shared/bench, kept in the repo so the benchmark runs from any clone.
BENCH_DIR = ROOT / "tests" / "fixtures" / "bench"
FLEXMEASURES = {"P1": (-658.143045, 1.14), "P2": (368.145314, 1.48)}  # energy cost (EUR), full scheduler (s)
MAX_STEPS = 2520
AIM = 1 / 20  # warm total over FlexMeasures' full scheduler time
COLD = """\
import time
began = time.perf_counter()
import json, sys
from benchmarks.scheduling import solve_once
imported = time.perf_counter()
solve_once(json.load(open(sys.argv[1], encoding="utf-8")))
print(json.dumps({"imports": imported - began, "call": time.perf_counter() - imported}))
"""


def long_horizon_problem(steps: int = 2520, shift: float = 0.0) -> dict:
    """P1's battery over `steps` quarter-hours; prices follow a daily double hump with a weekly drift, lowered
    by `shift` EUR/MWh."""
    start = datetime(2026, 3, 2, tzinfo=timezone(timedelta(hours=1)))
    prices = []
    for j in range(steps):
        hour = (j / 4) % 24
        day = j / 96
        price = 70 + 30 * math.sin(2 * math.pi * (hour - 7) / 24) + 20 * math.sin(2 * math.pi * (hour - 15) / 12)
        price += 15 * math.sin(2 * math.pi * day / 7) + 7 * math.sin(1.7 * j)  # deterministic "noise"
        prices.append(round(price - shift, 2))
    return {
        "start": start.isoformat(), "duration": f"PT{steps * 15}M",
        "flex-model": [{"sensor": 1, "soc-at-start": "0.5 MWh", "soc-min": "0.1 MWh", "soc-max": "1.9 MWh",
                        "power-capacity": "1.0 MW", "charging-efficiency": "95%", "discharging-efficiency": "95%",
                        "prefer-charging-sooner": False, "prefer-curtailing-later": False}],
        "flex-context": {"consumption-price": {"sensor": 2}, "relax-constraints": False},
        "sensors": {"1": {"unit": "MW", "event_resolution": "PT15M", "values": []},
                    "2": {"unit": "EUR/MWh", "event_resolution": "PT15M", "start": start.isoformat(),
                          "values": prices}},
    }


def problems() -> dict[str, dict]:
    found = {}
    for name in ("P1", "P2"):
        with open(BENCH_DIR / f"{name}.json", encoding="utf-8") as handle:
            found[name] = json.load(handle)
    found["battery 2520"] = long_horizon_problem()
    found["negative prices 2520"] = long_horizon_problem(shift=40.0)
    return found


def solve_once(problem: dict) -> ScheduleResult:
    """One offline call: the problem file parsed and scheduled (as `solve FILE` does)."""
    body = {key: value for key, value in problem.items() if key != "sensors"}
    request = ScheduleRequest.from_asset_trigger(AssetTriggerBody.model_validate(body))
    return compute_schedule(request, sensor_data_from_map(problem["sensors"]), default_duration=timedelta(hours=48),
                            max_steps=MAX_STEPS)


def warm(problem: dict, runs: int) -> tuple[dict[str, float], ScheduleResult]:
    solve_once(problem)  # warm-up: imports, the unit registry, CBC's page cache
    figures, result = [], None
    for _ in range(runs):
        began = time.perf_counter()
        result = solve_once(problem)
        total = time.perf_counter() - began
        figures.append({"total": total, "solve": result.timings["solve"], "cbc": result.timings["cbc"],
                        "build": total - result.timings["solve"]})
    return {key: statistics.median(f[key] for f in figures) for key in figures[0]}, result


def cold(problem: dict) -> dict[str, float]:
    """The first call in a fresh interpreter (bytecode already compiled, as in the package)."""
    with tempfile.TemporaryDirectory() as scratch:
        path = os.path.join(scratch, "problem.json")
        with open(path, "w", encoding="utf-8") as handle:
            json.dump(problem, handle)
        began = time.perf_counter()
        output = subprocess.run([sys.executable, "-c", COLD, path], cwd=ROOT, check=True,
                                capture_output=True, text=True).stdout
        process = time.perf_counter() - began
    return {**json.loads(output), "process": process}


def row(name: str, problem: dict, runs: int) -> list[str]:
    medians, result = warm(problem, runs)
    first = cold(problem)
    stats = result.solver_stats
    cost = result.costs["energy"]
    reference, fm_seconds = FLEXMEASURES.get(name, (None, None))
    return [name, str(result.window.n), f"{medians['build']:.3f}", f"{medians['solve']:.3f}",
            f"{medians['cbc']:.3f}", f"{medians['total']:.3f}", f"{stats['binaries']}/{stats['switches']}",
            str(stats["cbc_runs"]), f"{cost:.6f}",
            "–" if reference is None else f"{reference:.6f}",
            "–" if reference is None else f"{abs(cost - reference) / abs(reference):.1e}",
            "–" if fm_seconds is None else f"{medians['total'] / fm_seconds:.3f}",
            f"{first['imports']:.3f} + {first['call']:.3f}"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    header = ["problem", "steps", "build s", "solve s", "CBC CPU s", "total s", "binaries", "CBC runs",
              "energy cost", "FlexMeasures", "rel. diff", "total / FM time", "cold: imports + call s"]
    print(f"warm medians of {args.runs}; aim: total / FM time <= {AIM:.2f}, rel. diff <= 1e-6")
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for name, problem in problems().items():
        print("| " + " | ".join(row(name, problem, args.runs)) + " |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
