"""Unique-value claims, put in the same DynamoDB transaction as the entity they guard."""
from __future__ import annotations

import hashlib

from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib.store.errors import DuplicateError
from chalicelib.store.models import UniqueKey


# DynamoDB refuses hash keys over 2048 bytes; longer claims are stored by their digest instead.
MAX_KEY_BYTES = 2048
# DynamoDB's limit on the items of one transaction.
MAX_TRANSACTION_ITEMS = 100


def claim_key(kind: str, value: str) -> str:
    key = f"{kind}#{value}"
    if len(key.encode()) <= MAX_KEY_BYTES:
        return key
    return f"{kind}#sha256:{hashlib.sha256(value.encode()).hexdigest()}"


def write_with_claims(save, claims: list[str], releases: list[str] = (), owner: str | None = None) -> None:
    """Run `save(transaction)` atomically with claiming `claims` and releasing `releases`.

    `save` adds the entity's own put/update to the transaction. A taken claim raises DuplicateError
    naming the first conflicting key (one extra read, only on failure).
    """
    connection = UniqueKey._get_connection().connection
    try:
        with TransactWrite(connection=connection) as transaction:
            for key in claims:
                transaction.save(UniqueKey(key, owner=owner), condition=UniqueKey.key.does_not_exist())
            for key in releases:
                transaction.delete(UniqueKey(key))
            save(transaction)
    except TransactWriteError as exc:
        for key in claims:
            if UniqueKey.get_or_none(key) is not None:
                raise DuplicateError(key) from exc
        raise


def claim_owner(key: str) -> str | None:
    """Who holds the claim `key` (the owner written with it), or None if it is free."""
    claim = UniqueKey.get_or_none(key)
    return claim.owner if claim is not None else None


def release(keys: list[str]) -> None:
    for key in keys:
        UniqueKey(key).delete()
