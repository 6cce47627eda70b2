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
