"""The committed CloudFormation matches the PynamoDB models and config, and says what the issue asks."""
from __future__ import annotations

import json
import os
import re

import pytest
import yaml
from pynamodb.attributes import NumberAttribute, UnicodeAttribute

from chalicelib import settings
from chalicelib.store import models, tables
from infra import render_resources, resources

ROOT = resources.ROOT


def _keys(key_schema: list[dict]) -> list[tuple[str, str]]:
    return sorted((key["AttributeName"], key["KeyType"]) for key in key_schema)


def _load(name: str) -> dict:
    return yaml.safe_load((ROOT / "infra" / name).read_text())


def test_committed_templates_are_up_to_date():
    assert render_resources.main(["--check"]) == 0, "run `python -m infra.render_resources` and commit"


def test_a_new_model_makes_the_committed_templates_stale(capsys, monkeypatch):
    class Probe(models.BaseModel):
        Meta = models.table_meta("probe_results")
        job_id = UnicodeAttribute(hash_key=True)
        sensor_id = NumberAttribute(range_key=True)

    monkeypatch.setattr(models, "ALL_MODELS", [*models.ALL_MODELS, Probe])
    assert render_resources.main(["--check"]) == 1
    assert "resources.yaml is out of date" in capsys.readouterr().err
    template = resources.merge_template()["Resources"]
    assert template["ProbeResultsTable"]["Properties"]["KeySchema"] == [
        {"AttributeName": "job_id", "KeyType": "HASH"}, {"AttributeName": "sensor_id", "KeyType": "RANGE"}]


def test_every_model_has_its_table_with_keys_indexes_billing_and_recovery():
    declared = {r["Properties"]["TableName"]: r for r in _load("resources.yaml")["Resources"].values()
                if r.get("Type") == "AWS::DynamoDB::Table"}
    with resources.stage_environment("dev"):
        expected = {model.Meta.table_name: model for model in tables.all_models()}
    assert set(declared) == set(expected)
    for name, model in expected.items():
        props = declared[name]["Properties"]
        schema = model._get_schema()
        assert props["BillingMode"] == "PAY_PER_REQUEST"
        assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
        assert props["KeySchema"][0]["KeyType"] == "HASH"
        assert _keys(props["KeySchema"]) == _keys(schema["key_schema"])
        indexes = {i["IndexName"]: i for i in props.get("GlobalSecondaryIndexes", [])}
        assert set(indexes) == {i["index_name"] for i in schema["global_secondary_indexes"]}
        for index in schema["global_secondary_indexes"]:
            assert indexes[index["index_name"]]["Projection"] == {"ProjectionType": "ALL"}
            assert _keys(indexes[index["index_name"]]["KeySchema"]) == _keys(index["key_schema"])
        declared_attrs = {a["AttributeName"]: a["AttributeType"] for a in props["AttributeDefinitions"]}
        assert declared_attrs == {a["AttributeName"]: a["AttributeType"] for a in schema["attribute_definitions"]}
        assert declared[name]["DeletionPolicy"] == "Retain"


