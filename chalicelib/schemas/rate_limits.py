"""Rate limit strings as FlexMeasures writes them (Flask-Limiter's notation: "500 per minute", "10/5 minutes").

Parsed here rather than by the `limits` library Flask-Limiter uses: importing that takes 70-90 ms (its asyncio
storage backends), which every cold start of the API would pay for one regular expression.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

# A plan's value that exempts its accounts from a limit (FlexMeasures' UNLIMITED_RATE_LIMIT).
UNLIMITED = "unlimited"
# What the trigger limit is counted against (FlexMeasures' RateLimitKey values).
RATE_LIMIT_KEYS = ("account+asset", "account", "user")

# The `limits` library's granularities; its months are 30 days and its years 12 such months.
GRANULARITY_SECONDS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400, "month": 30 * 86400,
                       "year": 12 * 30 * 86400}
_ONE = re.compile(r"\s*(\d+)\s*(?:/|\s+per\s+|per)\s*(\d+)?\s*([a-z]+?)s?\s*$", re.IGNORECASE)
_SEPARATORS = re.compile(r"[,;|]")


@dataclass(frozen=True)
class RateLimit:
    """`amount` requests per `multiples` `granularity`s."""

    amount: int
    multiples: int
    granularity: str

    @property
    def seconds(self) -> int:
        return self.multiples * GRANULARITY_SECONDS[self.granularity]

    def __str__(self) -> str:
        # How FlexMeasures' 429 message names a limit ("2 per 1 minute").
        return f"{self.amount} per {self.multiples} {self.granularity}"


def parse_rate_limits(text: str) -> tuple[RateLimit, ...]:
    """One or more limits ("1/second; 500 per minute"); ValueError names the string that does not parse."""
    parts = [part for part in _SEPARATORS.split(text or "") if part.strip()]
    limits = tuple(_parse_one(part, text) for part in parts)
    if not limits:
        raise ValueError(f"couldn't parse rate limit string '{text}'")
    return limits


def _parse_one(part: str, text: str) -> RateLimit:
    match = _ONE.match(part)
    granularity = match.group(3).lower() if match else ""
    if granularity not in GRANULARITY_SECONDS:
        raise ValueError(f"couldn't parse rate limit string '{text}'")
    amount, multiples = int(match.group(1)), int(match.group(2) or 1)
    if multiples < 1:
        raise ValueError(f"couldn't parse rate limit string '{text}': a window of 0 {granularity}s")
    return RateLimit(amount, multiples, granularity)


def check_plan_limit(text: str | None) -> str | None:
    """A plan's limit field: a limit string, "unlimited", or None (the server's setting applies)."""
    if text is None or text == UNLIMITED:
        return text
    parse_rate_limits(text)
    return text


def check_rate_limit_key(key: str | None) -> str | None:
    if key is not None and key not in RATE_LIMIT_KEYS:
        raise ValueError(f"Unknown rate limit key '{key}'. Use one of {sorted(RATE_LIMIT_KEYS)}.")
    return key
