"""Accounts: create, look up, list a consultancy's clients."""
from __future__ import annotations

from typing import Any

from chalicelib.store.errors import NotFound
from chalicelib.store.ids import next_id
from chalicelib.store.models import Account
from chalicelib.store.uniques import claim_key, claim_owner, write_with_claims


def create(name: str, roles: list[str] | None = None, consultancy_account_id: int | None = None) -> Account:
    if consultancy_account_id is not None:
        get(consultancy_account_id)
    account = Account(next_id("account"), name=name, account_roles=list(roles or []),
                      consultancy_account_id=consultancy_account_id,
                      consultancy_key=_consultancy_key(consultancy_account_id))
    write_with_claims(lambda tx: tx.save(account), [claim_key("account-name", name)], owner=str(account.id))
    return account


def update(account: Account, changes: dict[str, Any]) -> Account:
    """Apply field changes; the name stays unique (DuplicateError), the consultancy index follows its id."""
    claims, releases = [], []
    if "name" in changes and changes["name"] != account.name:
        claims.append(claim_key("account-name", changes["name"]))
        releases.append(claim_key("account-name", account.name))
    for key, value in changes.items():
        setattr(account, key, value)
    account.consultancy_key = _consultancy_key(account.consultancy_account_id)
    write_with_claims(lambda tx: tx.save(account), claims, releases=releases, owner=str(account.id))
    return account


def get(account_id: int) -> Account:
    try:
        return Account.get(int(account_id))
    except Account.DoesNotExist:
        raise NotFound(f"Account {account_id} not found") from None


def name_taken(name: str) -> bool:
    return claim_owner(claim_key("account-name", name)) is not None


def find(account_id: int) -> Account | None:
    return Account.get_or_none(int(account_id))


def get_many(ids) -> dict[int, Account]:
    return Account.batch_by_id(ids)


def clients_of(consultancy_account_id: int) -> list[Account]:
    return list(Account.by_consultancy.query(_consultancy_key(consultancy_account_id)))


def list_all() -> list[Account]:
    # Accounts are few (tens to hundreds); only admins list all of them.
    return sorted(Account.scan(), key=lambda a: a.id)


def _consultancy_key(consultancy_account_id: int | None) -> str:
    return "none" if consultancy_account_id is None else str(consultancy_account_id)
