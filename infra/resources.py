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

from chalicelib.api.hardening import GATEWAY_CSP, security_headers
from chalicelib.api.versions import FLEXMEASURES_VERSION
from chalicelib.errors import NOT_FOUND_MESSAGE, too_many_requests

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / ".chalice" / "config.json"

# Chalice's logical ids and function-name suffixes (Chalice derives them from the handler names).
API_FUNCTION = ("APIHandler", "ApiHandlerRole", "")
SOLVER_FUNCTION = ("SolveSchedule", "SolveScheduleRole", "-solve_schedule")
DEAD_LETTER_FUNCTION = ("FailDeadLetter", "FailDeadLetterRole", "-fail_dead_letter")
FORECASTER_FUNCTION = ("ForecastSensor", "ForecastSensorRole", "-forecast_sensor")
FORECAST_DEAD_LETTER_FUNCTION = ("FailForecastDeadLetter", "FailForecastDeadLetterRole",
                                 "-fail_forecast_dead_letter")
WEBHOOK_FUNCTION = ("DeliverWebhook", "DeliverWebhookRole", "-deliver_webhook")
WEBHOOK_DEAD_LETTER_FUNCTION = ("RecordWebhookDeadLetter", "RecordWebhookDeadLetterRole",
                                "-record_webhook_dead_letter")
FUNCTIONS = [API_FUNCTION, SOLVER_FUNCTION, DEAD_LETTER_FUNCTION, FORECASTER_FUNCTION, FORECAST_DEAD_LETTER_FUNCTION,
             WEBHOOK_FUNCTION, WEBHOOK_DEAD_LETTER_FUNCTION]

SCHEDULE_QUEUE = "ScheduleQueue"
SCHEDULE_DLQ = "ScheduleDeadLetterQueue"
FORECAST_QUEUE = "ForecastQueue"
FORECAST_DLQ = "ForecastDeadLetterQueue"
WEBHOOK_QUEUE = "WebhookQueue"
WEBHOOK_DLQ = "WebhookDeadLetterQueue"
# Each queue's consumer: (function, its config.json name, the queue's logical id, its dead-letter queue's).
QUEUE_CONSUMERS = [(SOLVER_FUNCTION, "solve_schedule", SCHEDULE_QUEUE, SCHEDULE_DLQ),
                   (DEAD_LETTER_FUNCTION, "fail_dead_letter", SCHEDULE_DLQ, None),
                   (FORECASTER_FUNCTION, "forecast_sensor", FORECAST_QUEUE, FORECAST_DLQ),
                   (FORECAST_DEAD_LETTER_FUNCTION, "fail_forecast_dead_letter", FORECAST_DLQ, None),
                   (WEBHOOK_FUNCTION, "deliver_webhook", WEBHOOK_QUEUE, WEBHOOK_DLQ),
                   (WEBHOOK_DEAD_LETTER_FUNCTION, "record_webhook_dead_letter", WEBHOOK_DLQ, None)]
UPLOADS_BUCKET = "UploadsBucket"
AUTOMATION_GROUP = "AutomationScheduleGroup"
AUTOMATION_ROLE = "AutomationSchedulerRole"
TOKEN_SECRET = "TokenSecret"
TTL_ATTRIBUTE_NAME = "expires_at"
# AWS recommends a queue's visibility timeout >= 6x its Lambda consumer's timeout (the dead-letter queue has it);
# the schedule queue keeps the required minimum of 1x instead and a heartbeat extends it (workers/heartbeat.py).
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
# The app's hardening headers (chalicelib/api/hardening.py) on API Gateway's own answers too, with HSTS: the gateway
# only ever answers over HTTPS. A static value is written in single quotes, so the policy is the quote-free
# `sandbox` (no scripts, a unique origin): these bodies are API Gateway's short JSON texts.
_SECURITY_HEADERS = {f"gatewayresponse.header.{name}": f"'{value}'" for name, value in
                     {**security_headers(https=True), "Content-Security-Policy": GATEWAY_CSP}.items()}
