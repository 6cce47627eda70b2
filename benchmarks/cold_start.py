"""Cold start: what a user waits for on the first request to a fresh API process, against a floor.

Every run is a fresh interpreter that serves exactly one request through the local stack's code path
(`infra.local_stack.local_gateway`, i.e. Chalice's LocalGateway, as `make run` serves it), with one moto
server behind every run:

- **app**: `GET /api/v3_0/assets` with a valid token, from process start to the response (imports, the
  token secret, the user's GetItem, the listing's DynamoDB reads, rendering);
- **floor**: a Chalice app of a few lines with one route that validates nothing and does one DynamoDB
  GetItem with boto3, from process start to its response.

Printed: medians of wall and CPU time, their ratio (aim: app / floor <= 1.3), and `import app` alone
(bytecode compiled, as the package ships it), plus where `import app` spends its time.

    python -m benchmarks.cold_start [--runs N]
"""
from __future__ import annotations

import argparse
import compileall
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PREFIX = "coldstart"
FLOOR_TABLE = "coldstart-floor"

FLOOR_APP = f'''
from chalice import Chalice
import boto3

app = Chalice(app_name="floor")


@app.route("/v3_0/assets")
def item():
    found = boto3.client("dynamodb").get_item(TableName="{FLOOR_TABLE}", Key={{"id": {{"N": "1"}}}})
    return found["Item"]["name"]["S"]
'''

# One request through the local gateway, then report the child's CPU time and exit without teardown.
CHILD = '''
import os, sys, time
sys.path.insert(0, sys.argv[1])
from infra.local_stack import local_gateway
import {module} as target
response = local_gateway(target.app).handle_request(method="GET", path="/v3_0/assets",
    headers={{"authorization": os.environ["BENCH_TOKEN"], "host": "localhost:8000"}}, body=b"")
assert response["statusCode"] == 200, response
print("served", time.process_time(), flush=True)
os._exit(0)
'''


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def provision(assets: int) -> str:
    """Tables, an account with `assets` assets and a sensor each, a user; returns the user's token."""
    import boto3

    from chalicelib.auth.passwords import hash_password
    from chalicelib.auth.tokens import issue_token
    from chalicelib.store import accounts, asset_types, assets as asset_store, sensors, tables, users

    tables.create_tables()
    kind = asset_types.seed_defaults()[0]
    account = accounts.create("Bench")
    user = users.create("bench@example.com", hash_password("bench-password"), account.id, ["account-admin"], "bench")
    for n in range(assets):
        asset = asset_store.create(name=f"asset {n}", generic_asset_type_id=kind.id, account_id=account.id)
        sensors.create(asset, "power", "kW", 15)
    dynamodb = boto3.client("dynamodb")
    dynamodb.create_table(TableName=FLOOR_TABLE, BillingMode="PAY_PER_REQUEST",
                          KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                          AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "N"}])
    dynamodb.put_item(TableName=FLOOR_TABLE, Item={"id": {"N": "1"}, "name": {"S": "floor"}})
    return issue_token(user.id, user.fs_uniquifier)


def serve_once(module: str, path: Path, env: dict[str, str]) -> tuple[float, float]:
    """(wall ms from spawning the process to its response, CPU ms the process used by then)."""
    began = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-c", CHILD.format(module=module), str(path)], cwd=path, env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = child.stdout.readline()
    wall = (time.perf_counter() - began) * 1000
    child.wait()
    if not line.startswith("served"):
        raise RuntimeError(f"{module} did not answer: {line!r} {child.stderr.read()[-2000:]}")
    return wall, float(line.split()[1]) * 1000


def import_app_ms(env: dict[str, str], runs: int) -> tuple[float, float]:
    code = ("import time; w, c = time.perf_counter(), time.process_time(); import app; "
            "print((time.perf_counter() - w) * 1000, (time.process_time() - c) * 1000)")
    samples = [subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                              check=True).stdout.split() for _ in range(runs)]
    return statistics.median(float(s[0]) for s in samples), statistics.median(float(s[1]) for s in samples)


def heaviest_packages(env: dict[str, str], top: int) -> list[tuple[int, str]]:
    """Self time of `import app` (python -X importtime) summed per top-level package."""
    result = subprocess.run([sys.executable, "-X", "importtime", "-c", "import app"], cwd=ROOT, env=env,
                            capture_output=True, text=True, check=True)
    totals: dict[str, int] = {}
    for line in result.stderr.splitlines():
        parts = line.removeprefix("import time:").split("|")
        if len(parts) == 3 and parts[0].strip().isdigit():
            package = parts[2].strip().split(".")[0]
            totals[package] = totals.get(package, 0) + int(parts[0])
    return sorted(((micros, name) for name, micros in totals.items()), reverse=True)[:top]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--assets", type=int, default=10, help="assets (with a sensor each) the user lists")
    parser.add_argument("--top", type=int, default=8)
    args = parser.parse_args(argv)

    from moto.server import ThreadedMotoServer

    port = free_port()
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}",
           "AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench", "AWS_DEFAULT_REGION": "eu-west-1",
           "FLEXCLOUD_TABLE_PREFIX": PREFIX, "FLEXCLOUD_TOKEN_SECRET": "cold-start-benchmark-secret",
           "FLEXCLOUD_PASSWORD_HASH_PROFILE": "fast"}
    os.environ.update(env)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        env["BENCH_TOKEN"] = provision(args.assets)
        compileall.compile_dir(ROOT / "chalicelib", quiet=1)
        compileall.compile_file(ROOT / "app.py", quiet=1)
        with tempfile.TemporaryDirectory() as floor_dir:
            Path(floor_dir, "floor_app.py").write_text(FLOOR_APP)
            (Path(floor_dir) / "infra").symlink_to(ROOT / "infra")
            floor_env = {**env, "PYTHONPATH": str(ROOT)}
            serve_once("floor_app", Path(floor_dir), floor_env)  # warm the page cache and bytecode
            serve_once("app", ROOT, env)
            app_runs, floor_runs = [], []
            for _ in range(args.runs):  # interleaved, so machine load hits both alike
                floor_runs.append(serve_once("floor_app", Path(floor_dir), floor_env))
                app_runs.append(serve_once("app", ROOT, env))
        imported = import_app_ms(env, args.runs)
        packages = heaviest_packages(env, args.top)
    finally:
        server.stop()

    def median(runs: list[tuple[float, float]], i: int) -> float:
        return statistics.median(r[i] for r in runs)

    app_wall, app_cpu = median(app_runs, 0), median(app_runs, 1)
    floor_wall, floor_cpu = median(floor_runs, 0), median(floor_runs, 1)
    print(f"first request from process start, median of {args.runs} fresh processes each:")
    print("                                         wall ms   CPU ms")
    print(f"app:   GET /api/v3_0/assets ({args.assets} assets)  {app_wall:8.1f} {app_cpu:8.1f}")
    print(f"floor: Chalice + one boto3 GetItem       {floor_wall:8.1f} {floor_cpu:8.1f}")
    print(f"ratio app / floor (aim <= 1.3)           {app_wall / floor_wall:8.2f} {app_cpu / floor_cpu:8.2f}")
    print(f"import app alone (bytecode compiled)     {imported[0]:8.1f} {imported[1]:8.1f}")
    print("where import app spends its time (self ms per top-level package, -X importtime):")
    for micros, name in packages:
        print(f"  {micros / 1000:7.1f}  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
