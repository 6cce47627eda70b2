"""The local stack over real HTTP: login, listing, health, errors."""
from __future__ import annotations

import pytest
import requests

pytestmark = pytest.mark.e2e


def test_admin_logs_in_and_lists_services(local_stack):
    token = local_stack.token()
    r = requests.get(f"{local_stack.base_url}/v3_0", headers={"Authorization": token}, timeout=10)
    assert r.status_code == 200
    names = [s["name"] for s in r.json()["services"]]
    assert "GET /health/ready" in names


def test_health_is_ready(local_stack):
    r = requests.get(f"{local_stack.base_url}/v3_0/health/ready", timeout=10)
    assert r.status_code == 200
    assert r.json() == {"database_sql": True, "queue": True, "status": 200}


def test_wrong_password_and_unknown_email(local_stack):
    r = requests.post(f"{local_stack.base_url}/requestAuthToken",
                      json={"email": local_stack.admin_email, "password": "nope"}, timeout=10)
    assert r.status_code == 401 and r.json() == {"errors": ["User password does not match."], "status": 401}
    r = requests.post(f"{local_stack.base_url}/requestAuthToken",
                      json={"email": "ghost@example.com", "password": "nope"}, timeout=10)
    assert r.status_code == 404


def test_unknown_path_is_json_404(local_stack):
    r = requests.get(f"{local_stack.base_url}/v3_0/does-not-exist", timeout=10)
    assert r.status_code == 404
    assert r.headers["Content-Type"] == "application/json"


def _make_cli(local_stack, *args: str, env: dict | None = None):
    import os
    import shutil
    import subprocess

    from tests.e2e.conftest import ROOT

    environ = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "FLEXCLOUD_"))}
    environ.update(env or {})
    return subprocess.run([shutil.which("make"), "-s", "cli", f"LOCAL_ENV={local_stack.connection_file}",
                           f"ARGS={' '.join(args)}"], cwd=ROOT, env=environ, capture_output=True, text=True,
                          timeout=120)


def test_make_cli_reaches_the_running_stack_with_no_other_environment(local_stack):
    settings = dict(line.split("=", 1) for line in local_stack.connection_file.read_text().splitlines())
    assert settings["AWS_ENDPOINT_URL"] == local_stack.moto_url and settings["FLEXCLOUD_STAGE"] == "local"
    result = _make_cli(local_stack, "add-account", "--name", "'CLI Corp'")
    assert result.returncode == 0, result.stderr
    account_id = int(result.stdout.strip().splitlines()[-1])
    listed = requests.get(f"{local_stack.base_url}/v3_0/accounts/{account_id}",
                          headers={"Authorization": local_stack.token()}, timeout=10)
    assert listed.status_code == 200 and listed.json()["name"] == "CLI Corp"