_API_GATEWAY_DEFAULT_TEMPLATE = '{"message":$context.error.messageString}'  # its body, kept as it is
GATEWAY_RESPONSES = {
    "MISSING_AUTHENTICATION_TOKEN": {
        "statusCode": 404,
        "responseParameters": {**_JSON_HEADER, **_VERSION_HEADER, **_SECURITY_HEADERS},
        "responseTemplates": {"application/json": json.dumps({"message": NOT_FOUND_MESSAGE, "status": 404})},
    },
    "THROTTLED": {
        "statusCode": 429,
        "responseParameters": {**_JSON_HEADER, **_VERSION_HEADER, **_SECURITY_HEADERS,
                               "gatewayresponse.header.Retry-After": "'1'"},
        "responseTemplates": {"application/json": json.dumps(too_many_requests().body)},
    },
    **{default: {"responseParameters": {**_VERSION_HEADER, **_SECURITY_HEADERS},
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
               "sqs:GetQueueAttributes", "sqs:ChangeMessageVisibility"]
SES_ACTIONS = ["ses:SendEmail"]
SCHEDULER_ACTIONS = ["scheduler:CreateSchedule", "scheduler:UpdateSchedule", "scheduler:DeleteSchedule",
                     "scheduler:GetSchedule"]
SECRET_ACTIONS = ["secretsmanager:GetSecretValue"]
LOG_ACTIONS = ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"]

_OVERRIDDEN_SETTINGS = ("FLEXCLOUD_TABLE_PREFIX", "FLEXCLOUD_UPLOADS_BUCKET", "FLEXCLOUD_SCHEDULE_QUEUE",
                        "FLEXCLOUD_SCHEDULE_DLQ", "FLEXCLOUD_FORECAST_QUEUE", "FLEXCLOUD_FORECAST_DLQ",
                        "FLEXCLOUD_WEBHOOK_QUEUE", "FLEXCLOUD_WEBHOOK_DLQ",
                        "FLEXCLOUD_TOKEN_SECRET_ID", "FLEXCLOUD_MAIL_SENDER", "FLEXCLOUD_AUTOMATION_GROUP",
                        "FLEXCLOUD_AUTOMATION_ROLE_ARN")


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
            self.queues = {SCHEDULE_QUEUE: settings.schedule_queue_name(), SCHEDULE_DLQ: settings.schedule_dlq_name(),
                           FORECAST_QUEUE: settings.forecast_queue_name(), FORECAST_DLQ: settings.forecast_dlq_name(),
                           WEBHOOK_QUEUE: settings.webhook_queue_name(), WEBHOOK_DLQ: settings.webhook_dlq_name()}
            # S3 names are global: the account and region make the bucket's name unique.
            self.uploads_bucket = f"{settings.uploads_bucket()}-${{AWS::AccountId}}-${{AWS::Region}}"
            self.token_secret = variables.get("FLEXCLOUD_TOKEN_SECRET_ID", f"flexcloud-{stage}-token-secret")
            self.mail_sender = settings.mail_sender()
            self.automation_group = settings.automation_schedule_group()
            self.automation_role = f"flexcloud-{stage}-automation-scheduler"
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
    from chalicelib.store.tables import (FORECAST_VISIBILITY_TIMEOUT, SCHEDULE_VISIBILITY_TIMEOUT,
                                         WEBHOOK_VISIBILITY_TIMEOUT)

    visibility = {SCHEDULE_QUEUE: SCHEDULE_VISIBILITY_TIMEOUT, FORECAST_QUEUE: FORECAST_VISIBILITY_TIMEOUT,
                  WEBHOOK_QUEUE: WEBHOOK_VISIBILITY_TIMEOUT}
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
    for (_, _, _), function, queue, dead_letters in QUEUE_CONSUMERS:
        resources[queue] = _queue(names, function, queue, dead_letters, visibility.get(queue))
    resources[AUTOMATION_GROUP] = {"Type": "AWS::Scheduler::ScheduleGroup",
                                   "Properties": {"Name": names.automation_group}}
    resources[AUTOMATION_ROLE] = _scheduler_role(names)
    resources[TOKEN_SECRET] = {"Type": "AWS::SecretsManager::Secret", "Properties": {
        "Name": names.token_secret,
        "Description": "Signs flexcloud auth tokens; generated on deploy, never stored in the repo.",
        "GenerateSecretString": {"PasswordLength": 64, "ExcludePunctuation": True},
    }}
    return resources


def _scheduler_role(names: Names) -> dict[str, Any]:
    """What EventBridge Scheduler assumes to deliver an automation's message: send to the job queues, nothing else,
    and only for schedules of this account."""
    job_queues = [{"Fn::GetAtt": [queue, "Arn"]} for queue in (SCHEDULE_QUEUE, FORECAST_QUEUE)]
    return {"Type": "AWS::IAM::Role", "Properties": {
        "RoleName": names.automation_role,
        "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Service": "scheduler.amazonaws.com"}, "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}}}]},
        "Policies": [{"PolicyName": "send-automation-runs", "PolicyDocument": {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["sqs:SendMessage"], "Resource": job_queues}]}}],
    }}


