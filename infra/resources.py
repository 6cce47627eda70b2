"""The AWS resources of one stage, as CloudFormation, derived from the PynamoDB models and .chalice/config.json.

One description serves three consumers, so they cannot drift apart:
- `merge_template()`: infra/resources.yaml, deep-merged into Chalice's SAM template by
  `chalice package --merge-template` (data resources plus overrides of Chalice's functions and roles);
- `base_stack()`: infra/base-stack.yaml, the data resources alone, created before `chalice deploy`;
- `policy_document()`: the IAM policy the functions get, as CloudFormation (`Fn::Sub`) or as plain
  ARNs for `chalice deploy`'s policy file.

Names come from chalicelib.settings evaluated with the stage's environment from config.json, so the
deployed code finds exactly the resources declared here.
"""
from __future__ import annotations

import json
import os
import re
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from chalicelib.api.versions import FLEXMEASURES_VERSION
from chalicelib.errors import NOT_FOUND_MESSAGE, too_many_requests

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / ".chalice" / "config.json"

# Chalice's logical ids and function-name suffixes (Chalice derives them from the handler names).
API_FUNCTION = ("APIHandler", "ApiHandlerRole", "")
SOLVER_FUNCTION = ("SolveSchedule", "SolveScheduleRole", "-solve_schedule")
DEAD_LETTER_FUNCTION = ("FailDeadLetter", "FailDeadLetterRole", "-fail_dead_letter")
WEBHOOK_FUNCTION = ("DeliverWebhook", "DeliverWebhookRole", "-deliver_webhook")
WEBHOOK_DEAD_LETTER_FUNCTION = ("RecordWebhookDeadLetter", "RecordWebhookDeadLetterRole",
                                "-record_webhook_dead_letter")
FUNCTIONS = [API_FUNCTION, SOLVER_FUNCTION, DEAD_LETTER_FUNCTION, WEBHOOK_FUNCTION, WEBHOOK_DEAD_LETTER_FUNCTION]

SCHEDULE_QUEUE = "ScheduleQueue"
SCHEDULE_DLQ = "ScheduleDeadLetterQueue"
WEBHOOK_QUEUE = "WebhookQueue"
WEBHOOK_DLQ = "WebhookDeadLetterQueue"
UPLOADS_BUCKET = "UploadsBucket"
TOKEN_SECRET = "TokenSecret"
TTL_ATTRIBUTE_NAME = "expires_at"
# Any Lambda consuming a queue needs the queue's visibility timeout >= 6x its own timeout.
VISIBILITY_FACTOR = 6
DLQ_RETENTION_SECONDS = 14 * 24 * 3600

# SnapStart runs published versions only: every function publishes one per deploy under this alias, and the API
# and the queues invoke the alias.
ALIAS = "live"
API_ALIAS_URI = ("arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/"
                 "${APIHandler.Alias}/invocations")

# What API Gateway answers itself, as FlexMeasures would: every answer says the server's version; unknown paths
# (403 MISSING_AUTHENTICATION_TOKEN) get FlexMeasures' 404, the stage's throttling FlexMeasures' 429. Others (a body
# over 10 MB, an integration timeout) keep API Gateway's body.
_VERSION_HEADER = {"gatewayresponse.header.FlexMeasures-Version": f"'{FLEXMEASURES_VERSION}'"}
_JSON_HEADER = {"gatewayresponse.header.Content-Type": "'application/json'"}
_API_GATEWAY_DEFAULT_TEMPLATE = '{"message":$context.error.messageString}'  # its body, kept as it is
GATEWAY_RESPONSES = {
    "MISSING_AUTHENTICATION_TOKEN": {
        "statusCode": 404,
        "responseParameters": {**_JSON_HEADER, **_VERSION_HEADER},
        "responseTemplates": {"application/json": json.dumps({"message": NOT_FOUND_MESSAGE, "status": 404})},
    },
    "THROTTLED": {
        "statusCode": 429,
        "responseParameters": {**_JSON_HEADER, **_VERSION_HEADER, "gatewayresponse.header.Retry-After": "'1'"},
        "responseTemplates": {"application/json": json.dumps(too_many_requests().body)},
    },
    **{default: {"responseParameters": {**_VERSION_HEADER},
                 "responseTemplates": {"application/json": _API_GATEWAY_DEFAULT_TEMPLATE}}
       for default in ("DEFAULT_4XX", "DEFAULT_5XX")},
}

