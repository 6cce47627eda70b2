"""The local server under malformed framing (issue 14, finding 8): a clear 400/413, and it keeps serving."""
from __future__ import annotations

import json
import socket
from urllib.parse import urlparse

import pytest
import requests


def _raw(local_stack, request: bytes) -> bytes:
    address = urlparse(local_stack.base_url)
    with socket.create_connection((address.hostname, address.port), timeout=10) as sock:
        sock.sendall(request)
        chunks = []
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            chunks.append(chunk)
    return b"".join(chunks)


@pytest.mark.parametrize("length,status", [("abc", 400), ("-5", 400), ("1e3", 400), ("٣", 400),
                                           (str(11 * 2**20), 413)])
def test_a_bad_content_length_gets_a_json_answer(local_stack, length, status):
    answer = _raw(local_stack, (f"POST /api/requestAuthToken HTTP/1.1\r\nHost: x\r\nContent-Type: application/json"
                                f"\r\nContent-Length: {length}\r\n\r\n{{}}").encode())
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(f"HTTP/1.0 {status}".encode()) or head.startswith(f"HTTP/1.1 {status}".encode()), head
    assert b"nosniff" in head
    assert json.loads(body)["status"] == status
    assert requests.get(f"{local_stack.base_url}/", timeout=10).status_code == 200  # still serving
