"""Readiness: can this function reach its DynamoDB tables and its SQS queue?"""
from __future__ import annotations

from chalicelib.api.responses import respond
from chalicelib.api.routing import ApiRequest
from chalicelib.services.health import readiness


def ready(req: ApiRequest):
    checks = readiness()
    return respond(checks, 200 if all(checks.values()) else 503)
