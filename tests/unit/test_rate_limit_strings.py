"""Rate limit strings in Flask-Limiter's notation, as FlexMeasures' settings and plans write them."""
from __future__ import annotations

import pytest

from chalicelib.schemas.rate_limits import check_plan_limit, check_rate_limit_key, parse_rate_limits


@pytest.mark.parametrize("text, limits, seconds", [
    ("500 per minute", ["500 per 1 minute"], [60]),
    ("10 per 5 minutes", ["10 per 5 minute"], [300]),
    ("10/5 minutes", ["10 per 5 minute"], [300]),
    ("2/second", ["2 per 1 second"], [1]),
    ("100 per hours", ["100 per 1 hour"], [3600]),
    ("5perminute", ["5 per 1 minute"], [60]),
    ("1/second; 500 per minute", ["1 per 1 second", "500 per 1 minute"], [1, 60]),
    ("1 per day|2 per MONTH, 3 per year", ["1 per 1 day", "2 per 1 month", "3 per 1 year"],
     [86400, 30 * 86400, 360 * 86400]),
])
def test_limits_parse_as_the_limits_library_reads_them(text, limits, seconds):
    parsed = parse_rate_limits(text)
    assert [str(limit) for limit in parsed] == limits  # how FlexMeasures' 429 message names them
    assert [limit.seconds for limit in parsed] == seconds


@pytest.mark.parametrize("text", ["", "abc", "5", "per minute", "10 per fortnight", "10 per 0 minutes",
                                  "10 per minute; soon"])
def test_strings_that_are_no_limits_are_refused(text):
    with pytest.raises(ValueError, match="couldn't parse rate limit string"):
        parse_rate_limits(text)


def test_plan_fields():
    assert check_plan_limit(None) is None and check_plan_limit("unlimited") == "unlimited"
    assert check_plan_limit("60 per 5 minutes") == "60 per 5 minutes"
    with pytest.raises(ValueError):
        check_plan_limit("lots")
    assert check_rate_limit_key("account+asset") == "account+asset" and check_rate_limit_key(None) is None
    with pytest.raises(ValueError, match="Unknown rate limit key 'asset'"):
        check_rate_limit_key("asset")
