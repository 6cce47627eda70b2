"""A bounded load test of the local stack over loopback: concurrent users of several accounts mixing reads, posts,
uploads and triggers; then every posted value is read back.

Starts `python -m infra.local_stack` on free 127.0.0.1 ports (rate limits off: this measures the app, not the
limiter), seeds accounts, users (account-admins), one data sensor and one battery per account, then runs a fixed
number of requests from N threads within a time limit. The users of one account share its sensors, so posts race
on the same sensor-days (the store's version checks and retries). Prints throughput, p50/p99 latency per kind,
the 5xx count and lost writes (posted or uploaded values that do not read back).

    .venv/bin/python -m benchmarks.load [--users 12] [--accounts 4] [--requests 1200] [--time-limit 180]
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import requests  # noqa: E402

from tests.e2e.conftest import running_local_stack  # noqa: E402 - the e2e tests' launcher, on free ports

BASE = datetime(2025, 1, 1, tzinfo=timezone.utc)
STEP = timedelta(minutes=15)
PASSWORD = "load-test-password"
# Share of each kind of request (the rest are asset listings).
MIX = (("post", 0.45), ("read", 0.25), ("upload", 0.10), ("trigger", 0.05), ("list", 0.15))
BATTERY = {"soc-at-start": "10 kWh", "soc-min": "0 kWh", "soc-max": "100 kWh", "power-capacity": "50 kW"}


@dataclass
class Account:
    id: int
    sensor: int = 0
    battery: int = 0
    posted: dict[int, float] = field(default_factory=dict)  # slot -> value, as the API answered 200 for it
    lock: threading.Lock = field(default_factory=threading.Lock)
    next_slot: int = 0

    def slots(self, n: int) -> list[int]:
        """`n` consecutive fresh slots (an upload's rows must be: spaced rows would be coarser data, repeated)."""
        with self.lock:
            first, self.next_slot = self.next_slot, self.next_slot + n
        return list(range(first, first + n))


@dataclass
class User:
    account: Account
    headers: dict[str, str]


@dataclass
class Results:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, kind: str, seconds: float, status: int, detail: str = "") -> None:
        with self.lock:
            self.latencies[kind].append(seconds)
            self.statuses[status] += 1
            if status >= 500 and len(self.errors) < 10:
                self.errors.append(f"{kind} {status} {detail[:200]}")


def seed(base_url: str, connection_file: Path, accounts: int, users_per_account: int) -> list[User]:
    """Accounts and account-admins through the store (as `make cli add-account/add-user` would), their sensors
    through the API."""
    for line in connection_file.read_text().splitlines():
        key, _, value = line.partition("=")
        os.environ[key] = value
    os.environ["FLEXCLOUD_PASSWORD_HASH_PROFILE"] = "fast"
    from chalicelib.services.users import create_user
    from chalicelib.store import accounts as account_store

    users = []
    for a in range(accounts):
        account = Account(account_store.create(f"Load {a}").id)
        for u in range(users_per_account):
            email = f"load{a}-{u}@example.com"
            create_user(email, PASSWORD, account.id, ["account-admin"], username=f"load {a}-{u}")
            login = requests.post(f"{base_url}/requestAuthToken", json={"email": email, "password": PASSWORD},
                                  timeout=30).json()
            users.append(User(account, {"Authorization": login["auth_token"]}))
        headers = users[-1].headers
        types = requests.get(f"{base_url}/v3_0/assets/types", headers=headers, timeout=30).json()
        battery_type = next(t["id"] for t in types if t["name"] == "battery")
        asset = requests.post(f"{base_url}/v3_0/assets", headers=headers, timeout=30, json={
            "name": f"Load site {a}", "generic_asset_type_id": battery_type, "account_id": account.id}).json()
        account.sensor = _sensor(base_url, headers, asset["id"], "meter", "kW")
        account.battery = _sensor(base_url, headers, asset["id"], "battery", "kW")
    return users


def _sensor(base_url: str, headers: dict, asset_id: int, name: str, unit: str) -> int:
    r = requests.post(f"{base_url}/v3_0/sensors", headers=headers, timeout=30, json={
        "name": name, "unit": unit, "event_resolution": "PT15M", "generic_asset_id": asset_id, "timezone": "UTC"})
    r.raise_for_status()
    return r.json()["id"]


