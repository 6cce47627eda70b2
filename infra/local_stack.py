"""The local stack behind `make run`: moto server, resources, a seeded admin, the API, the solver worker.

Everything runs in this one process: moto in server mode emulates DynamoDB, S3, SQS and SES on
127.0.0.1; the Chalice app is served under /api exactly as API Gateway's "api" stage serves it;
worker threads receive from the schedule queue, the webhook delivery queue (and their dead-letter queues) and call
the same handlers the Lambdas run. Webhooks may go to 127.0.0.1 here (FLEXCLOUD_WEBHOOKS_ALLOW_LOOPBACK), for tests. Ctrl-C (or SIGTERM) stops all of it.

`--api-only` serves just the API, against the AWS emulation of a running local stack (AWS_ENDPOINT_URL, with that
stack's FLEXCLOUD_TOKEN_SECRET): a second "Lambda container" sharing its tables, e.g. to see a rate limit hold across
both.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import signal
import socket
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


# The settings a CLI needs to reach this stack (`make cli` sources them); removed when the stack stops.
CONNECTION_KEYS = ("AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION",
                   "FLEXCLOUD_STAGE")


def connection_file() -> Path:
    return Path(os.environ.get("FLEXCLOUD_LOCAL_ENV_FILE") or ROOT / ".local-stack" / "env")


def write_connection_file() -> Path:
    path = connection_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"{key}={os.environ[key]}\n" for key in CONNECTION_KEYS))
    return path


def configure_environment(moto_port: int) -> None:
    os.environ["AWS_ENDPOINT_URL"] = f"http://127.0.0.1:{moto_port}"
    _local_defaults()
    if not os.environ.get("FLEXCLOUD_TOKEN_SECRET"):
        os.environ["FLEXCLOUD_TOKEN_SECRET"] = secrets.token_urlsafe(32)


def _local_defaults() -> None:
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "local")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "local")
    os.environ.setdefault("AWS_DEFAULT_REGION", "eu-west-1")
    os.environ.setdefault("FLEXCLOUD_STAGE", "local")
    # Hold a pending job's GET /jobs up to 2 s, so flexmeasures-client (first wait 2 s) sees a short job end on
    # its first poll; deployments answer at once, as FlexMeasures does (settings.job_status_wait_seconds).
    os.environ.setdefault("FLEXCLOUD_JOB_STATUS_WAIT", "2")
    os.environ.setdefault("FLEXCLOUD_WEBHOOKS_ALLOW_LOOPBACK", "1")


def provision(admin_email: str, admin_password: str) -> int:
    """Create every resource and the admin; return the admin's user id."""
    from chalicelib.services.users import create_user
    from chalicelib.store import accounts, asset_types, tables, users

    tables.create_tables()
    tables.create_bucket()
    tables.create_queues()
    tables.create_schedule_group()
    tables.verify_mail_sender()
    asset_types.seed_defaults()
    existing = users.find_by_email(admin_email)
    if existing is not None:
        return existing.id
    account = accounts.create("Admin")
    return create_user(admin_email, admin_password, account.id, ["admin"], username="admin").id


def local_gateway(app):
    """Chalice's local API Gateway emulation for `app`, with the dev stage's config (what `make run` serves)."""
    from chalice.config import Config
    from chalice.local import LocalGateway

    config = Config.create(chalice_stage="dev", app_name="flexcloud",
                           config_from_disk=json.loads((ROOT / ".chalice" / "config.json").read_text()))
    return LocalGateway(app, config)


