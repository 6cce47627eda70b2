"""Build the Lambda deployment: stage what Chalice packages (app + trimmed vendor/), then package or deploy.

Why a staged project: Chalice zips `requirements.txt` plus a top-level `vendor/` verbatim, with no
hook to leave anything out, and the dependency set as listed (64 MiB zipped) is over the 50 MiB that
`chalice deploy` accepts. So the repo's requirements.txt stays the single list of runtime
dependencies, and this script turns it into `build/lambda/`:

- `vendor/`: those dependencies installed for Lambda (CPython 3.13, manylinux x86_64, glibc <= 2.34),
  minus what the Lambda runtime already ships (boto3, botocore, s3transfer, jmespath), minus the
  CBC binaries for other platforms that PuLP's wheel carries, minus test suites, at the versions
  installed in this environment (the ones the tests ran with);
- `requirements.txt`: empty, so Chalice adds nothing of its own;
- bytecode: Lambda's /var/task is read-only, so without .pyc files every cold start compiles every
  module it imports (measured: ~0.5 s instead of ~0.25 s for `import app`). Modules are compiled
  with unchecked-hash invalidation, which Python trusts without comparing source timestamps;
- `app.py`, `chalicelib/` and `.chalice/config.json` copied from the repo, plus the IAM policy file
  (`autogen_policy` is off: Chalice cannot see PynamoDB's calls) rendered by infra/resources.py;
  for `chalice deploy` the policy names the account's concrete ARNs and config.json gains the uploads
  bucket's name; `.chalice/deployed` links back to the repo's, so deploy state survives rebuilds.

Usage (see the README's "Deploy" section):
    python -m infra.build_package package [OUTDIR]  # stage + chalice package --merge-template infra/resources.yaml
    python -m infra.build_package deploy            # stage + chalice deploy + gateway responses (credentials)
    python -m infra.build_package stage             # only build/lambda (for running chalice yourself)
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from chalicelib.api.docs import STATIC_FILES

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "build"
PROJECT = BUILD / "lambda"
PACKAGE_OUT = BUILD / "package"
PIP_CACHE = BUILD / "pip-cache"

# Lambda's python3.13 runtime, which Chalice picks when it runs on 3.13 (the Makefile's venv).
PYTHON_VERSION = "3.13"
# That runtime runs on Amazon Linux 2023, whose glibc is 2.34: manylinux up to 2_34 only.
PLATFORMS = [f"manylinux_2_{minor}_x86_64" for minor in range(17, 35)] + ["manylinux2014_x86_64"]

# Not installed at all: chalice ships its own runtime module in every zip; the Lambda runtime has boto3, botocore and
# snapshot_restore_py (whose hooks only the runtime's own copy reports to SnapStart).
SKIPPED_REQUIREMENTS = {"chalice", "boto3", "botocore", "snapshot-restore-py"}
# Installed as dependencies of others (pynamodb needs botocore) but provided by the Lambda runtime.
RUNTIME_PROVIDED = ["boto3", "botocore", "s3transfer", "jmespath", "snapshot_restore_py"]
# PuLP's wheel carries CBC for every platform; the Lambda functions run on linux x86_64.
KEPT_CBC = Path("pulp/solverdir/cbc/linux/i64")
TEST_SUITES = ["pulp/tests", "pandas/tests", "numpy/_core/tests", "numpy/tests", "numpy/*/tests",
               "pint/testsuite"]
# Swagger UI's package carries source maps and other bundles (11 MB); only the files the docs page loads are kept.
SWAGGER_UI_FILES = "swagger_ui_bundle/vendor/*/*"
SERVED_SWAGGER_UI_FILES = sorted(STATIC_FILES)

BYTECODE_FORMAT = "unchecked-hash"  # bump to rebuild vendor/ when compile_bytecode changes
APP_FILES = ["app.py", "chalicelib"]
# For `chalice package` the policy and bucket name are overridden by the merge template.
TEMPLATE_PSEUDO = {"AWS::Partition": "aws", "AWS::Region": "*", "AWS::AccountId": "*"}


def runtime_requirements(path: Path = ROOT / "requirements.txt") -> list[str]:
    """requirements.txt lines minus those the package must not contain."""
    kept = []
    for raw in path.read_text().splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        name = line.split(";")[0]
        for sep in "<>=!~[ ":
            name = name.split(sep)[0]
        if name.lower().replace("_", "-") not in SKIPPED_REQUIREMENTS:
            kept.append(line)
    return kept


def tested_versions() -> str:
    """The versions installed here, which the tests ran against, as pip constraints for the package."""
    from importlib import metadata

    pins = {f"{dist.metadata['Name']}=={dist.version}" for dist in metadata.distributions()
            if dist.metadata["Name"]}
    return "".join(f"{pin}\n" for pin in sorted(pins, key=str.lower))


def _fingerprint(requirements: list[str], constraints: str) -> str:
    """Changes when the dependency list, the tested versions, the target or the trimming rules change."""
    rules = [PYTHON_VERSION, PLATFORMS, RUNTIME_PROVIDED, str(KEPT_CBC), TEST_SUITES, SERVED_SWAGGER_UI_FILES,
             BYTECODE_FORMAT]
    return hashlib.sha256(json.dumps([requirements, constraints, rules]).encode()).hexdigest()


def install_vendor(vendor: Path) -> bool:
    """Install the Lambda-compatible dependencies into `vendor`; False if the existing one is current."""
    requirements = runtime_requirements()
    constraints = tested_versions()
    stamp = vendor / ".fingerprint"
    if stamp.exists() and stamp.read_text() == _fingerprint(requirements, constraints):
        return False
    shutil.rmtree(vendor, ignore_errors=True)
    vendor.mkdir(parents=True)
    constraints_file = BUILD / "constraints.txt"
    constraints_file.write_text(constraints)
    cmd = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
           "--target", str(vendor), "--implementation", "cp", "--python-version", PYTHON_VERSION,
           "--only-binary=:all:", "--no-compile", "--cache-dir", str(PIP_CACHE), "-c", str(constraints_file)]
    for platform in PLATFORMS:
        cmd += ["--platform", platform]
    subprocess.run(cmd + requirements, check=True)
    trim_vendor(vendor)
    compile_bytecode(vendor)
    _compile_chalice_runtime(vendor)
    stamp.write_text(_fingerprint(requirements, constraints))
    return True


def _is_lambda_python() -> bool:
    """Bytecode is only valid for the Python minor version that wrote it."""
    return f"{sys.version_info.major}.{sys.version_info.minor}" == PYTHON_VERSION


def compile_bytecode(directory: Path) -> None:
    """Unchecked-hash .pyc next to every module (only when this is Lambda's Python version)."""
    if not _is_lambda_python():
        return
    import compileall
    import py_compile

    compileall.compile_dir(str(directory), quiet=2, workers=0, legacy=False,
                           invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)


def _compile_chalice_runtime(vendor: Path) -> None:
    """Chalice adds its own chalice/app.py to every zip; its bytecode rides along in vendor/chalice/."""
    if not _is_lambda_python():
        return
    import importlib.util
    import py_compile

    import chalice.app

    for module in (chalice, chalice.app):
        source = Path(module.__file__)
        target = vendor / "chalice" / "__pycache__" / Path(importlib.util.cache_from_source(str(source))).name
        target.parent.mkdir(parents=True, exist_ok=True)
        py_compile.compile(str(source), cfile=str(target), doraise=True,
                           invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)


def trim_vendor(vendor: Path) -> None:
    for name in RUNTIME_PROVIDED:
        _remove(vendor / name)
        for dist_info in vendor.glob(f"{name}-*.dist-info"):
            _remove(dist_info)
    for binary in list((vendor / "pulp/solverdir/cbc").rglob("cbc*")):
        if binary.is_file() and binary.parent != vendor / KEPT_CBC:
            _remove(binary.parent)
    for pattern in TEST_SUITES:
        for path in vendor.glob(pattern):
            _remove(path)
    for path in vendor.glob(SWAGGER_UI_FILES):
        if path.name not in SERVED_SWAGGER_UI_FILES:
            _remove(path)
    for cache in list(vendor.rglob("__pycache__")):
        _remove(cache)
    _remove(vendor / "bin")  # console scripts (f2py, ...) are never run on Lambda


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()


def stage_project(project: Path = PROJECT, stage: str = "dev", pseudo: dict[str, str] | None = None,
                  with_dependencies: bool = True) -> Path:
    """Copy the app into `project`, write its Chalice config and policy, refresh vendor/; return `project`.

    `pseudo` holds the account's AWS::Partition, AWS::Region and AWS::AccountId (for `chalice deploy`);
    without it the staged project is only fit for `chalice package --merge-template`. Without
    dependencies (tests of the template) the zip holds the app alone.
    """
    from infra import resources

    project.mkdir(parents=True, exist_ok=True)
    for name in APP_FILES:
        _remove(project / name)
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, project / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(source, project / name)
    (project / ".chalice").mkdir(exist_ok=True)
    policy, environment = resources.deploy_settings(stage, pseudo or TEMPLATE_PSEUDO)
    config = resources.load_config()
    stage_config = config["stages"][stage]
    if pseudo:
        stage_config["environment_variables"] = {**stage_config.get("environment_variables", {}), **environment}
    (project / ".chalice" / "config.json").write_text(json.dumps(config, indent=2) + "\n")
    (project / ".chalice" / stage_config["iam_policy_file"]).write_text(json.dumps(policy, indent=2) + "\n")
    deployed = ROOT / ".chalice" / "deployed"
    deployed.mkdir(exist_ok=True)
    link = project / ".chalice" / "deployed"
    if not link.is_symlink():
        _remove(link)
        link.symlink_to(deployed)
    (project / "requirements.txt").write_text(
        "# Empty on purpose: dependencies are pre-installed, trimmed, in vendor/ (infra/build_package.py).\n")
    compile_bytecode(project / "chalicelib")
    if with_dependencies:
        install_vendor(project / "vendor")
    return project


def account_pseudo_parameters() -> dict[str, str]:
    """The deploying account's partition, region and id (the credentials and region `chalice deploy` will use,
    which may come from ~/.aws/config rather than the environment)."""
    import boto3

    from chalicelib import settings
    from chalicelib.aws import client

    identity = client("sts").get_caller_identity()
    region = boto3.session.Session().region_name or settings.aws_region()
    return {"AWS::Partition": identity["Arn"].split(":")[1], "AWS::Region": region,
            "AWS::AccountId": identity["Account"]}


def chalice(*args: str, project: Path = PROJECT) -> None:
    if not _is_lambda_python():  # Chalice would give the functions this Python's runtime, not the vendored wheels'
        raise SystemExit(f"chalice must run on Python {PYTHON_VERSION} (the Lambda runtime), not "
                         f"{sys.version_info.major}.{sys.version_info.minor}: use the Makefile's .venv")
    command = [sys.executable, "-c", "import sys; from chalice.cli import main; sys.exit(main())"]
    # Packaging needs a region for the SDK Chalice loads, never credentials; deploy uses the caller's.
    env = {**os.environ}
    env.setdefault("AWS_DEFAULT_REGION", os.environ.get("AWS_REGION", "eu-west-1"))
    subprocess.run([*command, "--project-dir", str(project), *args], check=True, cwd=ROOT, env=env)


def chalice_package(project: Path, outdir: Path, stage: str) -> None:
    """`chalice package --merge-template` of a staged project, with the stage's environment (app.py
    binds its queue names when Chalice imports it). Stages other than dev get their templates rendered."""
    from infra import render_resources
    from infra.resources import stage_environment

    if stage != render_resources.COMMITTED_STAGE:
        render_resources.write(stage)
    merge_template = render_resources.template_path(render_resources.MERGE_TEMPLATE, stage)
    with stage_environment(stage):
        chalice("package", "--stage", stage, "--merge-template", str(merge_template), str(outdir), project=project)


def deploy(stage: str = "dev") -> None:
    """`chalice deploy` of the staged project with this account's policy, then the gateway responses and the stage's
    throttling."""
    from infra import gateway_responses
    from infra.resources import stage_environment

    stage_project(stage=stage, pseudo=account_pseudo_parameters())
    with stage_environment(stage):
        chalice("deploy", "--stage", stage)
    gateway_responses.apply(gateway_responses.deployed_rest_api_id(stage), stage)


def package(outdir: Path = PACKAGE_OUT, stage: str = "dev") -> Path:
    """`chalice package --merge-template infra/resources.yaml` into `outdir`; return the zip's path."""
    stage_project(stage=stage)
    _remove(outdir)
    chalice_package(PROJECT, outdir, stage)
    return outdir / "deployment.zip"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.build_package", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("stage", help=f"prepare {PROJECT.relative_to(ROOT)} for `chalice deploy` "
                                     "(asks STS which account the current credentials deploy to)")
    p.add_argument("--stage", default="dev")
    p = sub.add_parser("deploy", help="stage, chalice deploy, then the 404 gateway response (needs credentials)")
    p.add_argument("--stage", default="dev")
    p = sub.add_parser("package", help="stage, then chalice package --merge-template infra/resources.yaml")
    p.add_argument("outdir", nargs="?", default=str(PACKAGE_OUT))
    p.add_argument("--stage", default="dev")
    args = parser.parse_args(argv)
    if args.command == "stage":
        print(stage_project(stage=args.stage, pseudo=account_pseudo_parameters()))
    elif args.command == "deploy":
        deploy(args.stage)
    else:
        zip_path = package(Path(args.outdir).resolve(), args.stage)
        print(f"{zip_path} ({zip_path.stat().st_size / 2**20:.1f} MiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
