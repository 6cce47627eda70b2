"""PuLP's CBC command on the CBC binary from the PuLP wheel, made executable: on Lambda the package is read-only
and zips drop exec bits, so it is copied once per container to /tmp and marked executable there."""
from __future__ import annotations

import os
import shutil
import stat
import tempfile

import pulp
from pulp.apis.coin_api import pulp_cbc_path

# Primal heuristics only hunt for early incumbents; with a zero gap the optimum is proven without them, and on
# these storage models they cost more than the whole branch and bound. Integer preprocessing finds next to
# nothing in them (each switch's rows are already its step's convex hull) and costs 5-25 % of a MILP run.
OPTIONS = ["heuristics off", "preprocess off"]

_resolved: dict[tuple[str, str], str] = {}


def bundled_cbc() -> str:
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


def cbc_command(time_limit: float | None = None, *, mip: bool = True):
    """PuLP's CBC command: silent, optimality proven (gapRel=0), a time limit in wall-clock seconds if given
    (PuLP's default timeMode, "elapsed"). `mip` False runs only the LP (-initialSolve): with no integer
    variables CBC's branch and bound machinery would start for nothing."""
    # COIN_CMD drives the wheel's binary, or its executable /tmp copy (PULP_CBC_CMD takes no path and is deprecated).
    return pulp.COIN_CMD(path=cbc_path(), mip=mip, msg=False, gapRel=0, timeLimit=time_limit, options=OPTIONS)
