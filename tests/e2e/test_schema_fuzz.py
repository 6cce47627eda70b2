"""Schema fuzzing (issue 14): schemathesis generates requests for every operation of our own OpenAPI document
(`GET /api/v3_0/openapi.json`) and sends them to the local stack over HTTP, as the admin and as a plain member.

Every response must pass three checks: no 5xx, a body that matches the schema documented for its status, and the
documented content type (so no non-JSON body where JSON is documented). Failures are collected, not raised one at
a time, so a run reports all of them with a curl reproducer, then fails if there were any.

`make test` runs a few examples per operation; `make fuzz` sets FLEXCLOUD_FUZZ_EXAMPLES higher.
"""
from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass, field

import pytest
import requests
import schemathesis

from tests.e2e.conftest import ROOT, LocalStack, running_local_stack

EXAMPLES = int(os.environ.get("FLEXCLOUD_FUZZ_EXAMPLES", "3"))
MEMBER_EMAIL, MEMBER_PASSWORD = "fuzz-member@flexcloud.example", "fuzz-member-password"
HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}
ID_PATHS_THAT_LOCK_OUT = {
    # Deactivating, or resetting the password of, a fuzzing user would end the run's own logins: these two are
    # fuzzed on every id but the two fuzzing users' own.
    ("PATCH", "/v3_0/users/{id}"),
    ("PATCH", "/v3_0/users/{id}/password-reset"),
}


@dataclass
class Figures:
    operations: int = 0
    cases: int = 0
    failures: list[str] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)  # cases by status class, e.g. {'2xx': 120, '4xx': 260}


def _cli(stack: LocalStack, *args: str) -> str:
    """`python -m chalicelib.cli ARGS` against the stack (the settings `make cli` sources)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "FLEXCLOUD_"))}
    for line in stack.connection_file.read_text().splitlines():
        key, sep, value = line.partition("=")
        if sep and not key.startswith("#"):
            env[key.strip().removeprefix("export ").strip()] = value.strip().strip("'\"")
    done = subprocess.run([sys.executable, "-m", "chalicelib.cli", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _login(stack: LocalStack, email: str, password: str) -> dict:
    r = requests.post(f"{stack.base_url}/requestAuthToken", json={"email": email, "password": password}, timeout=10)
    r.raise_for_status()
    return r.json()


def _known_ids(stack: LocalStack, token: str, account_id: int) -> dict[str, int]:
    """Records the fuzz can aim at, by path prefix: random ids mostly answer 404, these reach the views."""
    base, headers = stack.base_url + "/v3_0", {"Authorization": token}

    def post(path: str, body: dict) -> int:
        r = requests.post(base + path, json=body, headers=headers, timeout=20)
        assert r.status_code == 201, r.text
        return r.json()["id"]

    kind = requests.get(base + "/assets/types", headers=headers, timeout=20).json()[0]["id"]
    asset = post("/assets", {"name": "fuzz site", "generic_asset_type_id": kind})
    sensor = post("/sensors", {"name": "fuzz battery", "unit": "kW", "event_resolution": "PT15M",
                               "generic_asset_id": asset})
    _cli(stack, "add-user", "--email", "fuzz-target@flexcloud.example", "--password", "fuzz-target-pw",
                  "--account-id", str(account_id))
    target_id = _login(stack, "fuzz-target@flexcloud.example", "fuzz-target-pw")["user_id"]
    return {"/v3_0/assets/": asset, "/v3_0/sensors/": sensor, "/v3_0/users/": target_id,
            "/v3_0/accounts/": account_id}


def _aim(case, known: dict[str, int]) -> None:
    """Point the case's `{id}` at a known record (not for DELETE: a deleted record would be gone for the rest)."""
    if case.method.upper() == "DELETE" or "id" not in (case.path_parameters or {}):
        return
    for prefix, record_id in known.items():
        if case.path.startswith(prefix):
            case.path_parameters["id"] = record_id


