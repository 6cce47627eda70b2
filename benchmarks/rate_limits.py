"""What rate limiting costs a request: DynamoDB calls and wall time with limits off and on, under moto.

The same requests alternately with `RATELIMIT_ENABLED=false` and with limits on (FlexMeasures' code path, with
amounts high enough that nothing is refused), in moto's in-process AWS (mock_aws); DynamoDB calls counted as in
benchmarks/listing.py. Wall times are moto's, not DynamoDB's: count the calls, and take the ms as relative.

    .venv/bin/python -m benchmarks.rate_limits [--repeat 21]
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.listing import RequestCounter  # noqa: E402 - also sets the offline AWS environment
from benchmarks.schedule_api import seeded_site, timed, trigger_body  # noqa: E402

ON = {"RATELIMIT_ENABLED": "true", "FLEXMEASURES_API_DEFAULT_RATE_LIMIT": "1000000 per minute",
      "FLEXMEASURES_API_TRIGGER_RATE_LIMIT": "1000000 per 5 minutes"}
OFF = {"RATELIMIT_ENABLED": "false"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=21)
    args = parser.parse_args()

    from moto import mock_aws

    with mock_aws():
        from chalice.test import Client

        from app import app
        from chalicelib.services import rate_limits
        from chalicelib.store import plans, rate_counters

        user, battery, _, headers = seeded_site()
        trigger = trigger_body("30 EUR/MWh")
        counter = RequestCounter()
        counter.attach()

        with Client(app, stage_name="dev") as client:
            cases = [
                ("GET /sensors/<id> (a user)", lambda: client.http.get(f"/v3_0/sensors/{battery.id}", headers=headers),
                 None),
                ("GET /api/ (no user: per client IP)", lambda: client.http.get("/", headers={"host": "localhost"}),
                 None),
                ("POST sensor trigger", lambda: client.http.post(
                    f"/v3_0/sensors/{battery.id}/schedules/trigger", headers=headers, body=trigger), None),
                ("GET /sensors/<id>, plan not cached", lambda: client.http.get(
                    f"/v3_0/sensors/{battery.id}", headers=headers), rate_limits.forget_plans),
            ]
            rows = []
            for label, request, before in cases:
                runs = {"off": [], "on": []}
                for i in range(args.repeat + 1):  # the first round warms imports and table descriptions
                    for mode, env in (("off", OFF), ("on", ON)):
                        os.environ.update(env)
                        if before:
                            before()
                        response, wall, calls = timed(counter, request)
                        assert response.status_code < 300, (label, response.status_code, response.body[:300])
                        if i:
                            runs[mode].append((wall, calls))
                rows.append((label, runs))
            plans.put_account_on(user.account_id, plans.create("Bench plan", trigger_rate_limit="1000 per hour").id)
            runs = {"on": []}
            os.environ.update(ON)
            for i in range(args.repeat + 1):
                rate_limits.forget_plans()
                _, wall, calls = timed(counter, lambda: client.http.get(f"/v3_0/sensors/{battery.id}",
                                                                        headers=headers))
                if i:
                    runs["on"].append((wall, calls))
            rows.append(("GET /sensors/<id>, on a plan, not cached", runs))

        hits = []
        for i in range(args.repeat):
            began = time.perf_counter()
            rate_counters.hit("bench/user:1", 60, time.time())
            hits.append(time.perf_counter() - began)

    print(f"{'request':42} {'limits':>6} {'DynamoDB calls':>14}  {'median wall':>11}  by operation (last run)")
    medians = {}
    for label, runs in rows:
        for mode, measured in runs.items():
            calls = measured[-1][1]
            wall = statistics.median(w for w, _ in measured)
            medians[label, mode] = (sum(calls.values()), wall)
            ops = ", ".join(f"{op} {n}" for op, n in sorted(calls.items()))
            print(f"{label:42} {mode:>6} {sum(calls.values()):>14}  {wall * 1000:>8.1f} ms  {ops}")
    print()
    for label, runs in rows:
        if "off" in runs:
            (calls_off, off), (calls_on, on) = medians[label, "off"], medians[label, "on"]
            print(f"{label:42} limits add {calls_on - calls_off} DynamoDB call(s), "
                  f"{(on - off) * 1000:+.1f} ms ({on / off:.2f}x)")
    print(f"one counter hit (UpdateItem ADD) on its own: median {statistics.median(hits) * 1000:.1f} ms under moto")
    print("a new container also describes the counter table once (DescribeTable), as for every table it touches")


if __name__ == "__main__":
    main()