def automation_role_arn(names: Names) -> str:
    return f"arn:${{AWS::Partition}}:iam::${{AWS::AccountId}}:role/{names.automation_role}"


def _queue(names: Names, consumer: str, queue: str, dead_letters: str | None, visibility: int | None) -> dict:
    """A job queue redriving to `dead_letters` after its retries, or (None) a dead-letter queue."""
    from chalicelib.store.tables import MAX_RECEIVES_BEFORE_DLQ, WEBHOOK_MAX_RECEIVES

    timeout = function_setting(names.stage, consumer, "lambda_timeout", 60)
    # A job queue's worker extends the visibility while it works (heartbeat), so the timeout only needs to cover
    # one invocation, as SQS requires of a Lambda event source; a dead-letter queue keeps AWS's 6x advice.
    if visibility is not None and visibility < timeout:
        raise ValueError(f"{queue}'s visibility timeout must be >= {consumer}'s timeout ({timeout} s), as SQS "
                         "requires of a Lambda event source")
    properties: dict[str, Any] = {"QueueName": names.queues[queue], "SqsManagedSseEnabled": True}
    if dead_letters is None:
        properties.update(MessageRetentionPeriod=DLQ_RETENTION_SECONDS, VisibilityTimeout=VISIBILITY_FACTOR * timeout)
    else:
        receives = WEBHOOK_MAX_RECEIVES if queue == WEBHOOK_QUEUE else MAX_RECEIVES_BEFORE_DLQ
        properties.update(VisibilityTimeout=visibility, RedrivePolicy={
            "deadLetterTargetArn": {"Fn::GetAtt": [dead_letters, "Arn"]}, "maxReceiveCount": receives})
    return {"Type": "AWS::SQS::Queue", "Properties": dict(sorted(properties.items()))}