def test_jobs_table_expires_items_by_ttl():
    jobs = _load("resources.yaml")["Resources"]["JobsTable"]["Properties"]
    assert jobs["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}
    assert "TimeToLiveSpecification" not in _load("resources.yaml")["Resources"]["UsersTable"]["Properties"]


def test_queue_redrives_after_three_receives_and_outlasts_the_solver():
    res = _load("resources.yaml")["Resources"]
    queue = res["ScheduleQueue"]["Properties"]
    solver = res["SolveSchedule"]["Properties"]
    assert queue["QueueName"] == "flexcloud-dev-schedule-jobs"
    assert queue["RedrivePolicy"] == {"deadLetterTargetArn": {"Fn::GetAtt": ["ScheduleDeadLetterQueue", "Arn"]},
                                      "maxReceiveCount": tables.MAX_RECEIVES_BEFORE_DLQ}
    assert tables.MAX_RECEIVES_BEFORE_DLQ == 3
    # Short (a crashed worker's job is retried within ~2 minutes) but at least the solver's timeout, as SQS requires
    # of a Lambda event source; the heartbeat extends it while solving. CBC stops well before the function does.
    assert queue["VisibilityTimeout"] == tables.SCHEDULE_VISIBILITY_TIMEOUT == solver["Timeout"] == 120
    assert settings.solver_time_limit_seconds() == 100 < solver["Timeout"]
    config = resources.stage_config("dev")["lambda_functions"]
    assert (solver["Timeout"], solver["MemorySize"]) == (config["solve_schedule"]["lambda_timeout"],
                                                        config["solve_schedule"]["lambda_memory_size"])
    dlq = res["ScheduleDeadLetterQueue"]["Properties"]
    assert dlq["QueueName"] == "flexcloud-dev-schedule-jobs-dlq"
    assert dlq["VisibilityTimeout"] >= 6 * config["fail_dead_letter"]["lambda_timeout"]


def test_visibility_timeout_shorter_than_the_solver_timeout_is_refused(monkeypatch):
    monkeypatch.setattr(tables, "SCHEDULE_VISIBILITY_TIMEOUT", 119)
    with pytest.raises(ValueError, match="ScheduleQueue's visibility timeout must be >= solve_schedule's timeout"):
        resources.merge_template()


def test_uploads_bucket_is_private_and_encrypted():
    bucket = _load("resources.yaml")["Resources"]["UploadsBucket"]
    props = bucket["Properties"]
    assert props["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True, "BlockPublicPolicy": True, "IgnorePublicAcls": True, "RestrictPublicBuckets": True}
    assert props["BucketEncryption"]["ServerSideEncryptionConfiguration"][0][
        "ServerSideEncryptionByDefault"] == {"SSEAlgorithm": "AES256"}
    assert bucket["DeletionPolicy"] == "Retain"


def test_token_secret_is_generated_not_stored():
    secret = _load("resources.yaml")["Resources"]["TokenSecret"]
    assert secret["Type"] == "AWS::SecretsManager::Secret"
    assert "SecretString" not in secret["Properties"]
    assert secret["Properties"]["GenerateSecretString"]["PasswordLength"] >= 32
    assert secret["Properties"]["Name"] == resources.stage_config("dev")["environment_variables"][
        "FLEXCLOUD_TOKEN_SECRET_ID"]


def test_base_stack_is_the_data_part_of_the_merge_template():
    merged = _load("resources.yaml")["Resources"]
    base = _load("base-stack.yaml")["Resources"]
    assert base == {key: value for key, value in merged.items() if "Type" in value}
    assert {"SolveSchedule", "APIHandler", "RestAPI"} <= set(merged) - set(base)


def test_policy_names_only_declared_resources_and_used_actions():
    names = resources.Names("dev")
    document = resources.policy_document(names)
    pseudo = {"AWS::Partition": "aws", "AWS::Region": "eu-west-1", "AWS::AccountId": "123456789012"}
    prefix = "arn:aws:{}:eu-west-1:123456789012:"
    bucket = resources.substitute(names.uploads_bucket, pseudo)
    allowed = {f"{prefix.format('dynamodb')}table/{t}" for t in names.tables.values()}
    allowed |= {a + "/index/*" for a in allowed}
    allowed |= {prefix.format("sqs") + q for q in names.queues.values()}
    allowed |= {f"arn:aws:s3:::{bucket}/*", f"arn:aws:s3:::{bucket}",
                f"{prefix.format('secretsmanager')}secret:{names.token_secret}-??????",
                f"{prefix.format('ses')}identity/{names.mail_sender}",
                f"{prefix.format('ses')}identity/{names.mail_sender.split('@')[1]}",
                f"{prefix.format('scheduler')}schedule/{names.automation_group}/*",
                f"arn:aws:iam::123456789012:role/{names.automation_role}"}
    allowed |= {f"{prefix.format('logs')}log-group:/aws/lambda/{fn}:*"
                for fn in ("flexcloud-dev", "flexcloud-dev-solve_schedule", "flexcloud-dev-fail_dead_letter",
                           "flexcloud-dev-forecast_sensor", "flexcloud-dev-fail_forecast_dead_letter",
                           "flexcloud-dev-deliver_webhook", "flexcloud-dev-record_webhook_dead_letter")}
    used = set()
    for statement in resources.substitute(document, pseudo)["Statement"]:
        assert statement["Effect"] == "Allow"
        used |= set(statement["Resource"])
        services = {action.split(":")[0] for action in statement["Action"]}
        assert len(services) == 1 and not any(a.endswith("*") for a in statement["Action"])
        if services == {"iam"}:  # the scheduler's role, passed to EventBridge Scheduler only
            assert statement["Action"] == ["iam:PassRole"]
            assert statement["Condition"] == {"StringEquals": {"iam:PassedToService": "scheduler.amazonaws.com"}}
    assert used <= allowed, used - allowed
    indexed = {n for n, m in zip(names.tables.values(), names.models) if m._get_schema()["global_secondary_indexes"]}
    assert {a for a in used if a.endswith("/index/*")} == {
        f"{prefix.format('dynamodb')}table/{t}/index/*" for t in indexed}
    actions = {a for s in document["Statement"] for a in s["Action"]}
    assert {"dynamodb:Query", "dynamodb:PutItem", "s3:PutObject", "s3:GetObject", "sqs:SendMessage",
            "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueUrl", "sqs:GetQueueAttributes",
            "ses:SendEmail", "secretsmanager:GetSecretValue"} <= actions
    assert not {"dynamodb:CreateTable", "dynamodb:DeleteTable", "s3:DeleteBucket", "sqs:CreateQueue"} & actions


def test_webhook_queue_retries_five_times_then_dead_letters():
    merged = _load("resources.yaml")["Resources"]
    queue, dlq = merged["WebhookQueue"]["Properties"], merged["WebhookDeadLetterQueue"]["Properties"]
    assert queue["RedrivePolicy"] == {"deadLetterTargetArn": {"Fn::GetAtt": ["WebhookDeadLetterQueue", "Arn"]},
                                      "maxReceiveCount": tables.WEBHOOK_MAX_RECEIVES} and tables.WEBHOOK_MAX_RECEIVES == 5
    assert queue["VisibilityTimeout"] >= 6 * merged["DeliverWebhook"]["Properties"]["Timeout"]
    assert dlq["MessageRetentionPeriod"] == 14 * 24 * 3600
    for function, source in (("DeliverWebhook", "WebhookQueue"), ("RecordWebhookDeadLetter", "WebhookDeadLetterQueue")):
        events = merged[function]["Properties"]["Events"]
        assert list(events.values()) == [{"Properties": {"Queue": {"Fn::Sub": f"${{{source}.Arn}}"}}}]
    # Its worker backs off by changing a message's visibility (the job workers' heartbeat extends theirs too).
    statements = {s["Sid"]: s for s in resources.policy_document(resources.Names("dev"))["Statement"]}
    assert "sqs:ChangeMessageVisibility" in statements["JobQueues"]["Action"]
    assert any(arn.endswith(":flexcloud-dev-webhook-deliveries") for arn in statements["JobQueues"]["Resource"])


# boto3 operations whose IAM action has another name.
IAM_ACTION_OF = {"s3:ListObjectsV2": "s3:ListBucket"}
# Ops tooling run with the deployer's credentials, never by the functions.
NOT_RUN_BY_LAMBDA = {"chalicelib/store/tables.py", "chalicelib/cli.py"}


def boto3_calls_in_code() -> set[str]:
    """`client("svc").operation(` calls in the code the functions run, as IAM actions."""
    calls = set()
    for path in (ROOT / "chalicelib").rglob("*.py"):
        if str(path.relative_to(ROOT)) in NOT_RUN_BY_LAMBDA:
            continue
        for service, operation in re.findall(r'client\("(\w+)"\)\s*\.\s*(\w+)\(', path.read_text()):
            action = f"{service}:{''.join(part.title() for part in operation.split('_'))}"
            calls.add(IAM_ACTION_OF.get(action, action))
    return calls


def test_policy_allows_every_aws_call_the_code_makes():
    calls = boto3_calls_in_code()
    assert {"s3:PutObject", "sqs:SendMessage", "ses:SendEmail", "secretsmanager:GetSecretValue"} <= calls
    granted = {a for s in resources.policy_document(resources.Names("dev"))["Statement"] for a in s["Action"]}
    assert calls <= granted, f"add to infra/resources.py: {sorted(calls - granted)}"


def test_render_leaves_the_callers_environment_alone(monkeypatch):
    monkeypatch.setenv("FLEXCLOUD_TABLE_PREFIX", "t999")
    names = resources.Names("dev")
    assert names.tables["UsersTable"] == "flexcloud-dev-users"
    assert os.environ["FLEXCLOUD_TABLE_PREFIX"] == "t999"


def test_another_stage_renders_its_own_names_outside_the_committed_files(tmp_path, monkeypatch):
    config = resources.load_config()
    config["stages"]["prod"] = {**config["stages"]["dev"], "environment_variables": {
        **config["stages"]["dev"]["environment_variables"], "FLEXCLOUD_STAGE": "prod",
        "FLEXCLOUD_TOKEN_SECRET_ID": "flexcloud/prod/token-secret"}}
    (tmp_path / "config.json").write_text(json.dumps(config))
    monkeypatch.setattr(resources, "CONFIG", tmp_path / "config.json")
    monkeypatch.setattr(resources, "ROOT", tmp_path)
    paths = render_resources.write("prod")
    assert paths == [tmp_path / "build/infra/prod/resources.yaml", tmp_path / "build/infra/prod/base-stack.yaml"]
    prod = yaml.safe_load(paths[0].read_text())["Resources"]
    assert prod["UsersTable"]["Properties"]["TableName"] == "flexcloud-prod-users"
    assert prod["ScheduleQueue"]["Properties"]["QueueName"] == "flexcloud-prod-schedule-jobs"
    assert prod["APIHandler"]["Properties"]["FunctionName"] == "flexcloud-prod"
    assert prod["TokenSecret"]["Properties"]["Name"] == "flexcloud/prod/token-secret"
    assert not (tmp_path / "infra").exists()


def test_gateway_responses_carry_the_hardening_headers_with_hsts():
    from infra.resources import GATEWAY_RESPONSES

    for response in GATEWAY_RESPONSES.values():
        headers = response["responseParameters"]
        assert headers["gatewayresponse.header.X-Content-Type-Options"] == "'nosniff'"
        assert headers["gatewayresponse.header.Content-Security-Policy"] == "'sandbox'"
        assert headers["gatewayresponse.header.Strict-Transport-Security"] == "'max-age=31536000; includeSubDomains'"
        assert all(value.count("'") == 2 for value in headers.values())  # static values: one quoted string each


def test_the_local_server_never_logs_query_string_tokens():
    from infra.local_stack import without_tokens

    line = '"GET /api/v3_0/sensors?auth_token=eyJ1.aw9.zdc&x=1 HTTP/1.1" 200 -'
    assert without_tokens(line) == '"GET /api/v3_0/sensors?auth_token=<redacted>&x=1 HTTP/1.1" 200 -'
    assert without_tokens("/api?AUTH_TOKEN=abc") == "/api?AUTH_TOKEN=<redacted>"
