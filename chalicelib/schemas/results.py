"""FlexMeasures' success bodies that several endpoints share ("PROCESSED")."""
from __future__ import annotations

from typing import Any

PROCESSED_MESSAGE = "Request has been processed."


def processed(message: str = PROCESSED_MESSAGE, **extra: Any) -> dict[str, Any]:
    return {"status": "PROCESSED", "message": message, **extra}