def _skips(case, own_user_ids: set[str]) -> bool:
    if (case.method.upper(), case.path) not in ID_PATHS_THAT_LOCK_OUT:
        return False
    return str((case.path_parameters or {}).get("id")) in own_user_ids


def fuzz(stack: LocalStack, tokens: dict[str, str], own_user_ids: set[str], known: dict[str, int],
         examples: int) -> Figures:
    # The document as served, loaded from a dict: `from_url` would leave out GET /v3_0/openapi.json itself.
    document = requests.get(f"{stack.base_url}/v3_0/openapi.json", timeout=20).json()
    schema = schemathesis.openapi.from_dict(document)
    figures = Figures()
    session = requests.Session()
    for result in schema.get_all_operations():
        operation = result.ok()
        figures.operations += 1
        for persona, token in tokens.items():
            _fuzz_operation(stack, session, operation, persona, token, own_user_ids, known, examples, figures)
    return figures


def _fuzz_operation(stack, session, operation, persona: str, token: str, own_user_ids: set[str],
                    known: dict[str, int], examples: int, figures: Figures) -> None:
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import strategies as st
    from schemathesis.checks import not_a_server_error
    from schemathesis.core.failures import Failure, FailureGroup
    from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

    checks = [not_a_server_error, response_schema_conformance, content_type_conformance]
    headers = {"Authorization": token}

    # Derandomized, so `make test` sends the same cases every run; no shrinking (failures are collected, not raised).
    @settings(max_examples=examples, deadline=None, database=None, derandomize=True,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(), aimed=st.booleans())
    def run(case, aimed):
        if aimed:
            _aim(case, known)
        if _skips(case, own_user_ids):
            return
        figures.cases += 1
        response = case.call(base_url=stack.base_url, session=session, headers=headers, timeout=30)
        figures.statuses[f"{response.status_code // 100}xx"] += 1
        try:
            case.validate_response(response, checks=checks, headers=headers)
        except (Failure, FailureGroup) as exc:  # keep going: the run reports all of them
            figures.failures.append(
                f"[{persona}] {operation.label} -> {response.status_code}: {str(exc).strip()[:1500]}\n"
                f"    {case.as_curl_command(headers=headers)}")

    run()


@pytest.fixture(scope="module")
def fuzz_stack():
    # Rate limits off: a fuzz run sends far more than 500 requests a minute per user, and 429s would stand in for
    # the answers under test (the limits have their own tests).
    with running_local_stack({"RATELIMIT_ENABLED": "false"}) as stack:
        yield stack


def test_every_operation_survives_schema_fuzzing_as_admin_and_as_member(fuzz_stack):
    admin = _login(fuzz_stack, fuzz_stack.admin_email, fuzz_stack.admin_password)
    account_id = fuzz_stack.admin_account_id()
    _cli(fuzz_stack, "add-user", "--email", MEMBER_EMAIL, "--password", MEMBER_PASSWORD,
         "--account-id", str(account_id))
    member = _login(fuzz_stack, MEMBER_EMAIL, MEMBER_PASSWORD)
    known = _known_ids(fuzz_stack, admin["auth_token"], account_id)
    figures = fuzz(fuzz_stack, {"admin": admin["auth_token"], "member": member["auth_token"]},
                   {str(admin["user_id"]), str(member["user_id"])}, known, EXAMPLES)
    print(f"\nschema fuzzing: {figures.operations} operations, {figures.cases} cases, "
          f"{len(figures.failures)} failures ({EXAMPLES} examples per operation and persona; "
          f"statuses {dict(sorted(figures.statuses.items()))})")
    served = requests.get(f"{fuzz_stack.base_url}/v3_0/openapi.json", timeout=20).json()["paths"]
    assert figures.operations == sum(len(set(item) & HTTP_METHODS) for item in served.values())
    assert figures.cases >= figures.operations
    assert not figures.failures, "\n".join(figures.failures)
