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
