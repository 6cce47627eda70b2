"""README hygiene: every path it names exists in the repo, nothing points outside it, no unexplained shorthand,
the two commands on the first screen, the deploy section a numbered checklist."""
from __future__ import annotations

import re
import subprocess

from infra.resources import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
# What the README names but a clone only has after running something (build output, the venv, the local stack's
# connection file, Chalice's deploy state, the walkthrough's downloads).
MADE_BY_RUNNING = ("build/", ".venv/", ".local-stack/", ".chalice/deployed", ".chalice/policy-", "vendor/",
                   "chart.json", "chart.svg", "schedule.json", "requirements.txt")
# Slashed names that are not files: media types, and AWS names (the token secret's "flexcloud/<stage>/...").
NOT_FILES = ("application/", "text/", "multipart/", "image/", "flexcloud/")
FILE_SUFFIXES = (".py", ".md", ".json", ".yaml", ".yml", ".txt", ".ini", ".toml", ".cfg", ".csv")


def _repo_files() -> list[str]:
    return subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()


def named_paths(text: str) -> set[str]:
    """Backticked tokens that are repo paths: a folder or file name with a slash or a file suffix; not API paths
    (they start with / or hold placeholders), commands, globs or dotted module names."""
    out = set()
    for token in re.findall(r"`([^`\n]+)`", text):
        token = token.strip()
        if not re.fullmatch(r"[\w.\-/]+", token) or token.startswith(("/", "-")) or "//" in token:
            continue
        if token.startswith(NOT_FILES):
            continue
        if "/" in token or token.endswith(FILE_SUFFIXES):
            out.add(token)
    return out


def _exists(path: str, files: list[str]) -> bool:
    """The path, or a path under some folder of the repo that ends with it (tables name files relative to the
    folder their column heading gives: `services/users.py`, `public.py`)."""
    bare = path.rstrip("/")
    is_folder = any(f.startswith(bare + "/") or f"/{bare}/" in f for f in files)
    if path.endswith("/"):
        return is_folder
    return is_folder or any(f == bare or f.endswith("/" + bare) for f in files)


def test_every_path_the_readme_names_exists():
    files = _repo_files()
    missing = sorted(p for p in named_paths(README)
                     if not p.startswith(MADE_BY_RUNNING) and not _exists(p, files))
    assert not missing, f"README.md names paths the repo does not have: {missing}"


def test_the_check_sees_a_missing_path():
    files = _repo_files()
    assert "chalicelib/api/nothing_here.py" in named_paths("see `chalicelib/api/nothing_here.py`")
    assert not _exists("chalicelib/api/nothing_here.py", files)
    assert _exists("chalicelib/api/routes.py", files) and _exists("routes.py", files)
    assert named_paths("`GET /api/v3_0`, `--stage prod`, `a b.py`, `chalicelib.cli`") == set()


def test_nothing_refers_to_files_outside_the_repo():
    outside = re.findall(r"(?:\.\./[\w.]|/work/|/home/|/Users/|~/|\bshared/)[^\s`)]*", README)
    assert not outside, f"README.md points outside the repo: {outside}"


def test_no_unexplained_shorthand():
    assert not re.findall(r"\[(?:SEED|CURRENT)\]|§\s*\d", README)


def test_every_abbreviation_is_spelled_out():
    glossary = README[README.index("## Abbreviations"):]
    defined = set(re.findall(r"^\| (?:`)?([A-Za-z0-9\-]+)(?:`)? \|", glossary, flags=re.M))
    used = set(re.findall(r"\b([A-Z][A-Z0-9]{1,}(?:-[A-Z0-9]+)?)s?\b", README[:README.index("## Abbreviations")]))
    # Words in capitals that are not abbreviations: HTTP methods, statuses and constants of the API, shell
    # variables of the walkthrough, units, example names.
    not_abbreviations = {
        "GET", "POST", "PATCH", "DELETE", "ADD", "PROCESSED", "ACCEPTED", "FINISHED", "FAILED", "QUEUED", "STARTED",
        "THROTTLED", "INFLEXIBLE", "BREAKABLE", "SHIFTABLE", "MIN", "MAX", "ACCOUNT", "BATTERY", "FILE", "JOB",
        "LOGIN", "PASSWORD", "PATH", "POWER", "PRICE", "SITE", "STATUS", "TOKEN", "TYPES", "ARGS", "R1", "R2",
        "README", "ACME", "EUR", "MW", "KB", "MB", "GB", "P1", "P2",
        "ERROR", "DISABLED"}  # a job-status body's status; an EventBridge schedule's state
    unexplained = sorted(u for u in used - defined - not_abbreviations
                         if not re.fullmatch(r"[A-Z]+_[A-Z_]+", u)  # constants (UNKNOWN_SCHEDULE, ...)
                         and not re.fullmatch(r"PT?\d+[HMSD]", u))  # ISO durations (PT15M, P1D)
    assert not unexplained, f"spell these out in the README's Abbreviations table: {unexplained}"


def test_the_two_commands_are_on_the_first_screen():
    first_screen = "\n".join(README.splitlines()[:25])
    assert "make run" in first_screen and "make test" in first_screen


def test_the_deploy_section_is_a_numbered_checklist():
    deploy = README[README.index("## Deploy"):]
    deploy = deploy[:deploy.index("\n## ", 1)]
    steps = re.findall(r"^(\d+)\. ", deploy, flags=re.M)
    assert len(steps) >= 5 and steps[: len(steps)] == [str(n) for n in range(1, len(steps) + 1)]


def test_the_sign_convention_table_lists_the_operations_the_document_marks():
    from chalicelib.api import openapi

    table = README[README.index("**Sign conventions of power values.**"):]
    table = table[:table.index("\n\n", table.index("| endpoint |"))]
    listed = {(method, "/v3_0" + re.sub(r"<(\w+)>", r"{\1}", path))
              for method, path in re.findall(r"`(GET|POST|PATCH|DELETE) (/[^`]+)`", table)}
    marked = {(method.upper(), path) for path, methods in openapi.document()["paths"].items()
              for method, operation in methods.items() if "Sign convention" in operation.get("description", "")}
    assert listed == marked
