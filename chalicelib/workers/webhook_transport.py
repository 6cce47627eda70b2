"""One webhook POST to an address checked beforehand: the connection is pinned to that address, while TLS still
verifies the certificate for the URL's host name (SNI), so a name re-resolving elsewhere cannot redirect it."""
from __future__ import annotations

import http.client
import socket
import ssl

from chalicelib.services.webhook_addresses import Target

# What is read of a receiver's answer: only its status matters.
MAX_RESPONSE_BYTES = 4096


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host: str, port: int, address: str, timeout: float):
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, address: str, timeout: float):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        raw = socket.create_connection((self._address, self.port), self.timeout)
        # server_hostname: SNI and certificate (and host name) verification against the URL's host.
        self.sock = self._context.wrap_socket(raw, server_hostname=self.host)


def post(target: Target, body: bytes, headers: dict[str, str], timeout: float) -> int:
    """POST `body` to the first of the target's addresses that accepts a connection; its HTTP status.

    Raises OSError (refused, unreachable, timeout, TLS) or http.client.HTTPException (a garbled answer).
    Redirects are not followed: a 3xx is an answer like any other non-2xx.
    """
    last_error: OSError | None = None
    for address in target.addresses:
        kind = _PinnedHTTPSConnection if target.scheme == "https" else _PinnedHTTPConnection
        connection = kind(target.host, target.port, address, timeout)
        try:
            connection.connect()
        except OSError as exc:
            connection.close()
            last_error = exc
            continue
        try:
            connection.request("POST", target.path, body=body, headers=headers)
            response = connection.getresponse()
            response.read(MAX_RESPONSE_BYTES)
            return response.status
        finally:
            connection.close()
    raise last_error or OSError("no address to connect to")
