"""Plans (FlexMeasures' rate limits per account): create, look up, list, put an account on one."""
from __future__ import annotations

from pynamodb.exceptions import UpdateError

from chalicelib.store.errors import NotFound
from chalicelib.store.ids import next_id
from chalicelib.store.models import Account, Plan
from chalicelib.store.uniques import claim_key, write_with_claims


def create(name: str, *, default_rate_limit: str | None = None, trigger_rate_limit: str | None = None,
           rate_limit_key: str | None = None) -> Plan:
    """A plan with a unique name (DuplicateError otherwise); the caller has checked the limit strings."""
    plan = Plan(next_id("plan"), name=name, default_rate_limit=default_rate_limit,
                trigger_rate_limit=trigger_rate_limit, rate_limit_key=rate_limit_key)
    write_with_claims(lambda tx: tx.save(plan), [claim_key("plan-name", name)], owner=str(plan.id))
    return plan


def find(plan_id: int) -> Plan | None:
    return Plan.get_or_none(int(plan_id))


def list_all() -> list[Plan]:
    # Plans are a handful of tiers, listed by the ops CLI only.
    return sorted(Plan.scan(), key=lambda plan: plan.id)


def of_account(account_id: int) -> Plan | None:
    """The plan an account is on, if any (None for an unknown account, too)."""
    account = Account.get_or_none(int(account_id))
    if account is None or account.plan_id is None:
        return None
    return find(account.plan_id)


def put_account_on(account_id: int, plan_id: int | None) -> None:
    """Put the account on the plan (None: off any plan). NotFound for an unknown account or plan."""
    if plan_id is not None and find(plan_id) is None:
        raise NotFound(f"Plan {plan_id} not found")
    action = Account.plan_id.remove() if plan_id is None else Account.plan_id.set(int(plan_id))
    try:
        Account(int(account_id)).update(actions=[action], condition=Account.id.exists())
    except UpdateError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            raise NotFound(f"Account {account_id} not found") from None
        raise
