"""The Makefile's choice of interpreter: Python 3.13 from PATH or pyenv, else one line saying what to install."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from infra import build_package
from infra.resources import ROOT

pytestmark = pytest.mark.skipif(not build_package._is_lambda_python() or not shutil.which("make"),
                                reason="needs make and a Python 3.13 to offer it")
PROBE = "probe: ; @$(info PYTHON=$(PYTHON))"  # no shell command: PATH holds only the lookup's tools
SHIM = "#!/bin/sh\necho 'pyenv: python3.13: command not found' >&2\nexit 127\n"  # a shim of an unselected version


def _tools(tmp_path: Path, python313: str | None = None) -> Path:
    """A PATH with only what the Makefile's lookup runs, and python3.13 as given (a failing shim by default)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("ls", "sort"):
        (bin_dir / tool).symlink_to(shutil.which(tool))
    if python313:
        (bin_dir / "python3.13").symlink_to(python313)
    else:
        (bin_dir / "python3.13").write_text(SHIM)
        (bin_dir / "python3.13").chmod(0o755)
    return bin_dir


def _pyenv(root: Path, *versions: str) -> Path:
    """A pyenv root with these versions installed (each a link to this 3.13)."""
    for version in versions:
        (root / "versions" / version / "bin").mkdir(parents=True)
        (root / "versions" / version / "bin" / "python3.13").symlink_to(sys.executable)
    return root


def _make(tmp_path: Path, bin_dir: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    """make in a copy of the Makefile, with only `bin_dir` on PATH and the given HOME/PYENV_ROOT."""
    project = tmp_path / "project"
    project.mkdir(exist_ok=True)
    for name in ("Makefile", "requirements.txt", "requirements-dev.txt"):
        shutil.copy(ROOT / name, project / name)
    environ = {"PATH": str(bin_dir), "HOME": str(tmp_path / "home"), **env}
    return subprocess.run([shutil.which("make"), *args], cwd=project, env=environ, capture_output=True,
                          text=True, timeout=60)


def _chosen(tmp_path: Path, bin_dir: Path, **env: str) -> str:
    """The interpreter the Makefile would build .venv with."""
    result = _make(tmp_path, bin_dir, "-s", "--eval", PROBE, "probe", **env)
    assert result.returncode == 0 and result.stdout.startswith("PYTHON="), result.stdout + result.stderr
    return result.stdout.strip().removeprefix("PYTHON=")


def test_a_working_python313_on_path_comes_first(tmp_path):
    bin_dir = _tools(tmp_path, python313=sys.executable)
    assert _chosen(tmp_path, bin_dir, PYENV_ROOT=str(_pyenv(tmp_path / "pyenv", "3.13.0"))) == \
        str(bin_dir / "python3.13")


def test_without_one_on_path_the_newest_pyenv_313_is_used_without_shims(tmp_path):
    pyenv_root = _pyenv(tmp_path / "pyenv", "3.13.1", "3.13.9", "3.13.11")
    assert _chosen(tmp_path, _tools(tmp_path), PYENV_ROOT=str(pyenv_root)) == \
        f"{pyenv_root}/versions/3.13.11/bin/python3.13"


def test_without_pyenv_root_pyenv_is_looked_for_in_home(tmp_path):
    home_root = _pyenv(tmp_path / "home" / ".pyenv", "3.13.0")
    assert _chosen(tmp_path, _tools(tmp_path)) == f"{home_root}/versions/3.13.0/bin/python3.13"


def test_no_python313_stops_with_one_line_saying_what_to_install(tmp_path):
    result = _make(tmp_path, _tools(tmp_path), "test", PYENV_ROOT=str(tmp_path / "no-pyenv"))
    assert result.returncode != 0
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1 and "Python 3.13 not found: install it" in result.stderr
    assert "pyenv install 3.13" in result.stderr
    assert not (tmp_path / "project" / ".venv").exists()


def test_an_overriding_python_of_another_version_is_refused(tmp_path):
    not_313 = "import sys; sys.exit(sys.version_info[:2] == (3, 13))"
    other = next((shutil.which(p) for p in ("python3.12", "python3.11", "python3") if shutil.which(p)
                  and subprocess.run([p, "-c", not_313], capture_output=True).returncode == 0), None)
    if other is None:
        pytest.skip("no Python other than 3.13 here")
    result = _make(tmp_path, _tools(tmp_path), "test", f"PYTHON={other}",
                   PYENV_ROOT=str(_pyenv(tmp_path / "pyenv", "3.13.0")))
    assert result.returncode != 0
    assert f"{other} is not Python 3.13" in result.stderr and result.stderr.count("\n") == 1
    assert not (tmp_path / "project" / ".venv").exists()
