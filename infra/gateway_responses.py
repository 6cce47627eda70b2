"""After `chalice deploy`: make API Gateway answer unknown paths with FlexMeasures' JSON 404.

API Gateway answers a path no route matches with 403 MISSING_AUTHENTICATION_TOKEN; FlexMeasures answers
404. `chalice package` gets this from infra/resources.yaml; `chalice deploy` has no hook for it and
overwrites the API on every deploy, so run this after each one:

    python -m infra.gateway_responses [--stage dev]
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from infra.resources import GATEWAY_RESPONSES, ROOT, stage_config


def deployed_rest_api_id(stage: str, project: Path = ROOT) -> str:
    """The REST API id `chalice deploy` recorded in .chalice/deployed/<stage>.json."""
    record = project / ".chalice" / "deployed" / f"{stage}.json"
    if not record.exists():
        raise SystemExit(f"{record} not found: run `chalice deploy --stage {stage}` first")
    for resource in json.loads(record.read_text())["resources"]:
        if resource.get("resource_type") == "rest_api":
            return resource["rest_api_id"]
    raise SystemExit(f"{record} lists no REST API")


def apply(rest_api_id: str, api_stage: str) -> None:
    """Put every gateway response, then redeploy the stage so it takes effect."""
    from chalicelib.aws import client

    apigateway = client("apigateway")
    for response_type, response in GATEWAY_RESPONSES.items():
        apigateway.put_gateway_response(restApiId=rest_api_id, responseType=response_type,
                                        statusCode=str(response["statusCode"]),
                                        responseParameters=response["responseParameters"],
                                        responseTemplates=response["responseTemplates"])
    apigateway.create_deployment(restApiId=rest_api_id, stageName=api_stage,
                                 description="flexcloud gateway responses")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.gateway_responses", description=__doc__.splitlines()[0])
    parser.add_argument("--stage", default="dev")
    args = parser.parse_args(argv)
    rest_api_id = deployed_rest_api_id(args.stage)
    api_stage = stage_config(args.stage).get("api_gateway_stage", "api")
    apply(rest_api_id, api_stage)
    print(f"{rest_api_id}: unknown paths now answer 404 on stage {api_stage!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
