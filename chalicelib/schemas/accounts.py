"""Account query arguments."""
from __future__ import annotations

from typing import Literal

from chalicelib.schemas.listing import ListingArgs


class AccountListArgs(ListingArgs):
    sort_by: Literal["name", "assets", "users"] | None = None
