"""The contract's ACL table and role matrix (§3), row by row, against the pure rules in permissions.py."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from chalicelib.auth.permissions import (CREATE_CHILDREN, DELETE, READ, UPDATE, Owner, account_permits,
                                         asset_permits, may_edit_role, sensor_permits, user_auditlog_permits,
                                         user_permits, webhook_permits)

OWN, CLIENT, OTHER = 1, 2, 3  # the requester works in OWN; OWN is CLIENT's consultancy; OTHER is unrelated
OWNERS = {OWN: Owner(OWN, None), CLIENT: Owner(CLIENT, OWN), OTHER: Owner(OTHER, None), None: Owner(None)}
ROLE_SETS = {"plain": [], "account-admin": ["account-admin"], "consultant": ["consultant"],
             "admin-reader": ["admin-reader"], "admin": ["admin"]}
COLUMNS = list(ROLE_SETS)


def requester(column: str, account_id: int = OWN, active: bool = True):
    return SimpleNamespace(id=100, account_id=account_id, roles=list(ROLE_SETS[column]), active=active)


def person(user_id: int, account_id: int):
    return SimpleNamespace(id=user_id, account_id=account_id, roles=[], active=True)


def entity_checks(rule, actions, account_id):
    """All of `actions` on entities of `account_id`, through `rule` (asset_permits, sensor_permits...)."""
    return lambda user: all(rule(user, action, OWNERS[account_id]) for action in actions)


def either(*checks):
    return lambda user: all(check(user) for check in checks)


# Role matrix: (row, check, the columns that are allowed), in the contract's order.
ROLE_MATRIX = [
    ("read own / public assets, sensors",
     either(entity_checks(asset_permits, [READ], OWN), entity_checks(asset_permits, [READ], None),
            entity_checks(sensor_permits, [READ], OWN), entity_checks(sensor_permits, [READ], None)),
     {"plain", "account-admin", "consultant", "admin-reader", "admin"}),
    ("read client assets, sensors",
     either(entity_checks(asset_permits, [READ], CLIENT), entity_checks(sensor_permits, [READ], CLIENT)),
     {"consultant", "admin-reader", "admin"}),
    ("read any other account",
     either(entity_checks(account_permits, [READ], OTHER), entity_checks(asset_permits, [READ], OTHER),
            entity_checks(sensor_permits, [READ], OTHER)),
     {"admin-reader", "admin"}),
    ("PATCH own asset", entity_checks(asset_permits, [UPDATE], OWN),
     {"plain", "account-admin", "consultant", "admin"}),
    ("create asset in own account (create-children on the own account)",
     entity_checks(account_permits, [CREATE_CHILDREN], OWN), {"account-admin", "admin"}),
    ("DELETE own asset; PATCH/DELETE own sensor; DELETE own sensor data",
     either(entity_checks(asset_permits, [DELETE], OWN), entity_checks(sensor_permits, [UPDATE, DELETE], OWN)),
     {"account-admin", "admin"}),
    ("create sensor, POST data, upload, trigger on own",
     either(entity_checks(asset_permits, [CREATE_CHILDREN], OWN),
            entity_checks(sensor_permits, [CREATE_CHILDREN], OWN)),
     {"plain", "account-admin", "consultant", "admin"}),
    ("PATCH/DELETE client assets, sensors; create/post on client",
     either(entity_checks(asset_permits, [UPDATE, DELETE, CREATE_CHILDREN], CLIENT),
            entity_checks(sensor_permits, [UPDATE, DELETE, CREATE_CHILDREN], CLIENT)),
     {"consultant", "admin"}),
    ("modify public asset or sensor",
     either(*[entity_checks(rule, [action], None) for rule in (asset_permits, sensor_permits)
              for action in (UPDATE, DELETE, CREATE_CHILDREN)]),
     {"admin"}),
    ("GET user of own account",
     lambda u: user_permits(u, READ, person(7, OWN), OWNERS[OWN]),
     {"plain", "account-admin", "consultant", "admin-reader", "admin"}),
    ("GET user of client account",
     lambda u: user_permits(u, READ, person(7, CLIENT), OWNERS[CLIENT]), {"admin-reader", "admin"}),
    ("PATCH self (email, username, timezone)",
     lambda u: user_permits(u, UPDATE, u, OWNERS[OWN]),
     {"plain", "account-admin", "consultant", "admin-reader", "admin"}),
    ("PATCH other own-account user / reset their password",
     lambda u: user_permits(u, UPDATE, person(7, OWN), OWNERS[OWN]), {"account-admin", "admin"}),
    ("PATCH client user",
     lambda u: user_permits(u, UPDATE, person(7, CLIENT), OWNERS[CLIENT]), {"consultant", "admin"}),
    ("read other own-account users' audit logs",
     lambda u: user_auditlog_permits(u, person(7, OWN), OWNERS[OWN]), {"account-admin", "admin-reader", "admin"}),
]


@pytest.mark.parametrize("row, check, allowed", ROLE_MATRIX, ids=[r[0] for r in ROLE_MATRIX])
@pytest.mark.parametrize("column", COLUMNS)
def test_role_matrix(row, check, allowed, column):
    assert check(requester(column)) == (column in allowed)


def test_consultant_who_is_also_account_admin_creates_assets_in_own_account():
    user = SimpleNamespace(id=1, account_id=OWN, roles=["consultant", "account-admin"], active=True)
    assert account_permits(user, CREATE_CHILDREN, OWNERS[OWN])


# ACL table: (entity rule, action, who, allowed). "who" is a requester relative to account A = CLIENT.
WHO = {
    "member of A": SimpleNamespace(id=10, account_id=CLIENT, roles=[], active=True),
    "AA of A": SimpleNamespace(id=11, account_id=CLIENT, roles=["account-admin"], active=True),
    "C of A": SimpleNamespace(id=12, account_id=OWN, roles=["consultant"], active=True),
    "non-consultant in A's consultancy": SimpleNamespace(id=13, account_id=OWN, roles=["account-admin"], active=True),
    "consultant elsewhere": SimpleNamespace(id=14, account_id=OTHER, roles=["consultant"], active=True),
    "admin": SimpleNamespace(id=15, account_id=OTHER, roles=["admin"], active=True),
    "admin-reader": SimpleNamespace(id=16, account_id=OTHER, roles=["admin-reader"], active=True),
}
ACL = {
    # entity: {action: who may}
    ("account", account_permits, CLIENT): {
        READ: {"member of A", "AA of A", "C of A", "admin", "admin-reader"},
        UPDATE: {"member of A", "AA of A", "C of A", "admin"},
        CREATE_CHILDREN: {"AA of A", "C of A", "admin"},
        DELETE: {"admin"}},
    ("asset", asset_permits, CLIENT): {
        READ: {"member of A", "AA of A", "C of A", "admin", "admin-reader"},
        UPDATE: {"member of A", "AA of A", "C of A", "admin"},
        CREATE_CHILDREN: {"member of A", "AA of A", "C of A", "admin"},
        DELETE: {"AA of A", "C of A", "admin"}},
    ("public asset", asset_permits, None): {
        READ: set(WHO), UPDATE: {"admin"}, CREATE_CHILDREN: {"admin"}, DELETE: {"admin"}},
    ("sensor", sensor_permits, CLIENT): {
        READ: {"member of A", "AA of A", "C of A", "admin", "admin-reader"},
        UPDATE: {"AA of A", "C of A", "admin"},
        CREATE_CHILDREN: {"member of A", "AA of A", "C of A", "admin"},
        DELETE: {"AA of A", "C of A", "admin"}},
    ("sensor on a public asset", sensor_permits, None): {
        READ: set(WHO), UPDATE: {"admin"}, CREATE_CHILDREN: {"admin"}, DELETE: {"admin"}},
}
ACL_ROWS = [(entity, rule, account, action, who, who in allowed)
            for (entity, rule, account), actions in ACL.items()
            for action, allowed in actions.items() for who in WHO]


@pytest.mark.parametrize("entity, rule, account, action, who, expected", ACL_ROWS,
                         ids=[f"{r[0]}-{r[3]}-{r[4]}" for r in ACL_ROWS])
def test_acl_table(entity, rule, account, action, who, expected):
    assert rule(WHO[who], action, OWNERS[account]) == expected


USER_ACL = {
    # who: (read U, update U, read U's audit log); U is a plain user of A = CLIENT.
    "U": (True, True, True),
    "member of A": (True, False, False),
    "AA of A": (True, True, True),
    "C of A": (False, True, True),  # consultants update client users but do not read them
    "non-consultant in A's consultancy": (False, False, False),
    "consultant elsewhere": (False, False, False),
    "admin": (True, True, True),
    "admin-reader": (True, False, True),
}


@pytest.mark.parametrize("who", list(USER_ACL))
def test_user_acl(who):
    target = SimpleNamespace(id=99, account_id=CLIENT, roles=[], active=True)
    user = target if who == "U" else WHO[who]
    owner = OWNERS[CLIENT]
    got = (user_permits(user, READ, target, owner), user_permits(user, UPDATE, target, owner),
           user_auditlog_permits(user, target, owner))
    assert got == USER_ACL[who]


ROLE_EDITS = [
    # (editor, role, target's account, allowed)
    ("admin", "admin", CLIENT, False),  # nobody changes admin through the API
    ("admin", "account-admin", CLIENT, True),
    ("admin", "consultant", OTHER, True),
    ("admin", "admin-reader", OTHER, True),
    ("C of A", "account-admin", CLIENT, True),
    ("C of A", "consultant", CLIENT, False),
    ("C of A", "admin-reader", CLIENT, False),
    ("AA of A", "consultant", CLIENT, True),
    ("AA of A", "account-admin", CLIENT, False),
    ("AA of A", "consultant", OTHER, False),
    ("member of A", "consultant", CLIENT, False),
    ("admin-reader", "consultant", CLIENT, False),
    ("consultant elsewhere", "account-admin", CLIENT, False),
]


@pytest.mark.parametrize("editor, role, account, allowed", ROLE_EDITS)
def test_role_edits(editor, role, account, allowed):
    target = SimpleNamespace(id=98, account_id=account, roles=[], active=True)
    assert may_edit_role(WHO[editor], role, target, OWNERS[account]) == allowed


def test_inactive_users_have_no_roles():
    fallen_admin = SimpleNamespace(id=1, account_id=OWN, roles=["admin"], active=False)
    assert not asset_permits(fallen_admin, READ, OWNERS[OTHER])
    assert not account_permits(fallen_admin, CREATE_CHILDREN, OWNERS[OWN])


@pytest.mark.parametrize("account_id, action, allowed", [
    # flexcloud's webhooks: account-admins of the account and consultants of its consultancy manage them (as they
    # administer the account); admin-readers read; plain members neither; nobody outside.
    (OWN, UPDATE, {"account-admin", "admin"}), (OWN, READ, {"account-admin", "admin-reader", "admin"}),
    (OWN, DELETE, {"account-admin", "admin"}),
    (CLIENT, UPDATE, {"consultant", "admin"}), (CLIENT, READ, {"consultant", "admin-reader", "admin"}),
    (OTHER, UPDATE, {"admin"}), (OTHER, READ, {"admin-reader", "admin"}),
])
def test_webhook_permissions(account_id, action, allowed):
    assert {c for c in COLUMNS if webhook_permits(requester(c), action, OWNERS[account_id])} == allowed
    assert not webhook_permits(requester("admin", active=False), action, OWNERS[account_id])