# The stage's throttling, for all clients together: the coarse outer guard in front of the per-user limits in
# DynamoDB (chalicelib/services/rate_limits.py). A stage in config.json may set its own "api_gateway_throttling".
DEFAULT_STAGE_THROTTLING = {"rate_limit": 100, "burst_limit": 200}

# What the code calls (tests/infra/test_resources_render.py checks the explicit boto3 calls). PynamoDB:
# DescribeTable once per table and container; transactions are authorised per contained Put/Update/Delete.
DYNAMODB_TABLE_ACTIONS = ["dynamodb:DescribeTable", "dynamodb:GetItem", "dynamodb:BatchGetItem",
                          "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem",
                          "dynamodb:BatchWriteItem", "dynamodb:Query", "dynamodb:Scan"]
DYNAMODB_INDEX_ACTIONS = ["dynamodb:Query"]
S3_ACTIONS = ["s3:PutObject", "s3:GetObject"]
S3_BUCKET_ACTIONS = ["s3:ListBucket"]  # list_objects_v2 of a sensor's uploads
SQS_ACTIONS = ["sqs:SendMessage", "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueUrl",
               "sqs:GetQueueAttributes"]
# The delivery worker backs off by changing a received message's visibility.
WEBHOOK_QUEUE_ACTIONS = SQS_ACTIONS + ["sqs:ChangeMessageVisibility"]
SES_ACTIONS = ["ses:SendEmail"]
SECRET_ACTIONS = ["secretsmanager:GetSecretValue"]
LOG_ACTIONS = ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"]

_OVERRIDDEN_SETTINGS = ("FLEXCLOUD_TABLE_PREFIX", "FLEXCLOUD_UPLOADS_BUCKET", "FLEXCLOUD_SCHEDULE_QUEUE",
                        "FLEXCLOUD_SCHEDULE_DLQ", "FLEXCLOUD_WEBHOOK_QUEUE", "FLEXCLOUD_WEBHOOK_DLQ",
                        "FLEXCLOUD_TOKEN_SECRET_ID", "FLEXCLOUD_MAIL_SENDER")


def load_config() -> dict[str, Any]:
    return json.loads(CONFIG.read_text())


def stage_config(stage: str) -> dict[str, Any]:
    stages = load_config()["stages"]
    if stage not in stages:
        raise ValueError(f"Stage {stage!r} is not in {CONFIG}")
    return stages[stage]


def function_setting(stage: str, function: str, key: str, default: int) -> int:
    return stage_config(stage).get("lambda_functions", {}).get(function, {}).get(key, default)


def stage_throttling(stage: str) -> dict[str, int]:
    """Requests per second (steady rate) and burst the API Gateway stage lets through, for every method."""
    return {**DEFAULT_STAGE_THROTTLING, **stage_config(stage).get("api_gateway_throttling", {})}


@contextmanager
def stage_environment(stage: str) -> Iterator[dict[str, str]]:
    """os.environ as the deployed functions of `stage` see it (config.json's variables only)."""
    saved = dict(os.environ)
    try:
        for name in _OVERRIDDEN_SETTINGS:
            os.environ.pop(name, None)
        variables = stage_config(stage).get("environment_variables", {})
        os.environ.update(variables)
        yield variables
    finally:
        os.environ.clear()
        os.environ.update(saved)


class Names:
    """Physical names of one stage's resources; `${AWS::...}` marks what only the account knows."""

    def __init__(self, stage: str):
        from chalicelib import settings
        from chalicelib.store.tables import all_models

        with stage_environment(stage) as variables:
            self.stage = stage
            self.models = sorted(all_models(), key=lambda model: model.Meta.short_name)
            self.tables = {table_logical_id(m): settings.table_name(m.Meta.short_name) for m in self.models}
            self.schedule_queue = settings.schedule_queue_name()
            self.schedule_dlq = settings.schedule_dlq_name()
            self.webhook_queue = settings.webhook_queue_name()
            self.webhook_dlq = settings.webhook_dlq_name()
            # S3 names are global: the account and region make the bucket's name unique.
            self.uploads_bucket = f"{settings.uploads_bucket()}-${{AWS::AccountId}}-${{AWS::Region}}"
            self.token_secret = variables.get("FLEXCLOUD_TOKEN_SECRET_ID", f"flexcloud-{stage}-token-secret")
            self.mail_sender = settings.mail_sender()
        self.function_prefix = f"{load_config()['app_name']}-{stage}"

    def function_name(self, suffix: str) -> str:
        return self.function_prefix + suffix


def table_logical_id(model) -> str:
    return "".join(part.title() for part in re.split(r"[_\-]", model.Meta.short_name)) + "Table"


