"""AWS clients, built once per container and per endpoint (moto server, or real AWS).

Clients come from botocore directly: boto3 would add its resource layer and s3transfer (about 100 ms of
imports on a cold start) for nothing the code uses.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any

import botocore.session

from chalicelib import settings


def client(service: str) -> Any:
    return _client(service, settings.aws_region(), settings.aws_endpoint_url())


@lru_cache(maxsize=32)
def _client(service: str, region: str, endpoint: str | None) -> Any:
    return _session().create_client(service, region_name=region, endpoint_url=endpoint)


@lru_cache(maxsize=1)
def _session() -> botocore.session.Session:
    """One session per container: it caches the service models every client loads."""
    return botocore.session.get_session()


def reset_clients() -> None:
    """Tests that swap AWS backends (mock_aws per test) drop cached clients with this."""
    _client.cache_clear()
