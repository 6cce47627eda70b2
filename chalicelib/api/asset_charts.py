"""Asset KPIs, chart specs, chart data (contract §6) and chart annotations (FlexMeasures 1.0): GET
/assets/<id>/kpis, /chart, /chart_data and /chart_annotations."""
from __future__ import annotations

from typing import Any

from chalicelib.api.query import parse_query
from chalicelib.api.responses import respond
from chalicelib.api.routing import ApiRequest
from chalicelib.auth.access import require_asset
from chalicelib.auth.permissions import READ
from chalicelib.errors import unprocessable
from chalicelib.schemas.charts import ChartAnnotationArgs, ChartArgs, ChartDataArgs, KpiArgs
from chalicelib.services import annotations as annotation_service
from chalicelib.services import charts as service
from chalicelib.services.loaders import asset_or_404


# FlexMeasures returns both chart bodies as strings from a Flask view, hence HTML's content type.
JSON_TEXT = "text/html; charset=utf-8"
# Lambda returns at most 6 MB, and the proxy response escapes the JSON body once more (about +15%).
MAX_RESPONSE_BYTES = 5 * 1024 * 1024


def asset_kpis(req: ApiRequest, id: int) -> Any:
    args = parse_query(KpiArgs, req.query)
    return {"data": service.kpis(readable_asset(req.user, id), args)}


def asset_chart(req: ApiRequest, id: int) -> Any:
    args = parse_query(ChartArgs, req.query)
    return json_text(service.chart(readable_asset(req.user, id), args))


def asset_chart_data(req: ApiRequest, id: int) -> Any:
    args = parse_query(ChartDataArgs, req.query)
    return json_text(service.chart_data(readable_asset(req.user, id), args))


def asset_chart_annotations(req: ApiRequest, id: int) -> Any:
    # FlexMeasures loads the asset (404) before it parses the query.
    asset = asset_or_404(id)
    args = parse_query(ChartAnnotationArgs, req.query)
    require_asset(req.user, READ, asset)
    return json_text(annotation_service.chart_annotations(asset, args))


def json_text(body: Any) -> Any:
    """The body as JSON text; a clear 422 instead of a failed invocation when it outgrows a Lambda response."""
    response = respond(body, wrap=False, content_type=JSON_TEXT)
    size = len(response.body.encode())
    if size > MAX_RESPONSE_BYTES:
        raise unprocessable("query", {"_schema": [
            f"The requested data ({size / 1e6:.1f} MB as JSON) exceeds the {MAX_RESPONSE_BYTES // 2**20} MB a "
            "response may hold. Ask for a shorter window (event_starts_after, event_ends_before), or for "
            "chart_data with compress_json=true."]})
    return response


def readable_asset(user: Any, asset_id: int) -> Any:
    """The asset (404 if unknown), if `user` may read it (403 otherwise)."""
    asset = asset_or_404(asset_id)
    require_asset(user, READ, asset)
    return asset