def _arn(service: str, resource: str, regional: bool = True) -> str:
    where = "${AWS::Region}:${AWS::AccountId}" if regional else ":"
    return f"arn:${{AWS::Partition}}:{service}:{where}:{resource}"


def table_resource(model, table_name: str) -> dict[str, Any]:
    schema = model._get_schema()
    properties: dict[str, Any] = {
        "TableName": table_name,
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": sorted(schema["attribute_definitions"], key=lambda a: a["AttributeName"]),
        "KeySchema": _hash_first(schema["key_schema"]),
        "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
        "SSESpecification": {"SSEEnabled": True},
    }
    indexes = [{"IndexName": index["index_name"], "KeySchema": _hash_first(index["key_schema"]),
                "Projection": index["projection"]} for index in schema["global_secondary_indexes"]]
    if indexes:
        properties["GlobalSecondaryIndexes"] = indexes
    ttl = ttl_attribute(model)
    if ttl:
        properties["TimeToLiveSpecification"] = {"AttributeName": ttl, "Enabled": True}
    return _retained({"Type": "AWS::DynamoDB::Table", "Properties": properties})


def _hash_first(key_schema: list[dict[str, str]]) -> list[dict[str, str]]:
    """DynamoDB wants the partition key first; PynamoDB lists keys in attribute order."""
    return sorted(({"AttributeName": k["AttributeName"], "KeyType": k["KeyType"]} for k in key_schema),
                  key=lambda k: k["KeyType"] != "HASH")


def ttl_attribute(model) -> str | None:
    """A TTLAttribute, or by convention a numeric `expires_at` (epoch seconds)."""
    from pynamodb.attributes import NumberAttribute, TTLAttribute

    for name, attribute in model.get_attributes().items():
        if isinstance(attribute, TTLAttribute) or (
                attribute.attr_name == TTL_ATTRIBUTE_NAME and isinstance(attribute, NumberAttribute)):
            return attribute.attr_name
    return None


def _retained(resource: dict[str, Any]) -> dict[str, Any]:
    """Data outlives its stack: deleting or replacing the stack never deletes tables or uploads."""
    return {"Type": resource["Type"], "DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain",
            "Properties": resource["Properties"]}


def data_resources(names: Names) -> dict[str, Any]:
    from chalicelib.store.tables import (MAX_RECEIVES_BEFORE_DLQ, SCHEDULE_VISIBILITY_TIMEOUT, WEBHOOK_MAX_RECEIVES,
                                         WEBHOOK_VISIBILITY_TIMEOUT)

    solver_timeout = function_setting(names.stage, "solve_schedule", "lambda_timeout", 60)
    if SCHEDULE_VISIBILITY_TIMEOUT < VISIBILITY_FACTOR * solver_timeout:
        raise ValueError(f"SCHEDULE_VISIBILITY_TIMEOUT must be >= {VISIBILITY_FACTOR}x the solver's "
                         f"timeout ({solver_timeout} s)")
    dead_letter_timeout = function_setting(names.stage, "fail_dead_letter", "lambda_timeout", 60)
    delivery_timeout = function_setting(names.stage, "deliver_webhook", "lambda_timeout", 60)
    if WEBHOOK_VISIBILITY_TIMEOUT < VISIBILITY_FACTOR * delivery_timeout:
        raise ValueError(f"WEBHOOK_VISIBILITY_TIMEOUT must be >= {VISIBILITY_FACTOR}x the delivery function's "
                         f"timeout ({delivery_timeout} s)")
    webhook_dead_letter_timeout = function_setting(names.stage, "record_webhook_dead_letter", "lambda_timeout", 60)
    resources = {logical_id: table_resource(model, names.tables[logical_id])
                 for logical_id, model in ((table_logical_id(m), m) for m in names.models)}
    resources[UPLOADS_BUCKET] = _retained({"Type": "AWS::S3::Bucket", "Properties": {
        "BucketName": {"Fn::Sub": names.uploads_bucket},
        "BucketEncryption": {"ServerSideEncryptionConfiguration": [
            {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}, "BucketKeyEnabled": True}]},
        "PublicAccessBlockConfiguration": {"BlockPublicAcls": True, "BlockPublicPolicy": True,
                                           "IgnorePublicAcls": True, "RestrictPublicBuckets": True},
        "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
    }})
    resources.update(_queue_with_dead_letters(
        SCHEDULE_QUEUE, names.schedule_queue, SCHEDULE_VISIBILITY_TIMEOUT, MAX_RECEIVES_BEFORE_DLQ,
        SCHEDULE_DLQ, names.schedule_dlq, VISIBILITY_FACTOR * dead_letter_timeout))
    resources.update(_queue_with_dead_letters(
        WEBHOOK_QUEUE, names.webhook_queue, WEBHOOK_VISIBILITY_TIMEOUT, WEBHOOK_MAX_RECEIVES,
        WEBHOOK_DLQ, names.webhook_dlq, VISIBILITY_FACTOR * webhook_dead_letter_timeout))
    resources[TOKEN_SECRET] = {"Type": "AWS::SecretsManager::Secret", "Properties": {
        "Name": names.token_secret,
        "Description": "Signs flexcloud auth tokens; generated on deploy, never stored in the repo.",
        "GenerateSecretString": {"PasswordLength": 64, "ExcludePunctuation": True},
    }}
    return resources


