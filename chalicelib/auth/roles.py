"""The fixed user roles and account roles, with the integer ids the API shows for them."""
from __future__ import annotations

ADMIN = "admin"
ADMIN_READER = "admin-reader"
ACCOUNT_ADMIN = "account-admin"
CONSULTANT = "consultant"
TASK_RUNNER = "task-runner"

USER_ROLES: dict[str, int] = {ADMIN: 1, ADMIN_READER: 2, ACCOUNT_ADMIN: 3, CONSULTANT: 4, TASK_RUNNER: 5}
USER_ROLE_NAMES: dict[int, str] = {v: k for k, v in USER_ROLES.items()}

# FlexMeasures' account role "Consultancy" lets consultants and account-admins create client accounts.
CONSULTANCY = "Consultancy"
ACCOUNT_ROLES: dict[str, int] = {"Prosumer": 1, "MDC": 2, "Supplier": 3, "Aggregator": 4, "ESCO": 5, CONSULTANCY: 6}
ACCOUNT_ROLE_NAMES: dict[int, str] = {v: k for k, v in ACCOUNT_ROLES.items()}


def _check_roles(names: list[str], known: dict[str, int], kind: str) -> list[str]:
    unknown = [n for n in names if n not in known]
    if unknown:
        raise ValueError(f"Unknown {kind} role(s): {', '.join(unknown)}. "
                         f"Known: {', '.join(known)}.")
    return list(dict.fromkeys(names))


def check_user_roles(names: list[str]) -> list[str]:
    return _check_roles(names, USER_ROLES, "user")


def check_account_roles(names: list[str]) -> list[str]:
    return _check_roles(names, ACCOUNT_ROLES, "account")
