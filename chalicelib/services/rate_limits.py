"""FlexMeasures 1.0's API rate limits: what a request counts against, whether it may pass, the headers it gets.

- The **default limit** counts every request under /api (health checks excepted) of one user, or of one client IP
  while no user is known (public endpoints, failed authentication), refused requests included.
- The **trigger limit** counts schedule triggers, on top, shared by both trigger endpoints, per account (or per user,
  or per account and asset: `FLEXMEASURES_API_RATE_LIMIT_KEY`). A trigger answered with an error is uncounted
  afterwards, so only accepted triggers spend it.
- An account's plan overrides either limit and the key; a plan's "unlimited" exempts its accounts. Play servers
  (`FLEXMEASURES_MODE=play`) and `RATELIMIT_ENABLED=false` count nothing.

Counts live in DynamoDB (store/rate_counters.py), one UpdateItem per request and limit, in fixed windows aligned to
the clock, so a limit holds however many Lambda containers serve the requests. A container keeps each account's plan
for `FLEXCLOUD_PLAN_CACHE_SECONDS`, so a request reads no plan in the common case.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any, Callable

from chalicelib import settings
from chalicelib.errors import too_many_requests
from chalicelib.schemas.rate_limits import RATE_LIMIT_KEYS, UNLIMITED, RateLimit, parse_rate_limits
from chalicelib.store import plans, rate_counters, sensors
from chalicelib.store.rate_counters import Hits

log = logging.getLogger("flexcloud.rate_limits")

# Paths (relative to the /api stage) the default limit does not apply to: monitoring must not lock itself out.
EXEMPT_PATH_PREFIXES = ("/v3_0/health",)
# FlexMeasures' (Flask-Limiter's) header names.
LIMIT_HEADER, REMAINING_HEADER, RESET_HEADER, RETRY_AFTER_HEADER = (
    "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset", "Retry-After")


@dataclass(frozen=True)
class Counted:
    """One limit this request was counted against, and what the count found."""

    limit: RateLimit
    hits: Hits

    @property
    def breached(self) -> bool:
        return self.hits.count > self.limit.amount

    @property
    def remaining(self) -> int:
        return max(0, self.limit.amount - self.hits.count)


class Meter:
    """Rate limiting of one request: `count` it, maybe `reserve_trigger`, `settle` on its status, then `headers`."""

    def __init__(self, path: str, client_ip: str):
        self.path = path  # the route's path, relative to the /api stage
        self.client_ip = client_ip
        self.counted: list[Counted] = []
        self._trigger: list[Counted] = []

    def count(self, user: Any) -> None:
        """Count the request against the default limit of `user` (None: of the client IP); 429 over it."""
        if not self._applies():
            return
        who = f"user:{user.id}" if user is not None else f"ip:{self.client_ip}"
        _refuse_if_breached(self._count("default", who, _limits(_plan_of(user), "default")))

    def reserve_trigger(self, user: Any, resource_id: int) -> None:
        """Count a trigger of the asset or sensor `resource_id` against the trigger limit; 429 over it."""
        if not self._applies():
            return
        plan = _plan_of(user)
        who = _trigger_counter(user, plan, lambda: self._asset_of_trigger(resource_id))
        self._trigger = self._count("triggers", who, _limits(plan, "trigger"))
        _refuse_if_breached(self._trigger)

    def settle(self, status_code: int) -> None:
        """Uncount the trigger if it was refused (any status from 400, its own 429 too): it set nothing going."""
        if status_code >= 400:
            for counted in self._trigger:
                rate_counters.take_back(counted.hits)
        self._trigger = []

    def headers(self, retry_after: str | None = None) -> dict[str, str]:
        """Flask-Limiter's headers for the limit that was hit, else the first one counted (none if exempt).

        As Flask-Limiter does, Retry-After is set on every counted response: the later of the window's end and a
        Retry-After the view set (e.g. a pending job's).
        """
        if not self.counted:
            return {}
        shown = next((c for c in self.counted if c.breached), self.counted[0])
        now = time.time()
        resets_at = shown.hits.window_ends_at
        wait_until = resets_at
        if retry_after is not None and retry_after.strip().isdigit():
            wait_until = max(wait_until, int(now) + int(retry_after))
        return {LIMIT_HEADER: str(shown.limit.amount), REMAINING_HEADER: str(shown.remaining),
                RESET_HEADER: str(resets_at), RETRY_AFTER_HEADER: str(max(0, int(wait_until - now)))}

    def _applies(self) -> bool:
        return (settings.rate_limiting_enabled() and settings.flexmeasures_mode() != "play"
                and not self.path.startswith(EXEMPT_PATH_PREFIXES))

    def _count(self, scope: str, who: str, limits: tuple[RateLimit, ...]) -> list[Counted]:
        now = time.time()
        found = [(limit, rate_counters.hit(f"{scope}/{who}", limit.seconds, now)) for limit in limits]
        counted = [Counted(limit, hits) for limit, hits in found if hits is not None]
        self.counted += counted
        return counted

    def _asset_of_trigger(self, resource_id: int) -> int | None:
        """The asset a trigger is about: the one in its path, or the sensor's (so both endpoints share a budget)."""
        if self.path.startswith("/v3_0/assets/"):
            return resource_id
        sensor = sensors.find(resource_id)
        return int(sensor.generic_asset_id) if sensor is not None else None


def _refuse_if_breached(counted: list[Counted]) -> None:
    breached = next((c for c in counted if c.breached), None)
    if breached is not None:
        raise too_many_requests(str(breached.limit))


def _trigger_counter(user: Any, plan: Any, asset_id: Callable[[], int | None]) -> str:
    key = (plan.rate_limit_key if plan is not None else None) or settings.trigger_rate_limit_key()
    if key not in RATE_LIMIT_KEYS:
        # As FlexMeasures: a bad setting must not turn every trigger into a 500.
        log.error("Unknown FLEXMEASURES_API_RATE_LIMIT_KEY %r; use one of %s. Counting per account.",
                  key, sorted(RATE_LIMIT_KEYS))
        key = "account"
    if key == "user":
        return f"user:{user.id}"
    account = f"account:{user.account_id}"
    if key == "account":
        return account
    asset = asset_id()
    return account if asset is None else f"{account}|asset:{asset}"


def _limits(plan: Any, which: str) -> tuple[RateLimit, ...]:
    """The plan's limit if it sets one, else the setting; none for "unlimited" or a string that does not parse."""
    override = getattr(plan, f"{which}_rate_limit") if plan is not None else None
    if override == UNLIMITED:
        return ()
    text = override or (settings.default_rate_limit() if which == "default" else settings.trigger_rate_limit())
    try:
        return parse_rate_limits(text)
    except ValueError as exc:
        # Flask-Limiter logs a limit it cannot parse and skips it; refusing every request would be worse.
        log.error("Rate limit skipped: %s", exc)
        return ()


_plans: dict[int, tuple[float, Any]] = {}


def _plan_of(user: Any) -> Any:
    """The plan of the user's account (None without one), read at most once per cache period per container."""
    if user is None:
        return None
    account_id = int(user.account_id)
    cached = _plans.get(account_id)
    now = time.monotonic()
    if cached is not None and cached[0] > now:
        return cached[1]
    plan = plans.of_account(account_id)
    _plans[account_id] = (now + settings.plan_cache_seconds(), plan)
    return plan


def forget_plans() -> None:
    """Read every plan afresh on its next use (tests, whose accounts reuse ids)."""
    _plans.clear()