def make_http_server(port: int):
    from chalice.local import ChaliceRequestHandler, LocalGatewayException

    from app import app

    gateway = local_gateway(app)

    class StageHandler(ChaliceRequestHandler):
        """Serves the app under /api, like API Gateway's stage; unknown paths get a JSON 404."""

        def __init__(self, *args, gateway, **kwargs):
            self.local_gateway = gateway
            BaseHTTPRequestHandler.__init__(self, *args, **kwargs)

        def _generic_handle(self) -> None:
            try:
                self._serve()
            except _BadFraming as bad:
                # The body's length is unknown, so the connection cannot carry another request.
                self.close_connection = True
                self._send_json(bad.status, {"message": bad.message, "status": bad.status})

        def _parse_payload(self):
            """The headers and the body of exactly Content-Length bytes (digits only; API Gateway's 10 MB at most)."""
            length = (self.headers.get("content-length") or "0").strip()
            if not length.isdigit() or not length.isascii():
                raise _BadFraming(400, "The Content-Length header must be a whole number of bytes.")
            if int(length) > MAX_REQUEST_BYTES:
                raise _BadFraming(413, f"The request body exceeds {MAX_REQUEST_BYTES // 2**20} MB.")
            body = self.rfile.read(int(length)) if int(length) else None
            return dict(self.headers), body

        def _serve(self) -> None:
            if self.path == "/api" or self.path.startswith(("/api/", "/api?")):
                self.path = self.path[len("/api"):] or "/"
                if self.path.startswith("?"):
                    self.path = "/" + self.path
                headers, body = self._parse_payload()
                try:
                    response = self.local_gateway.handle_request(
                        method=self.command, path=self.path, headers=headers, body=body)
                except LocalGatewayException:
                    self._not_found(api_path=self.path)
                    return
                out_headers = {**response["headers"], **response["multiValueHeaders"]}
                response = self._handle_binary(response)
                self._send_http_response(response["statusCode"], out_headers, response["body"])
            else:
                self._parse_payload()
                self._not_found()

        # The base class binds do_GET etc. to its own _generic_handle; rebind them to ours.
        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_HEAD = _generic_handle

        def _not_found(self, api_path: str | None = None) -> None:
            """FlexMeasures' JSON 404; under /api (`api_path`, relative to it) with its version headers."""
            from chalicelib.api.versions import version_headers
            from chalicelib.errors import NOT_FOUND_MESSAGE

            headers = version_headers(api_path.split("?")[0]) if api_path is not None else {}
            self._send_json(404, {"message": NOT_FOUND_MESSAGE, "status": 404}, headers)

        def _send_json(self, status: int, body: dict, headers: dict | None = None) -> None:
            from chalicelib.api.hardening import security_headers

            self._send_http_response(status, {"Content-Type": "application/json", **(headers or {}),
                                              **security_headers(https=False)}, json.dumps(body))

        def log_message(self, fmt: str, *args) -> None:
            sys.stderr.write("api: " + without_tokens(fmt % args) + "\n")

    def handler(*args, **kwargs):
        return StageHandler(*args, gateway=gateway, **kwargs)

    ThreadingHTTPServer.daemon_threads = True
    return ThreadingHTTPServer(("127.0.0.1", port), handler)


# API Gateway's limit on a request's payload.
MAX_REQUEST_BYTES = 10 * 1024 * 1024
_QUERY_TOKEN = re.compile(r"(auth_token=)[^&\s\"]*", re.IGNORECASE)


class _BadFraming(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status, self.message = status, message


def without_tokens(line: str) -> str:
    """A request log line without the auth token a client may pass in the query string (`?auth_token=...`)."""
    return _QUERY_TOKEN.sub(r"\1<redacted>", line)


class QueueWorker(threading.Thread):
    """Receives from an SQS queue and calls a Chalice SQS handler, as the Lambda event source mapping does.

    `redeliver_after`: seconds until a message whose handler failed comes back (None: as the handler set it).
    """

    def __init__(self, queue_name: str, handler, stop: threading.Event, redeliver_after: int | None = 2):
        super().__init__(daemon=True, name=f"worker-{queue_name}")
        self.queue_name, self.handler, self.stop = queue_name, handler, stop
        self.redeliver_after = redeliver_after

    def run(self) -> None:
        from chalicelib.aws import client

        sqs = client("sqs")
        url = sqs.get_queue_url(QueueName=self.queue_name)["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        while not self.stop.is_set():
            try:
                messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1, WaitTimeSeconds=1,
                                               AttributeNames=["All"]).get("Messages", [])
            except Exception as exc:  # noqa: BLE001 - moto stopping at shutdown
                if not self.stop.is_set():
                    print(f"worker: receive failed: {exc}", file=sys.stderr)
                    time.sleep(1)
                continue
            for message in messages:
                self._deliver(sqs, url, arn, message)

    def _deliver(self, sqs, url: str, arn: str, message: dict) -> None:
        event = {"Records": [{
            "messageId": message["MessageId"], "receiptHandle": message["ReceiptHandle"],
            "body": message["Body"], "attributes": message.get("Attributes", {}),
            "messageAttributes": {}, "md5OfBody": message.get("MD5OfBody", ""),
            "eventSource": "aws:sqs", "eventSourceARN": arn, "awsRegion": os.environ["AWS_DEFAULT_REGION"],
        }]}
        try:
            self.handler(event, _LambdaContext())
        except Exception as exc:  # noqa: BLE001 - like Lambda: leave the message for redelivery
            print(f"worker: handler failed, message will be redelivered: {exc!r}", file=sys.stderr)
            if self.redeliver_after is not None:
                # Redeliver soon instead of after the queue's visibility timeout (two minutes).
                sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"],
                                              VisibilityTimeout=self.redeliver_after)
            return
        sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


class AutomationRunner(threading.Thread):
    """The local stand-in for EventBridge Scheduler: evaluates the automations' cron strings in their timezones and
    sends each due occurrence to its job queue, with the message a deployed schedule sends."""

    def __init__(self, stop: threading.Event, every_seconds: float = 2.0):
        super().__init__(daemon=True, name="automation-runner")
        self.stop, self.every_seconds = stop, every_seconds

    def run(self) -> None:
        from chalicelib.services.automations import fire_due

        sent: dict = {}
        while not self.stop.wait(self.every_seconds):
            try:
                fire_due(sent)
            except Exception as exc:  # noqa: BLE001 - moto stopping at shutdown, or a bad automation
                if not self.stop.is_set():
                    print(f"automation runner: {exc!r}", file=sys.stderr)


