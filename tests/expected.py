"""What the API answers, written out as the tests expect it: sensors' entity addresses, the 403 body."""
from __future__ import annotations

from datetime import date

# The API dates the entity addresses it builds with the month after this one.
NEXT_MONTH = f"{date.today().year + date.today().month // 12}-{date.today().month % 12 + 1:02d}"

FORBIDDEN = {"result": "Rejected", "status": "INVALID_SENDER",
             "message": "You cannot be authorized for this content or functionality."}


def entity_address(sensor_id: int) -> str:
    """The address the API gives a sensor when it is called as localhost."""
    return f"ea1.{NEXT_MONTH}.localhost:fm1.{sensor_id}"
