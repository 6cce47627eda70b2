"""The built Lambda package (`make package`): python3.13, under 50 MiB, trimmed, able to solve from a read-only copy.

These tests read build/package/deployment.zip. Without it they skip, unless FLEXCLOUD_REQUIRE_PACKAGE
is set (CI builds the package first, so there a missing zip fails).
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml
from packaging import tags

from infra import build_package
from tests.fixtures import BENCH_DIR
from infra.resources import FUNCTIONS, ROOT

ZIP = build_package.PACKAGE_OUT / "deployment.zip"
TEMPLATE = build_package.PACKAGE_OUT / "sam.yaml"  # written beside the zip by `chalice package`
LIMIT = 50 * 2**20  # `chalice deploy` uploads the zip directly; Lambda refuses more than 50 MiB
PROBLEM = BENCH_DIR / "P1.json"
P1_TOTAL_COST = -658.143045
CBC = "pulp/solverdir/cbc/linux/i64/cbc"


@pytest.fixture(scope="module")
def package_zip() -> zipfile.ZipFile:
    if not ZIP.exists():
        if os.environ.get("FLEXCLOUD_REQUIRE_PACKAGE"):
            pytest.fail(f"{ZIP} is missing: `make package` must run first")
        pytest.skip(f"{ZIP.relative_to(ROOT)} not built (run `make package`)")
    with zipfile.ZipFile(ZIP) as archive:
        yield archive


def test_package_is_under_the_direct_upload_limit(package_zip):
    assert ZIP.stat().st_size < LIMIT


def test_package_holds_the_app_and_dependencies_but_not_what_lambda_has(package_zip):
    tops = {name.split("/")[0] for name in package_zip.namelist()}
    assert {"app.py", "chalicelib", "chalice", "pynamodb", "pydantic", "pandas", "numpy", "pint", "pulp"} <= tops
    assert not {"boto3", "botocore", "s3transfer", "jmespath"} & tops
    assert not {"click", "yaml", "inquirer"} & tops  # chalice's CLI dependencies: Chalice ships its runtime
    cbc_binaries = [n for n in package_zip.namelist() if n.startswith("pulp/solverdir/cbc/") and
                    n.rsplit("/", 1)[-1] in ("cbc", "cbc.exe")]
    assert cbc_binaries == [CBC]
    assert not any(n.startswith(("pandas/tests/", "pulp/tests/")) for n in package_zip.namelist())


def test_packaged_functions_run_python_3_13_on_x86_64(package_zip):
    resources = yaml.safe_load(TEMPLATE.read_text())["Resources"]
    functions = [r["Properties"] for r in resources.values() if r["Type"] == "AWS::Serverless::Function"]
    assert len(functions) == len(FUNCTIONS)  # the API, the solver, the webhook delivery and their dead letters
    for props in functions:
        assert props["Runtime"] == "python3.13"
        assert props.get("Architectures", ["x86_64"]) == ["x86_64"]  # the vendored wheels' architecture
        assert props["CodeUri"] == "./deployment.zip"


def _lambda_tags() -> set[tags.Tag]:
    """The wheel tags Lambda's python3.13 accepts: CPython 3.13 on Amazon Linux 2023 (glibc 2.34), x86_64."""
    platforms = [f"manylinux_2_{minor}_x86_64" for minor in range(34, 4, -1)]
    platforms += ["manylinux2014_x86_64", "manylinux2010_x86_64", "manylinux1_x86_64"]
    return {*tags.cpython_tags((3, 13), ["cp313"], platforms),
            *tags.compatible_tags((3, 13), "cp313", platforms)}


def test_every_vendored_wheel_is_built_for_lambdas_python_and_glibc(package_zip):
    wheels = [n for n in package_zip.namelist() if n.endswith(".dist-info/WHEEL")]
    assert len(wheels) >= 20
    accepted = _lambda_tags()
    compiled = []
    for name in wheels:
        declared = {tag for line in package_zip.read(name).decode().splitlines() if line.startswith("Tag: ")
                    for tag in tags.parse_tag(line.removeprefix("Tag: "))}
        assert declared & accepted, f"{name}: {sorted(map(str, declared))}"
        if any(tag.platform != "any" for tag in declared):
            compiled.append(name.split("-")[0])
    assert {"numpy", "pandas", "pydantic_core"} <= set(compiled)  # the check saw binary wheels


