"""What the account endpoints do: the accounts a user may read, filtered, sorted and counted."""
from __future__ import annotations

from typing import Any

from chalicelib.auth.access import accounts_to_list
from chalicelib.schemas.accounts import AccountListArgs, account_json
from chalicelib.services.listing import first_term_words, list_or_page, sort_items
from chalicelib.store import assets, users


def listing(user: Any, args: AccountListArgs) -> Any:
    """Own account, plus client accounts for consultants, or all for admins; the filter's first
    term, split on spaces, matches any word in the name. Pages add the user and asset counts."""
    words = [w.lower() for w in first_term_words(args.filter)]
    shown = sorted((a for a in accounts_to_list(user).values()
                    if not words or any(w in a.name.lower() for w in words)), key=lambda a: a.id)
    counted = args.page is not None or args.sort_by in ("assets", "users")
    counts = {a.id: (users.count_for_account(a.id), assets.count_for_account(a.id)) for a in shown} if counted else {}
    shown = sort_items(shown, args, {"id": lambda a: a.id, "name": lambda a: a.name, "users": lambda a: counts[a.id][0],
                                     "assets": lambda a: counts[a.id][1]})

    def render(items: list[Any]) -> list[dict[str, Any]]:
        if args.page is None:
            return [account_json(a) for a in items]
        return [{**account_json(a), "user_count": counts[a.id][0], "asset_count": counts[a.id][1]} for a in items]

    return list_or_page(shown, args, len(shown), render)
