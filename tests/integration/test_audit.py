"""The audit log in the store: what a row keeps of an event."""
from __future__ import annotations

from chalicelib.store import audit


def test_long_events_are_clipped(make_account, make_user):
    account = make_account()
    member, aa = make_user(account=account), make_user(roles=["account-admin"], account=account)
    event = "x" * 100 + "y" * 200
    row = audit.record_user_event(event, member.user, aa.user)
    assert row.event == event[:125] + " ... " + event[-125:] and len(row.event) == 255