def _queue_with_dead_letters(queue_id: str, queue_name: str, visibility: int, max_receives: int,
                             dlq_id: str, dlq_name: str, dlq_visibility: int) -> dict[str, Any]:
    """A queue whose messages go to its dead-letter queue (kept 14 days) after `max_receives` receives."""
    return {
        dlq_id: {"Type": "AWS::SQS::Queue", "Properties": {
            "QueueName": dlq_name, "MessageRetentionPeriod": DLQ_RETENTION_SECONDS,
            "VisibilityTimeout": dlq_visibility, "SqsManagedSseEnabled": True}},
        queue_id: {"Type": "AWS::SQS::Queue", "Properties": {
            "QueueName": queue_name, "VisibilityTimeout": visibility,
            "RedrivePolicy": {"deadLetterTargetArn": {"Fn::GetAtt": [dlq_id, "Arn"]}, "maxReceiveCount": max_receives},
            "SqsManagedSseEnabled": True}},
    }


def policy_document(names: Names) -> dict[str, Any]:
    """The functions' policy with `${AWS::...}` placeholders (wrap in Fn::Sub, or substitute)."""
    tables = [_arn("dynamodb", f"table/{name}") for name in names.tables.values()]
    indexed = [_arn("dynamodb", f"table/{names.tables[table_logical_id(m)]}/index/*")
               for m in names.models if m._get_schema()["global_secondary_indexes"]]
    queues = [_arn("sqs", name) for name in (names.schedule_queue, names.schedule_dlq)]
    webhook_queues = [_arn("sqs", name) for name in (names.webhook_queue, names.webhook_dlq)]
    sender_domain = names.mail_sender.rsplit("@", 1)[-1]
    identities = [_arn("ses", f"identity/{identity}") for identity in (names.mail_sender, sender_domain)]
    log_groups = [_arn("logs", f"log-group:/aws/lambda/{names.function_name(suffix)}:*")
                  for _, _, suffix in FUNCTIONS]
    statements = [
        ("Tables", DYNAMODB_TABLE_ACTIONS, tables),
        ("TableIndexes", DYNAMODB_INDEX_ACTIONS, indexed),
        ("Uploads", S3_ACTIONS, [_arn("s3", f"{names.uploads_bucket}/*", regional=False)]),
        ("UploadsListing", S3_BUCKET_ACTIONS, [_arn("s3", names.uploads_bucket, regional=False)]),
        ("ScheduleQueues", SQS_ACTIONS, queues),
        ("WebhookQueues", WEBHOOK_QUEUE_ACTIONS, webhook_queues),
        ("Mail", SES_ACTIONS, identities),
        # Secrets Manager appends 6 random characters to a secret's ARN.
        ("TokenSecret", SECRET_ACTIONS, [_arn("secretsmanager", f"secret:{names.token_secret}-??????")]),
        ("Logs", LOG_ACTIONS, log_groups),
    ]
    return {"Version": "2012-10-17", "Statement": [
        {"Sid": sid, "Effect": "Allow", "Action": actions, "Resource": resources}
        for sid, actions, resources in statements if resources]}


def _map_strings(value: Any, change) -> Any:
    if isinstance(value, dict):
        return {key: _map_strings(item, change) for key, item in value.items()}
    if isinstance(value, list):
        return [_map_strings(item, change) for item in value]
    return change(value) if isinstance(value, str) else value


def as_cloudformation(value: Any) -> Any:
    """Wrap every string holding a `${...}` placeholder in Fn::Sub."""
    return _map_strings(value, lambda text: {"Fn::Sub": text} if "${" in text else text)


