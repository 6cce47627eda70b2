"""The package build's pure steps: which requirements are installed, what trimming removes, the staged project."""
from __future__ import annotations

import pytest

from infra import build_package


def test_runtime_requirements_drop_what_lambda_and_chalice_provide(tmp_path):
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("# comment\nchalice==1.34.0\nboto3>=1.34,<2  # SDK\nBoto3\npynamodb==6.1.0\n"
                            "pandas>=2.2,<3\n\npint[numpy]==0.24.4 ; python_version >= '3.9'\n")
    assert build_package.runtime_requirements(requirements) == [
        "pynamodb==6.1.0", "pandas>=2.2,<3", "pint[numpy]==0.24.4 ; python_version >= '3.9'"]


def test_the_repo_requirements_keep_every_runtime_package():
    kept = {line.split("=")[0].split(">")[0].split("<")[0].lower() for line in build_package.runtime_requirements()}
    assert {"pynamodb", "pydantic", "pandas", "numpy", "pint", "pulp"} <= kept
    assert not {"chalice", "boto3", "botocore", "snapshot-restore-py"} & kept


def _touch(root, *paths):
    for path in paths:
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text("x")


def test_trim_keeps_linux_x86_64_cbc_and_drops_sdk_tests_and_other_platforms(tmp_path):
    cbc = "pulp/solverdir/cbc"
    _touch(tmp_path, "botocore/__init__.py", "botocore-1.40.0.dist-info/METADATA", "s3transfer/__init__.py",
           "jmespath/__init__.py", "urllib3/__init__.py", "dateutil/__init__.py",
           f"{cbc}/linux/i64/cbc", f"{cbc}/linux/i64/__init__.py", f"{cbc}/linux/arm64/cbc", f"{cbc}/linux/i32/cbc",
           f"{cbc}/osx/i64/cbc", f"{cbc}/win/i64/cbc.exe", "pulp/solverdir/__init__.py", "pulp/tests/test_pulp.py",
           "pandas/tests/frame/test_api.py", "pandas/core/frame.py", "numpy/linalg/tests/test_linalg.py",
           "numpy/linalg/linalg.py", "pandas/__pycache__/x.cpython-313.pyc", "bin/f2py")
    build_package.trim_vendor(tmp_path)
    left = {str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file()}
    assert left == {"urllib3/__init__.py", "dateutil/__init__.py", f"{cbc}/linux/i64/cbc",
                    f"{cbc}/linux/i64/__init__.py", "pulp/solverdir/__init__.py", "pandas/core/frame.py",
                    "numpy/linalg/linalg.py"}


@pytest.mark.skipif(not build_package._is_lambda_python(), reason="bytecode is only written by Lambda's Python")
def test_bytecode_is_trusted_without_source_timestamps(tmp_path):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "mod.py").write_text("VALUE = 1\n")
    build_package.compile_bytecode(tmp_path)
    pyc = tmp_path / "pkg" / "__pycache__" / "mod.cpython-313.pyc"
    flags = int.from_bytes(pyc.read_bytes()[4:8], "little")
    assert flags == 0b01  # hash-based, check_source off: valid whatever mtime unzipping gives the source


def test_chalice_refuses_to_run_on_another_python_than_lambdas(monkeypatch):
    """Chalice sets the functions' runtime from the Python running it: any other would mismatch the wheels."""
    ran = []
    monkeypatch.setattr(build_package.subprocess, "run", lambda *args, **kwargs: ran.append(args))
    monkeypatch.setattr(build_package, "PYTHON_VERSION", "3.12")
    with pytest.raises(SystemExit, match=r"Python 3\.12 \(the Lambda runtime\)"):
        build_package.chalice("package", "out")
    assert ran == []


def test_trim_keeps_only_the_swagger_ui_files_the_docs_page_loads(tmp_path):
    ui = "swagger_ui_bundle/vendor/swagger-ui-5.31.0"
    _touch(tmp_path, "swagger_ui_bundle/__init__.py", f"{ui}/swagger-ui.css", f"{ui}/swagger-ui-bundle.js",
           f"{ui}/swagger-ui-bundle.js.map", f"{ui}/swagger-ui-es-bundle.js", f"{ui}/index.html")
    build_package.trim_vendor(tmp_path)
    left = {str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file()}
    assert left == {"swagger_ui_bundle/__init__.py", f"{ui}/swagger-ui.css", f"{ui}/swagger-ui-bundle.js"}
