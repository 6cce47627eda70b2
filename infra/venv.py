"""Sets up .venv for `make run` (runtime set plus the local AWS emulation) or `make test` (the dev set), saying
what it does: one line per step, one per package pip collects, and a final count with the time and size.

    python infra/venv.py run|test     (the Makefile runs it with the Python 3.13 it found)

Standard library only: it runs before the venv exists.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
PIP_PIN = "pip<26.3"  # chalice requires pip<26.3
# The local stack serves the API with moto's server: the one dev requirement `make run` needs.
LOCAL_STACK_REQUIREMENT = "moto"
# The docs page test (tests/e2e/test_docs_browser.py) drives Debian's Chromium; `make test` installs it as root.
BROWSER = "/usr/bin/chromium"
BROWSER_PACKAGE = "chromium"


def requirement_args(kind: str) -> tuple[list[str], str]:
    """pip arguments for the set, and how to describe it."""
    if kind == "test":
        return ["-r", str(ROOT / "requirements-dev.txt")], "requirements-dev.txt (runtime, tests, tools)"
    moto = next(line.split("#")[0].strip() for line in (ROOT / "requirements-dev.txt").read_text().splitlines()
                if re.match(rf"{LOCAL_STACK_REQUIREMENT}\b", line.strip()))
    return ["-r", str(ROOT / "requirements.txt"), moto], f"requirements.txt + {moto} (the local AWS emulation)"


def python_of_venv() -> Path:
    return VENV / "bin" / "python"


def venv_matches() -> bool:
    """The venv exists and runs this interpreter's version (a venv of another Python is rebuilt)."""
    if not python_of_venv().exists():
        return False
    probe = subprocess.run([str(python_of_venv()), "-c", "import sys; print(sys.version_info[:2])"],
                           capture_output=True, text=True)
    return probe.returncode == 0 and probe.stdout.strip() == str(sys.version_info[:2])


def pip_install(args: list[str]) -> int:
    """Run pip, printing one line per package it collects; returns how many it installed."""
    command = [str(python_of_venv()), "-m", "pip", "install", "--progress-bar", "off", "--disable-pip-version-check",
               *args]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    installed, tail = 0, []
    for line in process.stdout:
        tail = (tail + [line.rstrip()])[-30:]
        collecting = re.match(r"Collecting (\S+)", line)
        if collecting:
            print(f"    {collecting.group(1)}", flush=True)
        done = re.match(r"Successfully installed (.*)", line)
        if done:
            installed = len(done.group(1).split())
    if process.wait() != 0:
        print("\n".join(tail), file=sys.stderr)
        raise SystemExit(f"pip failed (exit {process.returncode}); its last lines are above.")
    return installed


def size_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink()) / 1e6


def main(kind: str) -> int:
    began = time.perf_counter()
    args, described = requirement_args(kind)
    steps = 4 if kind == "test" else 3
    print(f"flexcloud setup for `make {kind}` with Python {sys.version.split()[0]} ({sys.executable})", flush=True)
    if venv_matches():
        print(f"[1/{steps}] .venv exists", flush=True)
    else:
        print(f"[1/{steps}] creating .venv", flush=True)
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(VENV)], check=True)
    print(f"[2/{steps}] pip ({PIP_PIN})", flush=True)
    pip_install(["--quiet", "--upgrade", PIP_PIN])
    print(f"[3/{steps}] installing {described}", flush=True)
    count = pip_install(args)
    if kind == "test":
        print(f"[4/{steps}] {ensure_browser()}", flush=True)
    print(f"done: {count} packages installed in {time.perf_counter() - began:.0f} s; .venv holds "
          f"{size_mb(VENV):.0f} MB", flush=True)
    return 0


def ensure_browser() -> str:
    """Install Debian's chromium for the docs page test when it is absent and this is root; say what happened."""
    if Path(BROWSER).exists():
        return f"{BROWSER} is there (the docs page test uses it)"
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        return (f"{BROWSER} is missing and cannot be installed here (needs root and apt-get): the docs page test "
                f"will skip; `apt-get install {BROWSER_PACKAGE}` enables it")
    print(f"    apt-get install {BROWSER_PACKAGE} (Debian's package, for the docs page test)", flush=True)
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.STDOUT}
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], env=env, **quiet)
    done = subprocess.run(["apt-get", "install", "-y", "-qq", BROWSER_PACKAGE], env=env, **quiet)
    if done.returncode != 0 or not Path(BROWSER).exists():
        return f"apt-get install {BROWSER_PACKAGE} failed (exit {done.returncode}): the docs page test will skip"
    return f"installed {BROWSER}"


if __name__ == "__main__":
    if len(sys.argv) != 2 or sys.argv[1] not in ("run", "test"):
        raise SystemExit(__doc__)
    sys.exit(main(sys.argv[1]))
