"""The app through chalice.test.Client, called with paths as clients write them (/api/...)."""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from tests import openapi_check


@dataclass
class Resp:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


class Api:
    """Calls the app through chalice.test.Client with paths as clients write them (/api/...)."""

    def __init__(self, client):
        self.client = client

    def request(self, method: str, path: str, *, json_body: Any = None, token: str | None = None,
                query: dict[str, Any] | None = None, headers: dict[str, str] | None = None,
                body: bytes | str | None = None) -> Resp:
        if path.startswith("/api"):
            path = path[len("/api"):] or "/"
        if query:
            path += "?" + urlencode(query, doseq=True)
        all_headers = {"host": "localhost:8000", **(headers or {})}
        if token:
            all_headers["Authorization"] = token
        if json_body is not None:
            body = json.dumps(json_body)
            all_headers.setdefault("Content-Type", "application/json")
        raw = self.client.http.request(method, path, headers=all_headers, body=body or b"")
        resp = Resp(raw.status_code, {k.lower(): v for k, v in raw.headers.items()}, raw.body)
        openapi_check.check_any(method, path, resp)  # every answer of the API tests matches its documentation
        return resp

    def get(self, path, **kw): return self.request("GET", path, **kw)
    def post(self, path, json=None, **kw): return self.request("POST", path, json_body=json, **kw)
    def patch(self, path, json=None, **kw): return self.request("PATCH", path, json_body=json, **kw)
    def delete(self, path, **kw): return self.request("DELETE", path, **kw)
