"""Ops commands: `python -m chalicelib.cli <command>`.

They talk to whatever AWS endpoint the environment names (AWS_ENDPOINT_URL for the local stack), except
`solve`, which schedules a problem file offline.
On success the new id is printed alone on the last line and the exit code is 0; on error a clear
message goes to stderr and the exit code is non-zero.
"""
from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
from typing import Callable

from botocore.exceptions import ClientError, EndpointConnectionError, NoCredentialsError

from chalicelib import settings
from chalicelib.auth.roles import check_account_roles, check_user_roles
from chalicelib.schemas.rate_limits import RATE_LIMIT_KEYS, check_plan_limit, check_rate_limit_key
from chalicelib.services.demo import DemoExists, seed_demo
from chalicelib.services.users import create_user
from chalicelib.store import accounts, asset_types, plans, tables
from chalicelib.store.errors import DuplicateError, NotFound, exception_chain


class CliError(Exception):
    pass


def _created(kind: str, name: str, new_id: int) -> None:
    """Say what was made; its id alone on the last line."""
    print(f"{kind} '{name}' created.")
    print(new_id)


def _split(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def cmd_create_tables(args: argparse.Namespace) -> None:
    created = tables.create_tables()
    for name in tables.table_names():
        print(f"{name}: {'created' if name in created else 'exists'}")


def cmd_create_resources(args: argparse.Namespace) -> None:
    """Tables, the uploads bucket, the job queues with their dead-letter queues, the mail sender."""

    cmd_create_tables(args)
    print(f"bucket: {tables.create_bucket()}")
    for url in tables.create_queues().values():
        print(f"queue: {url}")
    print(f"automation schedule group: {tables.create_schedule_group()}")
    if args.verify_mail_sender:
        tables.verify_mail_sender()


def cmd_add_account(args: argparse.Namespace) -> None:
    try:
        roles = check_account_roles(_split(args.roles))
        account = accounts.create(args.name, roles, args.consultancy_account_id)
    except (ValueError, NotFound) as exc:
        raise CliError(str(exc)) from exc
    except DuplicateError:
        raise CliError(f"An account named '{args.name}' already exists.") from None
    _created("Account", account.name, account.id)


def cmd_add_user(args: argparse.Namespace) -> None:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


    if "@" not in args.email:
        raise CliError(f"'{args.email}' is not a valid email address.")
    if len(args.password) < 8:
        raise CliError("The password must have at least 8 characters.")
    try:
        ZoneInfo(args.timezone)
        roles = check_user_roles(_split(args.roles))
        accounts.get(args.account_id)
        user = create_user(args.email, args.password, args.account_id, roles, args.username, args.timezone)
    except ZoneInfoNotFoundError:
        raise CliError(f"Timezone {args.timezone} doesn't exist.") from None
    except (ValueError, NotFound) as exc:
        raise CliError(str(exc)) from exc
    except DuplicateError as exc:
        field = "email" if exc.key.startswith("email#") else "username"
        raise CliError(f"A user with this {field} already exists.") from None
    print(f"User {user.email} created.")
    print(user.id)


def cmd_add_asset_type(args: argparse.Namespace) -> None:
    try:
        asset_type = asset_types.create(args.name, args.description)
    except DuplicateError:
        raise CliError(f"An asset type named '{args.name}' already exists.") from None
    _created("Asset type", asset_type.name, asset_type.id)


def cmd_add_plan(args: argparse.Namespace) -> None:
    """A plan with rate limits that override the server's for the accounts on it (FlexMeasures' `add plan`)."""
    try:
        limits = {"default_rate_limit": check_plan_limit(args.default_rate_limit),
                  "trigger_rate_limit": check_plan_limit(args.trigger_rate_limit),
                  "rate_limit_key": check_rate_limit_key(args.rate_limit_key)}
        plan = plans.create(args.name, **limits)
    except ValueError as exc:
        raise CliError(str(exc)) from exc
    except DuplicateError:
        raise CliError(f"A plan named '{args.name}' already exists.") from None
    _created("Plan", plan.name, plan.id)


def cmd_set_account_plan(args: argparse.Namespace) -> None:
    try:
        plans.put_account_on(args.account_id, None if args.no_plan else args.plan_id)
    except NotFound as exc:
        raise CliError(str(exc)) from exc
    on = "no plan" if args.no_plan else f"plan {args.plan_id}"
    print(f"Account {args.account_id} is on {on}; API containers see it within "
          f"{settings.plan_cache_seconds()} s.")
    print(args.account_id)


def cmd_seed_defaults(args: argparse.Namespace) -> None:
    for asset_type in asset_types.seed_defaults():
        print(f"{asset_type.id}: {asset_type.name}")


def cmd_seed_demo(args: argparse.Namespace) -> None:
    """The README walkthrough's demo site with a day of prices; prints the ids as shell assignments."""
    try:
        demo = seed_demo(args.account_id)
    except (DemoExists, NotFound) as exc:
        raise CliError(str(exc)) from exc
    print(f"Demo site created in account {demo.account_id}: a battery under a building, with a day of prices "
          "(1 January 2026). In the README's shell:")
    print(f"SITE={demo.site_id} BATTERY={demo.battery_id} POWER={demo.power_sensor_id} PRICE={demo.price_sensor_id}")
    print(demo.site_id)


def cmd_solve(args: argparse.Namespace) -> None:
    """Solve a problem file offline and print the document; with --repeat N, N warm solves follow the first."""
    try:
        with open(args.file, encoding="utf-8") as handle:
            problem = json.load(handle)
    except (OSError, ValueError) as exc:
        raise CliError(f"Cannot read problem file {args.file}: {exc}") from None
    if not isinstance(problem, dict):
        raise CliError("A problem file holds a JSON object (an asset trigger body plus \"sensors\").")
    began = time.perf_counter()
    # Imported once the clock runs, so timings.first_call holds what a fresh process pays before its schedule
    # (pandas, numpy, pint, pulp and the core), beyond the CLI's own imports.
    from chalicelib.scheduling import offline

    limits = {"default_duration": settings.planning_horizon(), "max_steps": settings.max_planning_steps(),
              "time_limit": settings.solver_time_limit_seconds()}
    try:
        document = offline.solve_file(problem, **limits)
        first_call = time.perf_counter() - began
        warm = [offline.solve_file(problem, **limits)["timings"] for _ in range(args.repeat)]
    except offline.ProblemError as exc:
        raise CliError(exc.reason) from None
    if warm:
        document["timings"] = {**_medians(warm), "first_call": first_call}
    print(json.dumps(document, indent=1))


def _medians(timings: list[dict[str, float]]) -> dict[str, float]:
    return {key: statistics.median(t[key] for t in timings) for key in ("build", "solve", "total")}


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


COMMANDS: dict[str, Callable[[argparse.Namespace], None]] = {}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m chalicelib.cli", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    def add(name: str, func: Callable, help_text: str) -> argparse.ArgumentParser:
        COMMANDS[name] = func
        return sub.add_parser(name, help=help_text)

    add("create-tables", cmd_create_tables, "create every DynamoDB table (idempotent)")
    p = add("create-resources", cmd_create_resources,
            "create tables, the uploads bucket and the schedule queues (idempotent)")
    p.add_argument("--verify-mail-sender", action="store_true", help="verify FLEXCLOUD_MAIL_SENDER in SES")
    p = add("add-account", cmd_add_account, "create an account")
    p.add_argument("--name", required=True)
    p.add_argument("--roles", help="comma-separated account roles (Prosumer, MDC, Supplier, Aggregator, ESCO)")
    p.add_argument("--consultancy-account-id", type=int)
    p = add("add-user", cmd_add_user, "create a user")
    p.add_argument("--email", required=True)
    p.add_argument("--password", required=True)
    p.add_argument("--account-id", type=int, required=True)
    p.add_argument("--roles", help="comma-separated: admin, admin-reader, account-admin, consultant")
    p.add_argument("--username")
    p.add_argument("--timezone", default="Europe/Amsterdam")
    p = add("add-asset-type", cmd_add_asset_type, "create an asset type")
    p.add_argument("--name", required=True)
    p.add_argument("--description")
    p = add("add-plan", cmd_add_plan, "create a plan of rate limits for accounts")
    p.add_argument("--name", required=True)
    limit_help = ('e.g. "60 per 5 minutes", or "unlimited"; '
                  "without it the server's FLEXMEASURES_API_{}_RATE_LIMIT applies")
    p.add_argument("--default-rate-limit", help=limit_help.format("DEFAULT"))
    p.add_argument("--trigger-rate-limit", help=limit_help.format("TRIGGER"))
    p.add_argument("--rate-limit-key", choices=RATE_LIMIT_KEYS, help="what triggers are counted against")
    p = add("set-account-plan", cmd_set_account_plan, "put an account on a plan, or off any")
    p.add_argument("--account-id", type=int, required=True)
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--plan-id", type=int)
    which.add_argument("--no-plan", action="store_true")
    add("seed-defaults", cmd_seed_defaults, "create the default asset types")
    p = add("seed-demo", cmd_seed_demo, "create the README walkthrough's demo site with a day of prices")
    p.add_argument("--account-id", type=int, help='the account to put it in (default: the account "Demo")')
    p = add("solve", cmd_solve, "solve a scheduling problem file offline (no AWS) and print JSON")
    p.add_argument("file", help="asset trigger body plus a \"sensors\" map (see benchmarks/)")
    p.add_argument("--repeat", type=_positive, default=0, metavar="N",
                   help="solve N more times in this process; timings then hold the warm medians and first_call, "
                        "the first solve's total including imports")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        COMMANDS[args.command](args)
    except CliError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:  # noqa: BLE001 - e.g. AWS unreachable; say it plainly, in one line
        print(f"Error: {explain(exc)}", file=sys.stderr)
        return 2
    return 0


def explain(exc: BaseException) -> str:
    """One line for an AWS failure, naming where the CLI looked (stage, region, endpoint, table)."""
    where = (f"stage {settings.stage()}, region {settings.aws_region()}, "
             f"{'endpoint ' + settings.aws_endpoint_url() if settings.aws_endpoint_url() else 'AWS'}")
    causes = exception_chain(exc)
    if any(isinstance(c, NoCredentialsError) for c in causes):
        return (f"no AWS credentials ({where}). Against real AWS configure them as usual (aws configure, "
                "AWS_PROFILE); against the local stack use `make cli` while `make run` is up.")
    if any(isinstance(c, EndpointConnectionError) for c in causes):
        return f"cannot reach AWS ({where}). Is `make run` up, or is AWS_ENDPOINT_URL right?"
    codes = {c.response.get("Error", {}).get("Code") for c in causes if isinstance(c, ClientError)}
    if "ResourceNotFoundException" in codes or any(type(c).__name__ == "TableDoesNotExist" for c in causes):
        table = next((m.group(1) for c in causes if (m := re.search(r"Table: ([\w.-]+)", str(c)))),
                     f"{settings.table_prefix()}-*")
        return (f"table {table} not found ({where}). Create the resources (create-resources), deploy the stage, "
                "or set FLEXCLOUD_STAGE to the stage that has them.")
    return f"{type(exc).__name__}: {exc} ({where})"



if __name__ == "__main__":
    sys.exit(main())
