"""Readiness: can this function reach its DynamoDB tables and its SQS queue?"""
from __future__ import annotations

from chalice import Blueprint

from chalicelib.api.responses import respond
from chalicelib.api.routing import ApiRequest, endpoint
from chalicelib.services.health import readiness

bp = Blueprint(__name__)


@endpoint(bp, "/v3_0/health/ready", "GET", auth=False, description="Get readiness status")
def ready(req: ApiRequest):
    checks = readiness()
    return respond(checks, 200 if all(checks.values()) else 503)