def policy_document(names: Names) -> dict[str, Any]:
    """The functions' policy with `${AWS::...}` placeholders (wrap in Fn::Sub, or substitute)."""
    tables = [_arn("dynamodb", f"table/{name}") for name in names.tables.values()]
    indexed = [_arn("dynamodb", f"table/{names.tables[table_logical_id(m)]}/index/*")
               for m in names.models if m._get_schema()["global_secondary_indexes"]]
    queues = [_arn("sqs", name) for name in names.queues.values()]
    sender_domain = names.mail_sender.rsplit("@", 1)[-1]
    identities = [_arn("ses", f"identity/{identity}") for identity in (names.mail_sender, sender_domain)]
    log_groups = [_arn("logs", f"log-group:/aws/lambda/{names.function_name(suffix)}:*")
                  for _, _, suffix in FUNCTIONS]
    statements = [
        ("Tables", DYNAMODB_TABLE_ACTIONS, tables),
        ("TableIndexes", DYNAMODB_INDEX_ACTIONS, indexed),
        ("Uploads", S3_ACTIONS, [_arn("s3", f"{names.uploads_bucket}/*", regional=False)]),
        ("UploadsListing", S3_BUCKET_ACTIONS, [_arn("s3", names.uploads_bucket, regional=False)]),
        ("JobQueues", SQS_ACTIONS, queues),
        ("Mail", SES_ACTIONS, identities),
        ("AutomationSchedules", SCHEDULER_ACTIONS,
         [_arn("scheduler", f"schedule/{names.automation_group}/*")]),
        # Secrets Manager appends 6 random characters to a secret's ARN.
        ("TokenSecret", SECRET_ACTIONS, [_arn("secretsmanager", f"secret:{names.token_secret}-??????")]),
        ("Logs", LOG_ACTIONS, log_groups),
    ]
    pass_role = {"Sid": "PassAutomationSchedulerRole", "Effect": "Allow", "Action": ["iam:PassRole"],
                 "Resource": [automation_role_arn(names)],
                 "Condition": {"StringEquals": {"iam:PassedToService": "scheduler.amazonaws.com"}}}
    return {"Version": "2012-10-17", "Statement": [
        {"Sid": sid, "Effect": "Allow", "Action": actions, "Resource": resources}
        for sid, actions, resources in statements if resources] + [pass_role]}


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
                   "FLEXCLOUD_TOKEN_SECRET_ID": {"Ref": TOKEN_SECRET},
                   "FLEXCLOUD_AUTOMATION_ROLE_ARN": {"Fn::GetAtt": [AUTOMATION_ROLE, "Arn"]}}
    resources: dict[str, Any] = {}
    for function, role, suffix in FUNCTIONS:
        resources[function] = {"Properties": {"FunctionName": names.function_name(suffix),
                                              "Environment": {"Variables": environment},
                                              "AutoPublishAlias": ALIAS,
                                              "SnapStart": {"ApplyOn": "PublishedVersions"}}}
        resources[role] = {"Properties": {"Policies": [{"PolicyName": "flexcloud-access",
                                                        "PolicyDocument": policy}]}}
    for (function, _, _), _, queue, _ in QUEUE_CONSUMERS:
        # Fn::Sub, like Chalice's literal queue ARN, so the deep merge replaces it (and CloudFormation
        # creates the queue before the event source).
        resources[function]["Properties"]["Events"] = {f"{function}SqsEventSource": {
            "Properties": {"Queue": {"Fn::Sub": f"${{{queue}.Arn}}"}}}}
    for (function, _, _), name in ((SOLVER_FUNCTION, "solve_schedule"), (FORECASTER_FUNCTION, "forecast_sensor"),
                                   (WEBHOOK_FUNCTION, "deliver_webhook")):
        worker = resources[function]["Properties"]
        worker["Timeout"] = function_setting(names.stage, name, "lambda_timeout", 60)
        worker["MemorySize"] = function_setting(names.stage, name, "lambda_memory_size", 128)
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
        "Description": f"flexcloud {stage}: tables, uploads bucket, job queues and token secret "
                       "(create before `chalice deploy`).",
        "Resources": data_resources(names),
        "Outputs": {"UploadsBucketName": {"Value": {"Ref": UPLOADS_BUCKET}},
                    "TokenSecretArn": {"Value": {"Ref": TOKEN_SECRET}}},
    }


def deploy_settings(stage: str, pseudo: dict[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """For `chalice deploy`: the concrete policy and the environment variables config.json lacks."""
    names = Names(stage)
    return (substitute(policy_document(names), pseudo),
            {"FLEXCLOUD_UPLOADS_BUCKET": substitute(names.uploads_bucket, pseudo),
             "FLEXCLOUD_AUTOMATION_ROLE_ARN": substitute(automation_role_arn(names), pseudo)})
