"""The venv setup script: `make run` gets the runtime set plus moto's server at the pinned version, `make test` all."""
from __future__ import annotations

from infra import venv


def test_run_installs_the_runtime_requirements_and_the_pinned_local_aws_emulation():
    args, described = venv.requirement_args("run")
    assert args[:2] == ["-r", str(venv.ROOT / "requirements.txt")]
    pinned = [line.split("#")[0].strip() for line in (venv.ROOT / "requirements-dev.txt").read_text().splitlines()
              if line.startswith("moto")]
    assert args[2:] == pinned and pinned[0].startswith("moto[server]==")
    assert "requirements.txt" in described


def test_test_installs_the_dev_set():
    args, _ = venv.requirement_args("test")
    assert args == ["-r", str(venv.ROOT / "requirements-dev.txt")]
