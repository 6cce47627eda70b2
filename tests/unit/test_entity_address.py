"""Entity addresses (contract §4.3): building from the request host, parsing the sensor id."""
from __future__ import annotations

from datetime import date

import pytest

from chalicelib.schemas.entity_address import NO_ADDRESS, EntityAddressError, build, parse

CONFIG = {"flexmeasures.io": "2021-01", "company.flexmeasures.io": "2022-03"}


@pytest.mark.parametrize("host,expected", [
    ("flexmeasures.io", "ea1.2021-01.io.flexmeasures:fm1.42"),
    ("www.flexmeasures.io:443", "ea1.2021-01.io.flexmeasures:fm1.42"),
    ("company.flexmeasures.io", "ea1.2022-03.io.flexmeasures.company:fm1.42"),
    ("localhost:5000", "ea1.2026-01.localhost:fm1.42"),
    ("127.0.0.1:8000", "ea1.2026-01.localhost:fm1.42"),
    ("unknown.example.com", NO_ADDRESS),
])
def test_build(host, expected):
    assert build(42, host, CONFIG, today=date(2025, 12, 3)) == expected


def test_localhost_month_is_the_next_one():
    assert build(1, "localhost", {}, today=date(2025, 5, 31)).startswith("ea1.2025-06.")


@pytest.mark.parametrize("address,sensor_id", [
    ("ea1.2021-01.io.flexmeasures:fm1.42", 42),
    ("ea1.2030-12.org.elsewhere.whatever:fm1.7", 7),  # the domain is never compared with ours
])
def test_parse(address, sensor_id):
    assert parse(address) == sensor_id


@pytest.mark.parametrize("address,message", [
    ("ea2.2021-01.io.flexmeasures:fm1.42", "A valid type 1 USEF entity address starts with 'ea1', please review "
                                           "ea2.2021-01.io.flexmeasures:fm1.42"),
    ("ea1.2021-13.io.flexmeasures:fm1.42", "Could not parse sensor ea1.2021-13.io.flexmeasures:fm1.42."),
    ("ea1.2021-01.io.flexmeasures:fm0.42", "Could not parse sensor ea1.2021-01.io.flexmeasures:fm0.42."),
    ("ea1.2021-01.io.flexmeasures:fm1.x", "Could not parse sensor ea1.2021-01.io.flexmeasures:fm1.x."),
    ("ea1.2021-01:fm1.4", "Could not parse sensor ea1.2021-01:fm1.4."),
])
def test_parse_errors(address, message):
    with pytest.raises(EntityAddressError) as error:
        parse(address)
    assert str(error.value) == message
