"""Ops CLI over moto: new ids on the last line, clear errors with a non-zero exit."""
from __future__ import annotations

from chalicelib.cli import main


def run(capsys, *argv):
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out.strip().splitlines(), out.err


def test_account_user_and_asset_type(aws, capsys):
    code, lines, _ = run(capsys, "add-account", "--name", "ACME", "--roles", "Prosumer,ESCO")
    assert code == 0
    account_id = int(lines[-1])
    code, lines, _ = run(capsys, "add-user", "--email", "a@acme.test", "--password", "longenough",
                         "--account-id", str(account_id), "--roles", "account-admin")
    assert code == 0
    from chalicelib.store import accounts, users

    user = users.get(int(lines[-1]))
    assert user.roles == ["account-admin"] and user.account_id == account_id
    assert accounts.get(account_id).account_roles == ["Prosumer", "ESCO"]
    code, lines, _ = run(capsys, "add-asset-type", "--name", "electrolyser")
    assert code == 0 and int(lines[-1]) > 0


def test_errors_exit_non_zero(aws, capsys):
    assert run(capsys, "add-account", "--name", "ACME")[0] == 0
    code, _, err = run(capsys, "add-account", "--name", "ACME")
    assert code == 1 and "already exists" in err
    code, _, err = run(capsys, "add-user", "--email", "a@b.c", "--password", "longenough", "--account-id", "999")
    assert code == 1 and "Account 999 not found" in err
    code, _, err = run(capsys, "add-user", "--email", "a@b.c", "--password", "longenough", "--account-id", "1",
                       "--roles", "king")
    assert code == 1 and "Unknown user role" in err
    code, _, err = run(capsys, "add-account", "--name", "X", "--roles", "Nonsense")
    assert code == 1


def test_duplicate_email(aws, capsys):
    run(capsys, "add-account", "--name", "ACME")
    assert run(capsys, "add-user", "--email", "a@b.c", "--password", "longenough", "--account-id", "1")[0] == 0
    code, _, err = run(capsys, "add-user", "--email", "a@b.c", "--password", "longenough", "--account-id", "1",
                       "--username", "other")
    assert code == 1 and "email already exists" in err


def test_seed_defaults_is_idempotent(aws, capsys):
    assert run(capsys, "seed-defaults")[0] == 0
    code, lines, _ = run(capsys, "seed-defaults")
    assert code == 0 and len(lines) == 8
    assert any(line.endswith("charge point") for line in lines)


def test_create_tables_is_idempotent(aws, capsys):
    code, lines, _ = run(capsys, "create-tables")
    assert code == 0 and all(line.endswith("exists") for line in lines)


def test_plans_are_added_checked_and_assigned(aws, capsys):
    from chalicelib.store import plans

    run(capsys, "add-account", "--name", "ACME")
    code, lines, _ = run(capsys, "add-plan", "--name", "Pro", "--trigger-rate-limit", "60 per 5 minutes",
                         "--default-rate-limit", "unlimited", "--rate-limit-key", "account+asset")
    assert code == 0
    plan = plans.find(int(lines[-1]))
    assert (plan.name, plan.default_rate_limit, plan.trigger_rate_limit, plan.rate_limit_key) == (
        "Pro", "unlimited", "60 per 5 minutes", "account+asset")
    assert run(capsys, "set-account-plan", "--account-id", "1", "--plan-id", str(plan.id))[0] == 0
    assert plans.of_account(1).id == plan.id
    assert run(capsys, "set-account-plan", "--account-id", "1", "--no-plan")[0] == 0
    assert plans.of_account(1) is None

    code, _, err = run(capsys, "add-plan", "--name", "Pro")
    assert code == 1 and "A plan named 'Pro' already exists." in err
    code, _, err = run(capsys, "add-plan", "--name", "Odd", "--trigger-rate-limit", "lots per fortnight")
    assert code == 1 and "couldn't parse rate limit string 'lots per fortnight'" in err
    code, _, err = run(capsys, "set-account-plan", "--account-id", "1", "--plan-id", "99")
    assert code == 1 and "Plan 99 not found" in err
    code, _, err = run(capsys, "set-account-plan", "--account-id", "42", "--plan-id", str(plan.id))
    assert code == 1 and "Account 42 not found" in err
    assert [p.name for p in plans.list_all()] == ["Pro"]


def test_seed_demo_makes_the_walkthrough_site_once(aws, capsys):
    from datetime import timedelta

    from chalicelib.services.demo import DAY_START, PRICES
    from chalicelib.store import assets, beliefs, sensors

    code, lines, _ = run(capsys, "seed-demo")
    assert code == 0
    ids = dict(part.split("=") for part in lines[-2].split())
    assert set(ids) == {"SITE", "BATTERY", "POWER", "PRICE"} and lines[-1] == ids["SITE"]
    site, battery = assets.find(int(ids["SITE"])), assets.find(int(ids["BATTERY"]))
    assert battery.parent_asset_id == site.id and battery.account_id == site.account_id
    price, power = sensors.find(int(ids["PRICE"])), sensors.find(int(ids["POWER"]))
    assert (price.unit, power.unit, power.generic_asset_id) == ("EUR/MWh", "kW", battery.id)
    assert site.sensors_to_show == [price.id, power.id]
    stored = beliefs.read_values(price, DAY_START, DAY_START + timedelta(days=1), timedelta(hours=1))
    assert list(stored) == PRICES
    code, _, err = run(capsys, "seed-demo")
    assert code == 1 and f"already has the demo site (asset {site.id})" in err
    code, _, err = run(capsys, "seed-demo", "--account-id", "999")
    assert code == 1 and "999" in err