def test_cli_errors_name_stage_region_and_table_in_one_line(local_stack):
    import os
    import subprocess
    import sys

    from tests.e2e.conftest import ROOT

    environ = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "FLEXCLOUD_"))}
    environ.update(AWS_ENDPOINT_URL=local_stack.moto_url, AWS_ACCESS_KEY_ID="x", AWS_SECRET_ACCESS_KEY="x",
                   AWS_DEFAULT_REGION="eu-west-1", FLEXCLOUD_STAGE="nosuchstage")
    result = subprocess.run([sys.executable, "-m", "chalicelib.cli", "add-account", "--name", "X"], cwd=ROOT,
                            env=environ, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr
    assert lines[0].startswith("Error: table flexcloud-nosuchstage-") and "not found" in lines[0]
    assert "stage nosuchstage, region eu-west-1" in lines[0]
    del environ["AWS_ACCESS_KEY_ID"], environ["AWS_SECRET_ACCESS_KEY"], environ["AWS_ENDPOINT_URL"]
    environ["HOME"] = "/nonexistent"
    result = subprocess.run([sys.executable, "-m", "chalicelib.cli", "add-account", "--name", "X"], cwd=ROOT,
                            env=environ, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and result.stderr.startswith("Error: no AWS credentials (stage nosuchstage")
    assert len(result.stderr.strip().splitlines()) == 1


def test_stopping_the_stack_with_signals_to_its_process_group_is_clean(tmp_path):
    """SIGTERM to the group (make forwards it again during cleanup) stops everything without a traceback."""
    import os
    import signal
    import subprocess
    import sys
    import time

    from tests.e2e.conftest import ROOT, _free_port

    connection_file = tmp_path / "env"
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "FLEXCLOUD_"))}
    environ.update(FLEXCLOUD_PORT=str(_free_port()), FLEXCLOUD_MOTO_PORT=str(_free_port()),
                   FLEXCLOUD_PASSWORD_HASH_PROFILE="fast", FLEXCLOUD_LOCAL_ENV_FILE=str(connection_file))
    stack = subprocess.Popen([sys.executable, "-m", "infra.local_stack"], cwd=ROOT, env=environ,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    output = []
    for line in stack.stdout:
        output.append(line)
        if "Press Ctrl-C to stop." in line:
            break
    assert connection_file.exists(), "".join(output)
    os.killpg(stack.pid, signal.SIGTERM)
    time.sleep(0.05)
    os.killpg(stack.pid, signal.SIGTERM)  # the second signal lands during cleanup
    rest, _ = stack.communicate(timeout=60)
    assert stack.returncode == 0, "".join(output) + rest
    assert "Traceback" not in rest and "KeyboardInterrupt" not in rest
    assert "Stopping the local stack" in rest and not connection_file.exists()


def test_concurrent_users_of_several_accounts_each_get_their_own_records(local_stack):
    """1,500 concurrent requests once handed a member another account's user record (a shared current request)."""
    from concurrent.futures import ThreadPoolExecutor

    users = []
    for n in range(6):
        account_id = _make_account(local_stack, f"Concurrent {n}")
        email = f"concurrent{n}@example.com"
        _make_user(local_stack, email, account_id)
        login = requests.post(f"{local_stack.base_url}/requestAuthToken",
                              json={"email": email, "password": "concurrent-pw"}, timeout=10).json()
        users.append((login["user_id"], account_id, {"Authorization": login["auth_token"]}))

    def ask(args):
        user_id, account_id, headers = args
        me = requests.get(f"{local_stack.base_url}/v3_0/users/{user_id}", headers=headers, timeout=30)
        assets = requests.get(f"{local_stack.base_url}/v3_0/assets", headers=headers, timeout=30)
        return (user_id, account_id, me.status_code, me.json().get("id"), me.json().get("account_id"),
                assets.status_code)

    with ThreadPoolExecutor(max_workers=12) as pool:
        answers = list(pool.map(ask, users * 40))
    assert all(status == 200 and got == user_id and got_account == account_id and listed == 200
               for user_id, account_id, status, got, got_account, listed in answers), [
        a for a in answers if a[3] != a[0] or a[4] != a[1]][:5]


def _make_account(local_stack, name: str) -> int:
    result = _make_cli(local_stack, "add-account", "--name", f"'{name}'")
    assert result.returncode == 0, result.stderr
    return int(result.stdout.strip().splitlines()[-1])


def _make_user(local_stack, email: str, account_id: int) -> None:
    result = _make_cli(local_stack, "add-user", "--email", email, "--password", "concurrent-pw", "--account-id",
                       str(account_id))
    assert result.returncode == 0, result.stderr


def test_unknown_paths_say_the_versions_under_api_only(local_stack):
    r = requests.get(f"{local_stack.base_url}/v3_0/does-not-exist", timeout=10)
    assert (r.status_code, r.headers["FlexMeasures-Version"], r.headers["API-Version"]) == (404, "1.0.1", "v3_0")
    r = requests.get(f"{local_stack.base_url}/nothing-here", timeout=10)
    assert r.status_code == 404 and r.headers["FlexMeasures-Version"] == "1.0.1" and "API-Version" not in r.headers
    r = requests.get(local_stack.base_url.removesuffix("/api") + "/elsewhere", timeout=10)
    assert r.status_code == 404 and "FlexMeasures-Version" not in r.headers


def test_flexmeasures_client_takes_its_current_code_paths(local_stack):
    """The client reads the server's version from the header of its first response, and uses the jobs API, the
    asset trigger and units for FlexMeasures from 0.33 on."""
    from flexmeasures_client.client import JOB_STATUS_MIN_SERVER_VERSION, _server_version_at_least

    async def scenario(client):
        await client.get_versions()
        return client.server_version, client._supports_job_status_api()

    version, jobs_api = local_stack.run(scenario)
    assert version == "1.0.1" and jobs_api
    assert _server_version_at_least(version, JOB_STATUS_MIN_SERVER_VERSION)
