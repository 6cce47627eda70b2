"""Webhook test doubles: a resolver playing DNS (names -> chosen addresses), and a receiver on 127.0.0.1 that
records what it gets and answers with the statuses it is told to."""
from __future__ import annotations

import ipaddress
import ssl
import subprocess
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# Names the fake resolver knows; any other name resolves to a public documentation-free address.
PUBLIC_ADDRESS = "93.184.215.14"
ZONE = {"hooks.example.com": [PUBLIC_ADDRESS], "internal.example.com": ["10.1.2.3"],
        "metadata.example.com": ["169.254.169.254"], "mixed.example.com": [PUBLIC_ADDRESS, "192.168.0.7"],
        "local.example.com": ["127.0.0.1"], "v6.example.com": ["::1"], "mapped.example.com": ["::ffff:10.0.0.1"]}


def fake_resolve(host: str, port: int) -> list[str]:
    try:
        return [str(ipaddress.ip_address(host))]
    except ValueError:
        pass
    if host.endswith(".invalid"):
        import socket

        raise socket.gaierror(-2, "Name or service not known")
    return ZONE.get(host, [PUBLIC_ADDRESS])


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """An HTTP server on 127.0.0.1 (HTTPS with `tls`): `statuses` are answered in turn (then 200), every request is
    kept."""

    statuses: list[int] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None
    tls: ssl.SSLContext | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def __enter__(self) -> "Receiver":
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver.received.append(Received(self.path, {k: v for k, v in self.headers.items()}, body))
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        if self.tls is not None:
            self.server.socket = self.tls.wrap_socket(self.server.socket, server_side=True)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


def make_certificates(folder, host: str) -> tuple[str, ssl.SSLContext]:
    """A test CA (its certificate file) and a server TLS context with a certificate for `host` signed by it."""
    def openssl(*args: str) -> None:
        subprocess.run(["openssl", *args], cwd=folder, check=True, capture_output=True)

    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
            "-subj", "/CN=flexcloud test CA", "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr",
            "-subj", f"/CN={host}")
    (folder / "san.ext").write_text(f"subjectAltName=DNS:{host}\n")
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
            "-out", "server.pem", "-days", "2", "-extfile", "san.ext")
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(folder / "server.pem", folder / "server.key")
    return str(folder / "ca.pem"), server


def run_webhook_queue(max_messages: int = 10) -> list[str]:
    """Receive from the (moto) webhook queue and run the app's delivery handler on each message, as the SQS event
    source does: a handled message is deleted, a failed one is left for redelivery. "ok"/"retry" per message."""
    from app import deliver_webhook
    from chalicelib import settings
    from chalicelib.aws import client
    from chalicelib.store import queue

    sqs = client("sqs")
    url = queue.queue_url(settings.webhook_queue_name())
    outcomes = []
    for _ in range(max_messages):
        received = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1, AttributeNames=["All"]).get("Messages")
        if not received:
            break
        message = received[0]
        event = {"Records": [{"messageId": message["MessageId"], "receiptHandle": message["ReceiptHandle"],
                              "body": message["Body"], "attributes": message["Attributes"], "messageAttributes": {},
                              "eventSource": "aws:sqs", "eventSourceARN": "arn:aws:sqs:eu-west-1:1:q",
                              "awsRegion": "eu-west-1"}]}
        try:
            deliver_webhook(event, None)
        except Exception:  # noqa: BLE001 - as Lambda: the message stays for redelivery
            outcomes.append("retry")
            continue
        sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        outcomes.append("ok")
    return outcomes


def queued_webhook_messages(name: str | None = None) -> list[dict]:
    """Every message waiting in the webhook queue (or `name`), parsed and taken off the queue."""
    import json

    from chalicelib import settings
    from chalicelib.aws import client
    from chalicelib.store import queue

    sqs = client("sqs")
    url = queue.queue_url(name or settings.webhook_queue_name())
    out = []
    while True:
        received = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=0).get("Messages")
        if not received:
            return out
        for message in received:
            out.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