class _LambdaContext:
    function_name = "flexcloud-local-worker"
    memory_limit_in_mb = 2048

    def __init__(self):
        self.aws_request_id = str(uuid.uuid4())

    def get_remaining_time_in_millis(self) -> int:
        return 300_000


def serve_api_only(api_port: int) -> int:
    """The API alone, on the AWS emulation (and token secret) of a local stack that is already running."""
    endpoint = os.environ.get("AWS_ENDPOINT_URL")
    if not endpoint or not os.environ.get("FLEXCLOUD_TOKEN_SECRET"):
        print("--api-only serves the API of a running local stack: set AWS_ENDPOINT_URL to its AWS emulation and "
              "FLEXCLOUD_TOKEN_SECRET to its token secret.", file=sys.stderr)
        return 1
    _local_defaults()
    http_server = make_http_server(api_port)
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    print("flexcloud API is ready\n"
          f"  API:            http://127.0.0.1:{api_port}/api/v3_0\n"
          f"  AWS emulation:  {endpoint} (another local stack's)\n"
          "  Press Ctrl-C to stop.", flush=True)
    try:
        http_server.serve_forever()
    except KeyboardInterrupt:
        print("\nStopping the API...", flush=True)
    finally:
        http_server.server_close()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.local_stack", description=__doc__.splitlines()[0])
    parser.add_argument("--api-only", action="store_true",
                        help="serve only the API, on a running local stack's AWS emulation (AWS_ENDPOINT_URL)")
    args = parser.parse_args(argv)
    api_port = int(os.environ.get("FLEXCLOUD_PORT", "8000"))
    if not _port_free(api_port):
        print(f"Port {api_port} on 127.0.0.1 is already in use (another `make run`?). "
              "Stop that process or set FLEXCLOUD_PORT to a free port.", file=sys.stderr)
        return 1
    if args.api_only:
        return serve_api_only(api_port)
    moto_port = int(os.environ.get("FLEXCLOUD_MOTO_PORT", "5001"))
    if not _port_free(moto_port):
        print(f"Port {moto_port} on 127.0.0.1 is already in use (another `make run`?). "
              "Stop that process or set FLEXCLOUD_MOTO_PORT to a free port.", file=sys.stderr)
        return 1
    admin_email = os.environ.get("FLEXCLOUD_ADMIN_EMAIL", "admin@flexcloud.example")
    admin_password = os.environ.get("FLEXCLOUD_ADMIN_PASSWORD") or secrets.token_urlsafe(12)

    configure_environment(moto_port)
    import logging

    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's per-request log lines

    moto_server = ThreadedMotoServer(ip_address="127.0.0.1", port=moto_port, verbose=False)
    moto_server.start()
    stop = threading.Event()
    http_server = None
    try:
        provision(admin_email, admin_password)
        from app import (deliver_webhook, fail_dead_letter, fail_forecast_dead_letter, forecast_sensor,
                         record_webhook_dead_letter, solve_schedule)
        from chalicelib import settings

        workers = [QueueWorker(settings.schedule_queue_name(), solve_schedule, stop),
                   QueueWorker(settings.schedule_dlq_name(), fail_dead_letter, stop),
                   QueueWorker(settings.forecast_queue_name(), forecast_sensor, stop),
                   QueueWorker(settings.forecast_dlq_name(), fail_forecast_dead_letter, stop),
                   # A failed delivery sets its own backoff (FLEXCLOUD_WEBHOOK_BACKOFF): keep it.
                   QueueWorker(settings.webhook_queue_name(), deliver_webhook, stop, redeliver_after=None),
                   QueueWorker(settings.webhook_dlq_name(), record_webhook_dead_letter, stop),
                   AutomationRunner(stop)]
        for worker in workers:
            worker.start()
        http_server = make_http_server(api_port)
        signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
        connection = write_connection_file()
        print(
            "flexcloud local stack is ready\n"
            f"  API:            http://127.0.0.1:{api_port}/api/v3_0\n"
            f"  API docs:       http://127.0.0.1:{api_port}/api/v3_0/docs\n"
            f"  AWS emulation:  http://127.0.0.1:{moto_port} (moto: DynamoDB, S3, SQS, SES)\n"
            f"  admin email:    {admin_email}\n"
            f"  admin password: {admin_password}\n"
            f"  ops CLI:        make cli ARGS=\"add-account --name X\"  (connection in {_shown(connection)})\n"
            "  Press Ctrl-C to stop.", flush=True)
        http_server.serve_forever()
    except KeyboardInterrupt:
        print("\nStopping the local stack...", flush=True)
    finally:
        # A second Ctrl-C, or make forwarding the signal to its process group, must not interrupt the cleanup.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        connection_file().unlink(missing_ok=True)
        stop.set()
        if http_server is not None:
            http_server.server_close()
        moto_server.stop()
    return 0


def _shown(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


if __name__ == "__main__":
    sys.exit(main())
