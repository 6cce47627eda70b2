"""Scheduling benchmark: build, solve and total seconds (median of 5) for the bench problems and a long horizon.

Run: `.venv/bin/python -m benchmarks.scheduling [--runs 5]`. Energy costs are compared with FlexMeasures'
(../shared/bench/README.md); the long horizon is one battery over 2,520 quarter-hours (FlexMeasures' maximum
planning horizon) with a synthetic day-ahead-like price.
"""
from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

from chalicelib.scheduling.offline import solve_file

# Copies of shared/bench, kept in the repo so the benchmark runs from any clone.
BENCH_DIR = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "bench"
REFERENCE_ENERGY_COST = {"P1": -658.143045, "P2": 368.145314}


def long_horizon_problem(steps: int = 2520) -> dict:
    """P1's battery over `steps` quarter-hours; prices follow a daily double hump with a weekly drift."""
    start = datetime(2026, 3, 2, tzinfo=timezone(timedelta(hours=1)))
    prices = []
    for j in range(steps):
        hour = (j / 4) % 24
        day = j / 96
        price = 70 + 30 * math.sin(2 * math.pi * (hour - 7) / 24) + 20 * math.sin(2 * math.pi * (hour - 15) / 12)
        price += 15 * math.sin(2 * math.pi * day / 7) + 7 * math.sin(1.7 * j)  # deterministic "noise"
        prices.append(round(price, 2))
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


def measure(problem: dict, runs: int) -> tuple[dict[str, float], dict]:
    solve_file(problem, max_steps=2520)  # warm-up: imports, the unit registry, CBC's page cache
    timings, document = [], None
    for _ in range(runs):
        document = solve_file(problem, max_steps=2520)
        timings.append(document["timings"])
    medians = {key: statistics.median(t[key] for t in timings) for key in ("build", "solve", "total")}
    return medians, document


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    rows = []
    for name in ("P1", "P2"):
        with open(BENCH_DIR / f"{name}.json", encoding="utf-8") as handle:
            problem = json.load(handle)
        medians, document = measure(problem, args.runs)
        cost, reference = document["costs"]["energy"], REFERENCE_ENERGY_COST[name]
        rows.append((name, len(document["schedules"]["1"]["values"]), medians, f"{cost:.6f}", f"{reference:.6f}",
                     f"{abs(cost - reference) / abs(reference):.1e}"))
    medians, document = measure(long_horizon_problem(), args.runs)
    rows.append(("battery 2520", len(document["schedules"]["1"]["values"]), medians,
                 f"{document['costs']['energy']:.6f}", "-", "-"))
    header = ("problem", "steps", "build s", "solve s", "total s", "energy cost", "FlexMeasures", "rel. diff")
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for name, steps, m, cost, reference, diff in rows:
        print(f"| {name} | {steps} | {m['build']:.3f} | {m['solve']:.3f} | {m['total']:.3f} | {cost} | {reference} "
              f"| {diff} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