def substitute(value: Any, pseudo: dict[str, str]) -> Any:
    """Replace `${AWS::Region}` etc. with concrete values (for chalice deploy's policy and config)."""
    return _map_strings(value, lambda text: re.sub(r"\$\{(AWS::\w+)\}", lambda m: pseudo[m.group(1)], text))


def function_overrides(names: Names) -> dict[str, Any]:
    """Chalice's functions and roles, completed: names, env, queue wiring, solver sizing, policy."""
    policy = as_cloudformation(policy_document(names))
    environment = {"FLEXCLOUD_UPLOADS_BUCKET": {"Ref": UPLOADS_BUCKET},
                   "FLEXCLOUD_TOKEN_SECRET_ID": {"Ref": TOKEN_SECRET}}
    resources: dict[str, Any] = {}
    for function, role, suffix in FUNCTIONS:
        resources[function] = {"Properties": {"FunctionName": names.function_name(suffix),
                                              "Environment": {"Variables": environment},
                                              "AutoPublishAlias": ALIAS,
                                              "SnapStart": {"ApplyOn": "PublishedVersions"}}}
        resources[role] = {"Properties": {"Policies": [{"PolicyName": "flexcloud-access",
                                                        "PolicyDocument": policy}]}}
    for (function, _, _), queue in ((SOLVER_FUNCTION, SCHEDULE_QUEUE), (DEAD_LETTER_FUNCTION, SCHEDULE_DLQ),
                                    (WEBHOOK_FUNCTION, WEBHOOK_QUEUE),
                                    (WEBHOOK_DEAD_LETTER_FUNCTION, WEBHOOK_DLQ)):
        # Fn::Sub, like Chalice's literal queue ARN, so the deep merge replaces it (and CloudFormation
        # creates the queue before the event source).
        resources[function]["Properties"]["Events"] = {f"{function}SqsEventSource": {
            "Properties": {"Queue": {"Fn::Sub": f"${{{queue}.Arn}}"}}}}
    solver = resources[SOLVER_FUNCTION[0]]["Properties"]
    solver["Timeout"] = function_setting(names.stage, "solve_schedule", "lambda_timeout", 60)
    solver["MemorySize"] = function_setting(names.stage, "solve_schedule", "lambda_memory_size", 128)
    delivery = resources[WEBHOOK_FUNCTION[0]]["Properties"]
    delivery["Timeout"] = function_setting(names.stage, "deliver_webhook", "lambda_timeout", 60)
    delivery["MemorySize"] = function_setting(names.stage, "deliver_webhook", "lambda_memory_size", 128)
    throttling = stage_throttling(names.stage)
    resources["RestAPI"] = {"Properties": {
        "DefinitionBody": {"x-amazon-apigateway-gateway-responses": GATEWAY_RESPONSES,
                           "paths": api_alias_integrations()},
        "MethodSettings": [{"ResourcePath": "/*", "HttpMethod": "*",
                            "ThrottlingRateLimit": throttling["rate_limit"],
                            "ThrottlingBurstLimit": throttling["burst_limit"]}]}}
    resources["APIHandlerInvokePermission"] = {"Properties": {"FunctionName": {"Ref": "APIHandler.Alias"}}}
    return resources


def api_alias_integrations() -> dict[str, Any]:
    """Every Lambda integration of Chalice's REST API, pointed at the API function's alias (merged into the
    paths Chalice writes; CORS preflights are mock integrations and keep theirs)."""
    from app import app

    return {path: {method.lower(): {"x-amazon-apigateway-integration": {"uri": {"Fn::Sub": API_ALIAS_URI}}}
                   for method in sorted(methods)}
            for path, methods in sorted(app.routes.items())}


def merge_template(stage: str = "dev") -> dict[str, Any]:
    names = Names(stage)
    return {"Resources": {**data_resources(names), **function_overrides(names)}}


def base_stack(stage: str = "dev") -> dict[str, Any]:
    names = Names(stage)
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": f"flexcloud {stage}: tables, uploads bucket, schedule queues and token secret "
                       "(create before `chalice deploy`).",
        "Resources": data_resources(names),
        "Outputs": {"UploadsBucketName": {"Value": {"Ref": UPLOADS_BUCKET}},
                    "TokenSecretArn": {"Value": {"Ref": TOKEN_SECRET}}},
    }


def deploy_settings(stage: str, pseudo: dict[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """For `chalice deploy`: the concrete policy and the environment variables config.json lacks."""
    names = Names(stage)
    return (substitute(policy_document(names), pseudo),
            {"FLEXCLOUD_UPLOADS_BUCKET": substitute(names.uploads_bucket, pseudo)})