def one_request(base_url: str, user: User, kind: str, results: Results, session: requests.Session) -> None:
    account = user.account
    new: dict[int, float] = {}
    if kind == "post":
        slot = account.slots(1)[0]
        new = {slot: float(slot % 1000) + 0.25}
        call = lambda: session.post(f"{base_url}/v3_0/sensors/{account.sensor}/data", headers=user.headers, json={  # noqa: E731
            "values": [new[slot]], "start": (BASE + slot * STEP).isoformat(), "duration": "PT15M", "unit": "kW"},
            timeout=60)
    elif kind == "upload":
        new = {slot: float(slot % 1000) + 0.5 for slot in account.slots(4)}
        csv = "event_start,event_value\n" + "".join(f"{(BASE + s * STEP).isoformat()},{v}\n" for s, v in new.items())
        call = lambda: session.post(f"{base_url}/v3_0/sensors/{account.sensor}/data/upload", headers=user.headers,  # noqa: E731
                                    files={"uploaded-files": ("load.csv", csv.encode(), "text/csv")}, timeout=60)
    elif kind == "read":
        call = lambda: session.get(f"{base_url}/v3_0/sensors/{account.sensor}/data", headers=user.headers,  # noqa: E731
                                   params={"start": BASE.isoformat(), "duration": "P1D", "unit": "kW"}, timeout=60)
    elif kind == "trigger":
        start = (BASE + timedelta(hours=random.randrange(24))).isoformat()
        call = lambda: session.post(f"{base_url}/v3_0/sensors/{account.battery}/schedules/trigger",  # noqa: E731
                                    headers=user.headers, timeout=60, json={
                                        "start": start, "duration": "PT4H", "flex-model": BATTERY,
                                        "flex-context": {"consumption-price": "30 EUR/MWh"}})
    else:
        call = lambda: session.get(f"{base_url}/v3_0/assets", headers=user.headers, timeout=60)  # noqa: E731
    began = time.perf_counter()
    try:
        response = call()
        status, detail = response.status_code, response.text
    except requests.RequestException as exc:
        status, detail = 599, repr(exc)  # no answer at all counts as a server failure
    results.record(kind, time.perf_counter() - began, status, detail)
    if status == 200 and new:
        with account.lock:
            account.posted.update(new)


def lost_writes(base_url: str, users: list[User]) -> tuple[int, int]:
    """(values posted with a 200, of those not read back) over every account's sensor."""
    posted = lost = 0
    for account in {id(u.account): u.account for u in users}.values():
        if not account.posted:
            continue
        last = max(account.posted) + 1
        r = requests.get(f"{base_url}/v3_0/sensors/{account.sensor}/data", headers=users[0].headers
                         if users[0].account is account else next(u.headers for u in users if u.account is account),
                         params={"start": BASE.isoformat(), "duration": f"PT{15 * last}M", "unit": "kW"}, timeout=120)
        values = r.json()["values"]
        posted += len(account.posted)
        lost += sum(1 for slot, value in account.posted.items() if values[slot] is None or abs(values[slot] - value) > 1e-9)
    return posted, lost


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=12, help="concurrent users (threads)")
    parser.add_argument("--accounts", type=int, default=4)
    parser.add_argument("--requests", type=int, default=1200, help="requests in all")
    parser.add_argument("--time-limit", type=float, default=180, help="seconds; the run stops there")
    parser.add_argument("--seed", type=int, default=14)
    args = parser.parse_args()
    random.seed(args.seed)
    k = max(1, args.users // args.accounts)

    with running_local_stack({"RATELIMIT_ENABLED": "false"}) as stack:
        assert stack.base_url.startswith("http://127.0.0.1:"), "loopback only"
        users = seed(stack.base_url, stack.connection_file, args.accounts, k)
        kinds = random.choices([kind for kind, _ in MIX], weights=[w for _, w in MIX], k=args.requests)
        work = iter(enumerate(kinds))
        work_lock, results = threading.Lock(), Results()
        deadline = time.monotonic() + args.time_limit

        def run(user: User) -> None:
            session = requests.Session()
            while time.monotonic() < deadline:
                with work_lock:
                    item = next(work, None)
                if item is None:
                    return
                one_request(stack.base_url, user, item[1], results, session)

        began = time.perf_counter()
        threads = [threading.Thread(target=run, args=(user,)) for user in users]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - began
        posted, lost = lost_writes(stack.base_url, users)

    done = sum(len(v) for v in results.latencies.values())
    every = sorted(s for v in results.latencies.values() for s in v)
    print(f"{len(users)} users in {args.accounts} accounts, {done} of {args.requests} requests in {elapsed:.1f} s "
          f"(limit {args.time_limit:.0f} s): {done / elapsed:.1f} requests/s")
    print(f"{'kind':<8} {'count':>6} {'p50 ms':>8} {'p99 ms':>8}")
    for kind in [k_ for k_, _ in MIX] + ["all"]:
        values = every if kind == "all" else sorted(results.latencies.get(kind, []))
        if values:
            print(f"{kind:<8} {len(values):>6} {_pct(values, 50):>8.0f} {_pct(values, 99):>8.0f}")
    server_errors = sum(n for status, n in results.statuses.items() if status >= 500)
    print("statuses:", dict(sorted(results.statuses.items())))
    print(f"5xx: {server_errors}; lost writes: {lost} of {posted} values posted or uploaded with a 200")
    for error in results.errors:
        print("  ", error)


def _pct(values: list[float], pct: float) -> float:
    return 1000 * values[min(len(values) - 1, int(round(pct / 100 * (len(values) - 1))))]


if __name__ == "__main__":
    main()
