"""Starts the local stack (`python -m infra.local_stack`) on free ports for end-to-end tests over HTTP."""
from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Awaitable, Callable, Iterator
from urllib.parse import urlparse

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class LocalStack:
    base_url: str  # http://127.0.0.1:<port>/api
    admin_email: str
    admin_password: str
    moto_url: str
    connection_file: Path  # the settings `make cli` sources to reach this stack

    def _login(self) -> dict[str, Any]:
        r = requests.post(f"{self.base_url}/requestAuthToken",
                          json={"email": self.admin_email, "password": self.admin_password}, timeout=10)
        r.raise_for_status()
        return r.json()

    def token(self) -> str:
        return self._login()["auth_token"]

    def caller(self) -> Callable[..., requests.Response]:
        """`call(method, path, **requests_kwargs)` under /api/v3_0 as the admin, asserting a 2xx answer."""
        base, headers = f"{self.base_url}/v3_0", {"Authorization": self.token()}

        def call(method: str, path: str, **kw: Any) -> requests.Response:
            r = requests.request(method, base + path, headers=headers, timeout=20, **kw)
            assert r.status_code < 300, r.text
            return r

        return call

    def admin_account_id(self) -> int:
        login = self._login()
        user = requests.get(f"{self.base_url}/v3_0/users/{login['user_id']}",
                            headers={"Authorization": login["auth_token"]}, timeout=10)
        return user.json()["account_id"]

    def run(self, scenario: Callable[[Any], Awaitable[Any]], **client_options: Any) -> Any:
        """`await scenario(client)` with a new flexmeasures-client logged in as the admin, closed afterwards."""
        from flexmeasures_client import FlexMeasuresClient

        async def main():
            client = FlexMeasuresClient(email=self.admin_email, password=self.admin_password,
                                        host=urlparse(self.base_url).netloc, ssl=False, **client_options)
            try:
                return await scenario(client)
            finally:
                await client.close()

        return asyncio.run(main())


@contextmanager
def running_local_stack(extra_env: dict[str, str] | None = None, *, api_only: bool = False) -> Iterator[LocalStack]:
    """`python -m infra.local_stack` (with `--api-only`: just the API) on free ports, until the block ends.

    The environment is this one's without AWS_* and FLEXCLOUD_* settings, plus `extra_env`; an API-only process
    finds the AWS emulation and the token secret of the stack it joins there.
    """
    api_port, moto_port = _free_port(), _free_port()
    connection_file = Path(tempfile.mkdtemp(prefix="flexcloud-e2e-")) / "env"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "FLEXCLOUD_"))}
    env.update(FLEXCLOUD_PORT=str(api_port), FLEXCLOUD_MOTO_PORT=str(moto_port),
               FLEXCLOUD_ADMIN_PASSWORD="e2e-admin-password", FLEXCLOUD_PASSWORD_HASH_PROFILE="fast",
               FLEXCLOUD_LOCAL_ENV_FILE=str(connection_file), **(extra_env or {}))
    command = [sys.executable, "-m", "infra.local_stack"] + (["--api-only"] if api_only else [])
    proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines = []
    deadline = time.time() + 90
    try:
        while time.time() < deadline:
            line = proc.stdout.readline()
            if not line:
                if proc.poll() is not None:
                    break
                continue
            lines.append(line)
            if "Press Ctrl-C to stop." in line:
                break
        else:
            pytest.fail("local stack did not start in time:\n" + "".join(lines))
        if proc.poll() is not None:
            pytest.fail("local stack exited:\n" + "".join(lines))
        # Keep draining output so the child never blocks on a full pipe.
        threading.Thread(target=lambda: [None for _ in proc.stdout], daemon=True).start()
        moto_url = env.get("AWS_ENDPOINT_URL") if api_only else f"http://127.0.0.1:{moto_port}"
        yield LocalStack(f"http://127.0.0.1:{api_port}/api", "admin@flexcloud.example", "e2e-admin-password",
                         moto_url, connection_file)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="session")
def local_stack():
    with running_local_stack() as stack:
        yield stack
