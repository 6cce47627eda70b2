"""After `chalice deploy`: API Gateway's own answers as FlexMeasures gives them, and the stage's throttling.

API Gateway answers a path no route matches with 403 MISSING_AUTHENTICATION_TOKEN, FlexMeasures 404; its
throttling answers 429 in a body of its own; neither says FlexMeasures' version. `chalice package` gets the
responses and the stage throttling (the coarse guard in front of the per-user rate limits) from
infra/resources.yaml; `chalice deploy` has no hook for them and overwrites the API on every deploy, so run this
after each one:

    python -m infra.gateway_responses [--stage dev]
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from infra.resources import GATEWAY_RESPONSES, ROOT, stage_config, stage_throttling


def deployed_rest_api_id(stage: str, project: Path = ROOT) -> str:
    """The REST API id `chalice deploy` recorded in .chalice/deployed/<stage>.json."""
    record = project / ".chalice" / "deployed" / f"{stage}.json"
    if not record.exists():
        raise SystemExit(f"{record} not found: run `chalice deploy --stage {stage}` first")
    for resource in json.loads(record.read_text())["resources"]:
        if resource.get("resource_type") == "rest_api":
            return resource["rest_api_id"]
    raise SystemExit(f"{record} lists no REST API")


def apply(rest_api_id: str, stage: str) -> str:
    """Put every gateway response, redeploy the API Gateway stage of Chalice stage `stage` so they take effect, then
    set its throttling; return that API Gateway stage's name."""
    from chalicelib.aws import client

    api_stage = stage_config(stage).get("api_gateway_stage", "api")
    throttling = stage_throttling(stage)
    apigateway = client("apigateway")
    for response_type, response in GATEWAY_RESPONSES.items():
        status = {"statusCode": str(response["statusCode"])} if "statusCode" in response else {}  # defaults: keep
        apigateway.put_gateway_response(restApiId=rest_api_id, responseType=response_type,
                                        responseParameters=response["responseParameters"],
                                        responseTemplates=response["responseTemplates"], **status)
    apigateway.create_deployment(restApiId=rest_api_id, stageName=api_stage,
                                 description="flexcloud gateway responses")
    apigateway.update_stage(restApiId=rest_api_id, stageName=api_stage, patchOperations=[
        {"op": "replace", "path": "/*/*/throttling/rateLimit", "value": str(throttling["rate_limit"])},
        {"op": "replace", "path": "/*/*/throttling/burstLimit", "value": str(throttling["burst_limit"])}])
    return api_stage


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.gateway_responses", description=__doc__.splitlines()[0])
    parser.add_argument("--stage", default="dev")
    args = parser.parse_args(argv)
    rest_api_id = deployed_rest_api_id(args.stage)
    api_stage = apply(rest_api_id, args.stage)
    throttling = stage_throttling(args.stage)
    print(f"{rest_api_id}: unknown paths now answer 404 on stage {api_stage!r}, which lets through "
          f"{throttling['rate_limit']} requests per second (bursts of {throttling['burst_limit']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
