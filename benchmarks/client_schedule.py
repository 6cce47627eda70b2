"""flexmeasures-client 0.9.6's trigger_and_get_schedule on the local stack for P1, next to the job's own run time.

Starts `python -m infra.local_stack` (API, moto server, worker loop) on free ports, loads P1
(tests/fixtures/bench/P1.json: one battery, 48 h at 15 min, one price) onto a new asset through the client, then
times `trigger_and_get_schedule` on the battery's sensor from the client's side, each run a new job (the client
sends a prior, which makes it add force-new-job-creation). For each run it prints the client-side time, the job's
run time (started-at -> ended-at from GET /jobs/<uuid>), its wait in the queue (enqueued-at -> started-at) and the
energy cost (FlexMeasures 1.0.1: -658.143045 EUR). Three ways: the client's default job polling (first wait 2 s,
doubling) against a server that answers GET /jobs at once (FlexMeasures' way), a short first wait, and the
default polling against a server that holds a pending job's GET /jobs up to 2 s (FLEXCLOUD_JOB_STATUS_WAIT, the
local stack's default).

    .venv/bin/python -m benchmarks.client_schedule [--repeat 5] [--problem tests/fixtures/bench/P1.json]
        [--job-responses seed|flexmeasures]
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.e2e.conftest import running_local_stack  # noqa: E402 - the e2e tests' way of starting the stack

P1 = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "bench" / "P1.json"
FLEXMEASURES_ENERGY_COST = {"P1.json": -658.143045}
# (label, the stack's extra settings, the client's job-polling settings)
RUNS = [
    ("default client, server answers at once", {"FLEXCLOUD_JOB_STATUS_WAIT": "0"}, {}),
    ("client first wait 0.1 s", {"FLEXCLOUD_JOB_STATUS_WAIT": "0"}, {"job_polling_interval": 0.1}),
    ("default client, server holds <= 2 s", {}, {}),  # the local stack's default
]


def _moment(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


async def load_problem(client, account_id: int, problem: dict) -> tuple[int, dict, dict]:
    """An asset with the problem's sensors (device first, then the rest), the values posted; the sensor trigger's
    flex-model and flex-context with the problem's sensor ids replaced by the new ones."""
    asset = await client.add_asset(name=f"client benchmark {time.time_ns()}", account_id=account_id,
                                   latitude=52.0, longitude=4.3, generic_asset_type_id=1)
    ids = {}
    for key, spec in problem["sensors"].items():
        sensor = await client.add_sensor(name=f"sensor {key}", event_resolution=spec["event_resolution"],
                                         unit=spec["unit"], generic_asset_id=asset["id"], timezone="UTC",
                                         attributes=spec.get("attributes") or {})
        ids[int(key)] = sensor["id"]
        if spec.get("values"):
            await client.post_sensor_data(sensor["id"], start=spec["start"], duration=problem["duration"],
                                          values=spec["values"], unit=spec["unit"])

    def renumbered(value):
        if isinstance(value, dict):
            return {k: (ids[v] if k == "sensor" else renumbered(v)) for k, v in value.items()}
        if isinstance(value, list):
            return [renumbered(v) for v in value]
        return value

    (device,) = problem["flex-model"]  # trigger_and_get_schedule schedules one sensor
    flex_model = {k: v for k, v in renumbered(device).items() if k != "sensor"}
    return ids[device["sensor"]], flex_model, renumbered(problem["flex-context"])


def run_on_stack(label: str, stack_env: dict, polling: dict, problem: dict, repeat: int) -> list[tuple]:
    """(label, client seconds, the job's status, the schedule, job polls) per run, on a fresh local stack."""
    with running_local_stack(stack_env) as stack:
        account_id = stack.admin_account_id()

        async def scenario(client):
            sensor_id, flex_model, flex_context = await load_problem(client, account_id, problem)
            polled: list[str] = []  # the uris of the client's requests, to find each run's job id
            original = client.request

            async def request(uri, *a, **kw):
                polled.append(uri)
                return await original(uri, *a, **kw)

            client.request = request
            rows = []
            for _ in range(repeat):
                polled.clear()
                began = time.perf_counter()
                schedule = await client.trigger_and_get_schedule(
                    sensor_id=sensor_id, start=problem["start"], duration=problem["duration"],
                    flex_model=flex_model, flex_context=flex_context, prior=datetime.now(timezone.utc))
                elapsed = time.perf_counter() - began
                job_id = next(uri.split("/", 1)[1] for uri in polled if uri.startswith("jobs/"))
                polls = polled.count(f"jobs/{job_id}")
                rows.append((label, elapsed, await client.get_job_status(job_id), schedule, polls))
            return rows

        return stack.run(scenario, **polling)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--problem", type=Path, default=P1)
    parser.add_argument("--job-responses", choices=("seed", "flexmeasures"), default="seed")
    args = parser.parse_args()
    problem = json.loads(args.problem.read_text())

    rows = []
    for label, stack_env, polling in RUNS:
        rows += run_on_stack(label, {"FLEXCLOUD_JOB_RESPONSES": args.job_responses, **stack_env}, polling,
                             problem, args.repeat)

    print(f"problem {args.problem.name}, job responses: {args.job_responses}, "
          f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC")
    print(f"{'client polling / server':40} {'client s':>9} {'job run s':>9} {'queued s':>9} {'job polls':>9} "
          f"{'energy EUR':>12}")
    by_label: dict[str, list[float]] = {}
    for label, elapsed, job, schedule, polls in rows:
        run = (_moment(job["ended-at"]) - _moment(job["started-at"])).total_seconds()
        queued = (_moment(job["started-at"]) - _moment(job["enqueued-at"])).total_seconds()
        energy = (schedule.get("costs") or {}).get("energy", float("nan"))
        by_label.setdefault(label, []).append(elapsed)
        print(f"{label:40} {elapsed:>9.3f} {run:>9.3f} {queued:>9.3f} {polls:>9} {energy:>12.6f}")
    for label, times in by_label.items():
        print(f"median {label}: {statistics.median(times):.3f} s")
    expected = FLEXMEASURES_ENERGY_COST.get(args.problem.name)
    if expected is not None:
        print(f"FlexMeasures 1.0.1's energy cost for {args.problem.name}: {expected} EUR")


if __name__ == "__main__":
    main()