def test_package_ships_bytecode_for_a_read_only_task_root(package_zip):
    names = set(package_zip.namelist())
    assert "chalicelib/__pycache__/settings.cpython-313.pyc" in names
    assert "chalice/__pycache__/app.cpython-313.pyc" in names
    assert "pydantic/__pycache__/main.cpython-313.pyc" in names


def _lambda_runtime_packages(target: Path) -> Path:
    """What Lambda's Python runtime provides besides the package: the AWS SDK (taken from this venv)."""
    import boto3

    site = Path(boto3.__file__).parent.parent
    target.mkdir()
    for name in build_package.RUNTIME_PROVIDED:
        (target / name).symlink_to(site / name)
    return target


def _read_only(root: Path) -> None:
    for path in sorted(root.rglob("*"), reverse=True):
        if not path.is_symlink():
            path.chmod(0o555 if path.is_dir() else 0o444)
    root.chmod(0o555)


def _snapshot(root: Path) -> dict[str, tuple]:
    return {str(p.relative_to(root)): (p.stat().st_size, p.stat().st_mtime_ns, p.stat().st_mode)
            for p in root.rglob("*")}


def _mount_read_only_prefix(task_root: Path) -> list[str]:
    """As root, permission bits do not stop writes: run under a private read-only bind mount if possible."""
    if os.geteuid() != 0 or not shutil.which("unshare"):
        return []
    probe = subprocess.run(["unshare", "-m", "true"], capture_output=True)
    if probe.returncode != 0:
        return []
    script = 'mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" && exec "$@"'
    return ["unshare", "-m", "sh", "-c", script, str(task_root)]


def test_solver_runs_from_a_read_only_unzipped_package(package_zip, tmp_path):
    if not PROBLEM.exists():
        pytest.skip(f"{PROBLEM} not available")
    task_root = tmp_path / "task"
    package_zip.extractall(task_root)  # zipfile drops exec bits, as Chalice's wheel extraction does
    runtime = _lambda_runtime_packages(tmp_path / "runtime")
    cbc = task_root / CBC
    cbc.chmod(0o444)
    _read_only(task_root)
    before = _snapshot(task_root)
    # -S: no site-packages; the package and the runtime's SDK are all there is, as on Lambda.
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": f"{task_root}:{runtime}",
           "PYTHONDONTWRITEBYTECODE": "1", "HOME": str(tmp_path), "AWS_DEFAULT_REGION": "eu-west-1"}
    help_text = subprocess.run([sys.executable, "-S", "-m", "chalicelib.cli", "--help"], cwd=tmp_path, env=env,
                               capture_output=True, text=True, timeout=120)
    assert help_text.returncode == 0, help_text.stderr
    if " solve " not in help_text.stdout and "{solve" not in help_text.stdout and ",solve" not in help_text.stdout:
        pytest.skip("the packaged CLI has no `solve` command yet (scheduling core not landed)")
    code = ("import sys; from chalicelib.cli import main; code = main(['solve', sys.argv[1]]); "
            "import pulp, pandas; from chalicelib.scheduling.cbc import cbc_path; "
            "print('CBC', cbc_path()); print('PULP', pulp.__file__); print('PANDAS', pandas.__file__); "
            "sys.exit(code)")
    result = subprocess.run([*_mount_read_only_prefix(task_root), sys.executable, "-S", "-c", code, str(PROBLEM)],
                            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-4000:]
    solved, _ = json.JSONDecoder().raw_decode(result.stdout)
    assert solved["costs"]["total"] == pytest.approx(P1_TOTAL_COST, rel=1e-6)  # bench README: FlexMeasures' cost
    lines = dict(line.split(" ", 1) for line in result.stdout.splitlines() if line.startswith(("CBC ", "PULP ",
                                                                                                "PANDAS ")))
    assert lines["PULP"].startswith(str(task_root)) and lines["PANDAS"].startswith(str(task_root))
    used_cbc = Path(lines["CBC"])
    assert not used_cbc.is_relative_to(task_root) and os.access(used_cbc, os.X_OK)
    assert _snapshot(task_root) == before
    for path in [task_root, *task_root.rglob("*")]:  # let pytest clean up
        if not path.is_symlink():
            path.chmod(0o755 if path.is_dir() else 0o644)


def test_package_holds_only_the_swagger_ui_files_the_docs_page_serves(package_zip):
    from chalicelib.api.docs import STATIC_FILES

    served = {n.rsplit("/", 1)[-1] for n in package_zip.namelist() if n.startswith("swagger_ui_bundle/vendor/")}
    assert served == set(STATIC_FILES)
