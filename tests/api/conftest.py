"""The API tests' client: the app through chalice.test.Client over this test's moto resources."""
from __future__ import annotations

import pytest
from chalice.test import Client

from app import app
from tests.api.client import Api


@pytest.fixture
def api(aws):
    with Client(app, stage_name="dev") as client:
        yield Api(client)
