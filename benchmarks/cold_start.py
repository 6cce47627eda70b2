"""Prints the API Lambda's cold-start import cost: `import app` against importing pandas, pint, numpy and pulp.

Each figure is the median of several fresh interpreters (warm bytecode, as the package ships it),
as wall time and as CPU time (steadier when the machine is busy).
With a built package (build/package/deployment.zip, `make package`) it also times `import app` from
the unzipped package with bytecode writes off, as on Lambda's read-only /var/task, with and without
the bytecode the package ships.

    python benchmarks/cold_start.py [--runs N] [--top K]
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "build" / "package" / "deployment.zip"
HEAVY = ["pandas", "pint", "numpy", "pulp"]
ENV = {"FLEXCLOUD_TOKEN_SECRET_ID": "flexcloud/dev/token-secret", "AWS_DEFAULT_REGION": "eu-west-1"}


def import_ms(modules: list[str], path: Path = ROOT, runs: int = 7,
              no_bytecode_writes: bool = False) -> tuple[float, float]:
    """Median wall and CPU milliseconds of importing `modules` in a fresh interpreter, `path` first on
    sys.path. CPU time is the steadier figure on a shared machine; wall time is what a client waits."""
    code = ("import sys, time; sys.path.insert(0, sys.argv[1]); w, c = time.perf_counter(), time.process_time(); "
            f"import {', '.join(modules)}; "
            "print((time.perf_counter() - w) * 1000, (time.process_time() - c) * 1000)")
    flags = ["-B"] if no_bytecode_writes else []
    env = {**os.environ, **ENV}
    walls, cpus = [], []
    for _ in range(runs + 1):  # the first run may write bytecode: discarded
        out = subprocess.run([sys.executable, *flags, "-c", code, str(path)], cwd=path, env=env,
                             capture_output=True, text=True, check=True).stdout.split()
        walls.append(float(out[0]))
        cpus.append(float(out[1]))
    return statistics.median(walls[1:]), statistics.median(cpus[1:])


def heaviest_packages(top: int) -> list[tuple[int, str]]:
    """Where `import app` spends its time: self time (python -X importtime) summed per top-level package."""
    result = subprocess.run([sys.executable, "-X", "importtime", "-c", "import app"], cwd=ROOT,
                            env={**os.environ, **ENV}, capture_output=True, text=True, check=True)
    totals: dict[str, int] = {}
    for line in result.stderr.splitlines():
        parts = line.removeprefix("import time:").split("|")
        if len(parts) == 3 and parts[0].strip().isdigit():
            package = parts[2].strip().split(".")[0]
            totals[package] = totals.get(package, 0) + int(parts[0])
    return sorted(((micros, name) for name, micros in totals.items()), reverse=True)[:top]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--top", type=int, default=8)
    args = parser.parse_args()
    app = import_ms(["app"], runs=args.runs)
    heavy = import_ms(HEAVY, runs=args.runs)
    print("                                   wall ms   CPU ms")
    print(f"import app:                       {app[0]:7.1f}  {app[1]:7.1f}")
    print(f"import {', '.join(HEAVY)}:  {heavy[0]:7.1f}  {heavy[1]:7.1f}")
    print(f"ratio app / heavy packages:       {app[0] / heavy[0]:7.2f}  {app[1] / heavy[1]:7.2f}")
    if PACKAGE.exists():
        with tempfile.TemporaryDirectory() as unpacked:
            zipfile.ZipFile(PACKAGE).extractall(unpacked)
            packaged = import_ms(["app"], Path(unpacked), runs=args.runs, no_bytecode_writes=True)
            for cache in list(Path(unpacked).rglob("__pycache__")):
                shutil.rmtree(cache)
            from_source = import_ms(["app"], Path(unpacked), runs=args.runs, no_bytecode_writes=True)
        print(f"import app from the package:      {packaged[0]:7.1f}  {packaged[1]:7.1f}  ({PACKAGE.relative_to(ROOT)})")
        print(f"  the same without its bytecode:  {from_source[0]:7.1f}  {from_source[1]:7.1f}  (compiled per cold start)")
    print("where import app spends its time (self ms per top-level package, -X importtime):")
    for micros, name in heaviest_packages(args.top):
        print(f"  {micros / 1000:7.1f}  {name}")


if __name__ == "__main__":
    main()
