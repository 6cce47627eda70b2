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


def test_the_browser_is_installed_as_root_only_when_missing(monkeypatch, tmp_path):
    ran = []
    monkeypatch.setattr(venv.subprocess, "run", lambda command, **kw: ran.append(command) or
                        type("Done", (), {"returncode": 0})())
    monkeypatch.setattr(venv, "BROWSER", str(tmp_path / "chromium"))
    monkeypatch.setattr(venv.os, "geteuid", lambda: 1000)
    assert "cannot be installed here" in venv.ensure_browser() and ran == []
    monkeypatch.setattr(venv.os, "geteuid", lambda: 0)
    monkeypatch.setattr(venv.shutil, "which", lambda name: "/usr/bin/apt-get")
    assert "failed" in venv.ensure_browser()  # apt-get "succeeded" but left no browser
    assert ran[-1] == ["apt-get", "install", "-y", "-qq", "chromium"]
    (tmp_path / "chromium").write_text("")
    ran.clear()
    assert "is there" in venv.ensure_browser() and ran == []
