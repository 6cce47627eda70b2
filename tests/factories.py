"""Test data made through the store, never through the API under test: accounts, users with tokens, assets, sensors,
beliefs, and the `Site` (an account's asset with its sensors and users) that most tests start from.

Users are made with `users.create` directly, without the "User created" audit row the service writes, so audit log
tests see only the rows they cause. Default names are numbered per kind from 1 in each test (`reset_numbering`).
"""
from __future__ import annotations

import itertools
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Iterator

from chalicelib.auth.passwords import hash_password
from chalicelib.auth.tokens import issue_token
from chalicelib.store import accounts, asset_types, assets, beliefs, sensors, sources, users
from chalicelib.store.models import Account, Asset, AssetType, DataSource, Sensor, User
from chalicelib.timeseries.beliefs import Beliefs, to_us

PASSWORD = "secret-password"
DEFAULT_START = datetime(2025, 1, 1, tzinfo=timezone.utc)

_numbers: defaultdict[str, Iterator[int]] = defaultdict(lambda: itertools.count(1))


def reset_numbering() -> None:
    """Default names count from 1 again (each test has fresh tables, so names only need to be unique in it)."""
    _numbers.clear()


def _next(kind: str) -> int:
    return next(_numbers[kind])


@dataclass
class Actor:
    """A user with a valid token."""

    user: User
    token: str

    @property
    def id(self) -> int:
        return self.user.id

    @property
    def account_id(self) -> int:
        return self.user.account_id

    @property
    def account(self) -> Account:
        return accounts.get(self.account_id)


def make_account(name: str | None = None, *, consultancy_account_id: int | None = None,
                 roles: list[str] | None = None) -> Account:
    return accounts.create(name or f"Account {_next('account')}", roles or [], consultancy_account_id)


def make_user(*, account: Account | None = None, roles=(), password: str = PASSWORD, email: str | None = None,
              active: bool = True, username: str | None = None) -> Actor:
    """A user of `account` (a new one if not given) and a token for it."""
    account = account or make_account()
    n = _next("user")
    user = users.create(email or f"user{n}@example.com", hash_password(password), account.id, list(roles),
                        username or f"user{n}", active=active)
    return Actor(user, issue_token(user.id, user.fs_uniquifier))


def make_asset(*, account: Account | None = None, name: str = "site", parent: Asset | None = None,
               type: AssetType | None = None, **fields: Any) -> Asset:
    """An asset of `account` (public without one) under `parent`, of `type` (a type of its own if not given)."""
    account_id = account.id if account is not None else None
    parent_id = parent.id if parent is not None else None
    kind = type or asset_types.create(f"type for {name} {account_id} {parent_id}")
    return assets.create(name=name, generic_asset_type_id=kind.id, account_id=account_id, parent_asset_id=parent_id,
                         **fields)


def make_sensor(asset: Asset, *, name: str = "power", unit: str = "kW", minutes: int = 15, timezone: str = "UTC",
                attributes: dict | None = None) -> Sensor:
    return sensors.create(asset, name, unit, minutes, timezone, attributes)


def save_values(sensor: Sensor, source: DataSource, values: list[float], first: datetime = DEFAULT_START,
                formed: datetime | None = None) -> None:
    """Values at the sensor's resolution from `first`, formed at `formed` (default: when each event ends)."""
    step = timedelta(minutes=int(sensor.event_resolution_minutes))
    starts = [first + i * step for i in range(len(values))]
    known = [formed or start + step for start in starts]
    beliefs.save(sensor.id, source.id, Beliefs.of([to_us(s) for s in starts], [to_us(k) for k in known], values),
                 step, allow_overwrite=True)


@dataclass
class Site:
    """An account's asset with its sensors, and the users a test asked for; `site.<key>` is the sensor of that key."""

    account: Account
    asset: Asset
    sensors: dict[str, Sensor] = field(default_factory=dict)
    child: Asset | None = None  # an asset under the site's asset
    member: Actor | None = None  # a plain user of the account
    admin: Actor | None = None  # an account-admin of the account
    outsider: Actor | None = None  # a user of another account

    @property
    def member_source(self) -> DataSource:
        """The member's own data source (made on first use: a fixture that needs it first makes it early)."""
        return sources.user_source(self.member.user)

    def __getattr__(self, key: str) -> Sensor:
        try:
            return self.__dict__["sensors"][key]
        except KeyError:
            raise AttributeError(key) from None


def make_site(*, account_name: str | None = "ACME", asset_name: str = "ACME site", asset_type: AssetType | None = None,
              parent_name: str | None = None, child_name: str | None = None, admin: bool = False, member: bool = True,
              username: str | None = None, outsider: bool = False,
              sensors: dict[str, dict[str, Any]] | None = None) -> Site:
    """An account (a numbered one for `account_name=None`) and its asset of `asset_type`, under a parent asset called
    `parent_name` and above a child called `child_name` where given; then the users asked for (an account-admin, a
    member named `username`, an outsider); then one sensor on the asset per entry of `sensors`: key -> the keywords
    of `make_sensor` (the name defaults to the key)."""
    account = make_account(account_name)
    parent = make_asset(account=account, name=parent_name) if parent_name else None
    asset = make_asset(account=account, name=asset_name, parent=parent, type=asset_type)
    site = Site(account, asset)
    if child_name:
        site.child = make_asset(account=account, name=child_name, parent=asset)
    if admin:
        site.admin = make_user(roles=["account-admin"], account=account)
    if member:
        site.member = make_user(account=account, username=username)
    if outsider:
        site.outsider = make_user()
    site.sensors = {key: make_sensor(asset, **{"name": key, **spec}) for key, spec in (sensors or {}).items()}
    return site
