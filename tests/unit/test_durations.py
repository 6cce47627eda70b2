from datetime import timedelta

import pytest

from chalicelib.schemas.durations import DurationError, format_duration, format_hours_duration, parse_duration


@pytest.mark.parametrize("text,expected", [
    ("PT15M", timedelta(minutes=15)), ("P1D", timedelta(days=1)), ("P0DT0H15M0S", timedelta(minutes=15)),
    ("P1DT0H0M0S", timedelta(days=1)), ("-PT1H", timedelta(hours=-1)), ("PT48H", timedelta(hours=48)),
])
def test_parse(text, expected):
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text,message", [
    ("PT1M30S", "FlexMeasures only support multiples of 1 minute."),
    ("15 minutes", "Cannot parse 15 minutes as ISO8601 duration"),
    ("P1M", "years and months are not supported"),
])
def test_parse_errors(text, message):
    with pytest.raises(DurationError, match=message):
        parse_duration(text)


def test_output_styles():
    assert [format_duration(timedelta(minutes=m)) for m in (0, 15, 60, 1440)] == ["P0D", "PT15M", "PT1H", "P1D"]
    assert [format_hours_duration(timedelta(minutes=m)) for m in (0, 15, 60, 1440, 90)] == [
        "PT0H", "PT15M", "PT1H", "PT24H", "PT1H30M"]
