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
