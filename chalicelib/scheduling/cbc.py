"""One CBC run (an MPS file in; status and column values out) with the CBC binary from the PuLP wheel, made
executable: on Lambda the package is read-only and zips drop exec bits, so it is copied once per container to
/tmp and marked executable there."""
from __future__ import annotations

import os
import shutil
import stat
import subprocess
import tempfile
import time
from dataclasses import dataclass

import numpy as np

from chalicelib.scheduling.errors import SolverError

# CBC's -sec is checked between phases; past it plus this margin the process is killed.
KILL_MARGIN_SECONDS = 10.0

_resolved: dict[tuple[str, str], str] = {}


def bundled_cbc() -> str:
    from pulp.apis.coin_api import pulp_cbc_path

    return os.path.normpath(pulp_cbc_path)


def cbc_path(source: str | None = None, scratch_dir: str = "/tmp") -> str:
    """An executable CBC: the bundled one if it may run, else a copy in `scratch_dir` (cached per process)."""
    source = source or bundled_cbc()
    key = (source, scratch_dir)
    if key in _resolved and os.access(_resolved[key], os.X_OK):
        return _resolved[key]
    if not os.path.isfile(source):
        raise FileNotFoundError(f"The CBC solver binary is missing at {source}.")
    path = source if os.access(source, os.X_OK) else _executable_copy(source, scratch_dir)
    _resolved[key] = path
    return path


def _executable_copy(source: str, scratch_dir: str) -> str:
    target = os.path.join(scratch_dir, "flexcloud-cbc", "cbc")
    if os.access(target, os.X_OK) and os.path.getsize(target) == os.path.getsize(source):
        return target
    os.makedirs(os.path.dirname(target), exist_ok=True)
    # Copy under a temporary name, then rename: a concurrent invocation never runs a half-written binary.
    handle, partial = tempfile.mkstemp(dir=os.path.dirname(target))
    os.close(handle)
    shutil.copyfile(source, partial)
    os.chmod(partial, stat.S_IRWXU | stat.S_IRGRP | stat.S_IXGRP | stat.S_IROTH | stat.S_IXOTH)
    os.replace(partial, target)
    return target


def cbc_command(time_limit: float | None = None) -> list[str]:
    """CBC's executable and options, before the model: optimality proven (a zero gap), and a time limit in
    wall-clock seconds if given (CBC counts CPU seconds unless told otherwise)."""
    # Primal heuristics only hunt for early incumbents; with a zero gap the optimum is proven without them,
    # and on these storage models they cost more than the whole branch and bound.
    command = [cbc_path(), "-ratio", "0", "-heuristics", "off"]
    if time_limit is not None:
        command += ["-sec", repr(float(time_limit)), "-timeMode", "elapsed"]
    return command


@dataclass
class CbcResult:
    status: str  # the first word of CBC's solution file: Optimal, Infeasible, Integer (infeasible),
    # Unbounded or Stopped (on time, iterations, ...)
    detail: str  # the whole status line
    values: np.ndarray  # per column; 0 where CBC printed none
    seconds: float  # wall clock of the CBC process


def run_cbc(mps: str, columns: int, *, time_limit: float | None = None, integer: bool = True) -> CbcResult:
    """Solve the free-format MPS text whose columns are named x0 … x{columns-1}. `integer` False runs only the
    LP (CBC would otherwise start its branch and bound machinery for nothing)."""
    with tempfile.TemporaryDirectory(prefix="flexcloud-cbc-") as scratch:
        model_path, solution_path = os.path.join(scratch, "model.mps"), os.path.join(scratch, "solution.txt")
        with open(model_path, "w", encoding="ascii") as handle:
            handle.write(mps)
        # CBC's integer preprocessing finds next to nothing in these models (each switch's rows are already
        # its step's convex hull) and costs 5-25 % of a MILP run.
        actions = ["-preprocess", "off", "-solve"] if integer else ["-initialSolve"]
        command = cbc_command(time_limit) + ["-import", model_path, *actions, "-solution", solution_path]
        began = time.perf_counter()
        try:
            finished = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                                      timeout=None if time_limit is None else time_limit + KILL_MARGIN_SECONDS,
                                      check=False)
        except subprocess.TimeoutExpired:
            raise SolverError(f"The solver did not stop within its time limit of {time_limit:g} s.") from None
        seconds = time.perf_counter() - began
        if finished.returncode != 0 or not os.path.exists(solution_path):
            # CBC reports a model it cannot read on stdout, and still exits with 0.
            said = [line.strip() for line in (finished.stdout + finished.stderr).splitlines() if "**" in line]
            raise SolverError(f"The solver failed (exit code {finished.returncode}) without a solution"
                              + (f": {said[0]}" if said else "."))
        with open(solution_path, encoding="ascii") as handle:
            detail = handle.readline().strip()
            values = _values(handle, columns)
    return CbcResult(detail.split(" ", 1)[0], detail, values, seconds)


def _values(lines, columns: int) -> np.ndarray:
    """Solution lines are `[**] index name value reduced-cost` (** marks a value outside its bounds)."""
    values = np.zeros(columns)
    for line in lines:
        fields = line.split()
        if len(fields) < 4:
            continue
        if fields[0] == "**":
            fields = fields[1:]
        values[int(fields[1][1:])] = float(fields[2])
    return values
