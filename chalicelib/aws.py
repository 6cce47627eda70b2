"""boto3 clients, built once per container and per endpoint (moto server, or real AWS)."""
from __future__ import annotations

from functools import lru_cache
from typing import Any

import boto3

from chalicelib import settings


def client(service: str) -> Any:
    return _client(service, settings.aws_region(), settings.aws_endpoint_url())


@lru_cache(maxsize=32)
def _client(service: str, region: str, endpoint: str | None) -> Any:
    return boto3.session.Session().client(service, region_name=region, endpoint_url=endpoint)


def reset_clients() -> None:
    """Tests that swap AWS backends (mock_aws per test) drop cached clients with this."""
    _client.cache_clear()
