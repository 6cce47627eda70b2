"""Data source endpoint (FlexMeasures 1.0): the data sources a user may see, and the known source types."""
from __future__ import annotations

from typing import Any

from chalicelib.api.query import parse_query
from chalicelib.api.routing import ApiRequest
from chalicelib.schemas.sources import SourceListArgs
from chalicelib.services import sources as service


def list_sources(req: ApiRequest) -> Any:
    return service.listing(req.user, parse_query(SourceListArgs, req.query))
