"""Both deploy paths, offline: the base stack + `chalice deploy` inputs, and `chalice package --merge-template`."""
from __future__ import annotations

import json
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
import yaml

from chalicelib.api.versions import FLEXMEASURES_VERSION
from chalicelib.errors import NOT_FOUND_MESSAGE
from chalicelib.store import tables
from chalicelib.aws import client
from infra import build_package, resources

ROOT = resources.ROOT
DEPLOYED_ENV = ("FLEXCLOUD_TABLE_PREFIX", "FLEXCLOUD_UPLOADS_BUCKET", "FLEXCLOUD_SCHEDULE_QUEUE",
                "FLEXCLOUD_SCHEDULE_DLQ", "FLEXCLOUD_FORECAST_QUEUE", "FLEXCLOUD_FORECAST_DLQ",
                "FLEXCLOUD_WEBHOOK_QUEUE", "FLEXCLOUD_WEBHOOK_DLQ")


@pytest.fixture
def base_stack(_moto, monkeypatch):
    """infra/base-stack.yaml created by (moto's) CloudFormation; the env as config.json gives it to Lambda."""
    for name in DEPLOYED_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("FLEXCLOUD_STAGE", "dev")
    with warnings.catch_warnings():  # moto's CloudFormation skips the secret (tested in test_token_secret)
        warnings.simplefilter("ignore")
        client("cloudformation").create_stack(StackName="flexcloud-dev-resources",
                                              TemplateBody=(ROOT / "infra" / "base-stack.yaml").read_text())
    stack = client("cloudformation").describe_stacks(StackName="flexcloud-dev-resources")["Stacks"][0]
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    yield {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}
    for name in client("dynamodb").list_tables()["TableNames"]:
        if name.startswith("flexcloud-dev-"):
            client("dynamodb").delete_table(TableName=name)
    client("cloudformation").delete_stack(StackName="flexcloud-dev-resources")


def test_chalice_deploy_path_code_and_policy_fit_the_base_stack(base_stack, monkeypatch, tmp_path):
    pseudo = build_package.account_pseudo_parameters()
    policy, environment = resources.deploy_settings("dev", pseudo)
    monkeypatch.setenv("FLEXCLOUD_UPLOADS_BUCKET", environment["FLEXCLOUD_UPLOADS_BUCKET"])
    assert environment["FLEXCLOUD_UPLOADS_BUCKET"] == base_stack["UploadsBucketName"]
    granted = {arn for statement in policy["Statement"] for arn in statement["Resource"]}

    for model in tables.all_models():
        described = client("dynamodb").describe_table(TableName=model.Meta.table_name)["Table"]
        assert described["TableArn"] in granted
        assert described["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
        schema = model._get_schema()
        assert {(k["AttributeName"], k["KeyType"]) for k in described["KeySchema"]} == \
            {(k["AttributeName"], k["KeyType"]) for k in schema["key_schema"]}
        assert {i["IndexName"] for i in described.get("GlobalSecondaryIndexes", [])} == \
            {i["index_name"] for i in schema["global_secondary_indexes"]}
        if schema["global_secondary_indexes"]:
            assert described["TableArn"] + "/index/*" in granted
    assert tables.create_tables() == []  # the CLI finds every table the stack made

    sqs = client("sqs")
    expected = [(queue, str(visibility), receives) for queue, _, visibility, receives in tables.queue_pairs()]
    expected += [(dead_letters, None, None) for _, dead_letters, _, _ in tables.queue_pairs()]
    for name, timeout, receives in expected:
        attributes = sqs.get_queue_attributes(QueueUrl=sqs.get_queue_url(QueueName=name)["QueueUrl"],
                                              AttributeNames=["All"])["Attributes"]
        assert attributes["QueueArn"] in granted
        if timeout:
            assert attributes["VisibilityTimeout"] == timeout
            assert int(json.loads(attributes["RedrivePolicy"])["maxReceiveCount"]) == receives

    bucket = base_stack["UploadsBucketName"]
    assert f"arn:aws:s3:::{bucket}/*" in granted
    client("s3").head_bucket(Bucket=bucket)  # (moto's CloudFormation ignores its access block and encryption)

    # What `python -m infra.build_package stage` hands `chalice deploy`: this policy and the bucket's name.
    project = build_package.stage_project(tmp_path / "lambda", pseudo=pseudo, with_dependencies=False)
    assert json.loads((project / ".chalice" / "policy-dev.json").read_text()) == policy
    staged = json.loads((project / ".chalice" / "config.json").read_text())
    assert staged["autogen_policy"] is False and staged["stages"]["dev"]["iam_policy_file"] == "policy-dev.json"
    assert staged["stages"]["dev"]["environment_variables"]["FLEXCLOUD_UPLOADS_BUCKET"] == bucket
    assert (project / ".chalice" / "deployed").resolve() == (ROOT / ".chalice" / "deployed").resolve()
    assert not [line for line in (project / "requirements.txt").read_text().splitlines()
                if line and not line.startswith("#")]
    assert (project / "chalicelib" / "__pycache__").is_dir() and (project / "app.py").exists()

    # The deployed code works against these resources: an account, a queued job, an upload.
    from chalicelib.store import accounts, queue

    account = accounts.create("Deployed")
    assert accounts.get(account.id).name == "Deployed"
    queue.reset_cache()
    queue.send_job("job-1")
    client("s3").put_object(Bucket=tables.settings.uploads_bucket(), Key="probe", Body=b"x")
    queue.reset_cache()


@pytest.fixture(scope="module")
def merged_template(tmp_path_factory):
    """What `chalice package --merge-template infra/resources.yaml` generates (app-only zip: fast)."""
    project = build_package.stage_project(tmp_path_factory.mktemp("project"), with_dependencies=False)
    out = tmp_path_factory.mktemp("package") / "out"
    build_package.chalice_package(project, out, "dev")
    return out / "sam.yaml"


def test_merged_template_passes_cfn_lint(merged_template):
    result = subprocess.run([str(Path(sys.executable).parent / "cfn-lint"), "--regions", "eu-west-1", "--", str(merged_template)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr


def test_merged_template_wires_functions_to_the_declared_resources(merged_template):
    template = yaml.safe_load(merged_template.read_text())["Resources"]
    functions = {k: v["Properties"] for k, v in template.items() if v["Type"] == "AWS::Serverless::Function"}
    assert set(functions) == {"APIHandler", "SolveSchedule", "FailDeadLetter", "ForecastSensor",
                              "FailForecastDeadLetter", "DeliverWebhook", "RecordWebhookDeadLetter"}
    for props in functions.values():
        env = props["Environment"]["Variables"]
        assert env["FLEXCLOUD_STAGE"] == "dev"
        assert env["FLEXCLOUD_UPLOADS_BUCKET"] == {"Ref": "UploadsBucket"}
        assert env["FLEXCLOUD_TOKEN_SECRET_ID"] == {"Ref": "TokenSecret"}
        assert props["Runtime"] == "python3.13"
        role = template[props["Role"]["Fn::GetAtt"][0]]["Properties"]
        assert [p["PolicyName"] for p in role["Policies"]] == ["flexcloud-access"]
        resources_named = [r for s in role["Policies"][0]["PolicyDocument"]["Statement"] for r in s["Resource"]]
        assert all(set(r) == {"Fn::Sub"} and not r["Fn::Sub"].endswith(":*:*") for r in resources_named)
    assert functions["SolveSchedule"]["Events"]["SolveScheduleSqsEventSource"]["Properties"]["Queue"] == \
        {"Fn::Sub": "${ScheduleQueue.Arn}"}
    assert functions["FailDeadLetter"]["Events"]["FailDeadLetterSqsEventSource"]["Properties"]["Queue"] == \
        {"Fn::Sub": "${ScheduleDeadLetterQueue.Arn}"}
    assert functions["ForecastSensor"]["Events"]["ForecastSensorSqsEventSource"]["Properties"]["Queue"] == \
        {"Fn::Sub": "${ForecastQueue.Arn}"}
    assert functions["FailForecastDeadLetter"]["Events"]["FailForecastDeadLetterSqsEventSource"]["Properties"][
        "Queue"] == {"Fn::Sub": "${ForecastDeadLetterQueue.Arn}"}
    for queue, function in (("ScheduleQueue", "SolveSchedule"), ("ScheduleDeadLetterQueue", "FailDeadLetter"),
                            ("ForecastQueue", "ForecastSensor"), ("ForecastDeadLetterQueue", "FailForecastDeadLetter"),
                            ("WebhookQueue", "DeliverWebhook"), ("WebhookDeadLetterQueue", "RecordWebhookDeadLetter")):
        # Job queues: at least one invocation (the worker's heartbeat extends it); dead-letter queues: 6x.
        factor = 6 if "DeadLetter" in queue or "Webhook" in queue else 1
        assert template[queue]["Properties"]["VisibilityTimeout"] >= factor * functions[function]["Timeout"]
    for queue, dead_letters in (("ScheduleQueue", "ScheduleDeadLetterQueue"), ("ForecastQueue", "ForecastDeadLetterQueue")):
        assert template[queue]["Properties"]["RedrivePolicy"]["deadLetterTargetArn"] == {
            "Fn::GetAtt": [dead_letters, "Arn"]}
    for function, queue in (("DeliverWebhook", "WebhookQueue"), ("RecordWebhookDeadLetter", "WebhookDeadLetterQueue")):
        assert functions[function]["Events"][f"{function}SqsEventSource"]["Properties"]["Queue"] == \
            {"Fn::Sub": f"${{{queue}.Arn}}"}
        assert functions[function]["Events"][f"{function}SqsEventSource"]["Properties"]["BatchSize"] == 1
    assert functions["SolveSchedule"]["MemorySize"] >= 1024
    assert functions["ForecastSensor"]["MemorySize"] >= 1024


def test_unknown_paths_answer_flexmeasures_404(merged_template):
    swagger = yaml.safe_load(merged_template.read_text())["Resources"]["RestAPI"]["Properties"]["DefinitionBody"]
    assert "/v3_0/assets" in swagger["paths"]  # Chalice's routes survived the merge
    responses = swagger["x-amazon-apigateway-gateway-responses"]
    response = responses["MISSING_AUTHENTICATION_TOKEN"]
    assert response["statusCode"] == 404
    assert json.loads(response["responseTemplates"]["application/json"]) == {
        "message": NOT_FOUND_MESSAGE, "status": 404}
    for response in responses.values():  # FlexMeasures says its version on every /api answer
        assert response["responseParameters"]["gatewayresponse.header.FlexMeasures-Version"] == \
            f"'{FLEXMEASURES_VERSION}'"


def test_stage_throttling_answers_flexmeasures_429(merged_template, monkeypatch):
    """The coarse outer guard: the API Gateway stage's throttling for every method, and FlexMeasures' 429 body."""
    template = yaml.safe_load(merged_template.read_text())["Resources"]
    throttled = template["RestAPI"]["Properties"]["DefinitionBody"]["x-amazon-apigateway-gateway-responses"][
        "THROTTLED"]
    assert throttled["statusCode"] == 429
    assert json.loads(throttled["responseTemplates"]["application/json"]) == {
        "result": "Rejected", "status": "TOO_MANY_REQUESTS", "message": "You hit a rate limit."}
    assert throttled["responseParameters"]["gatewayresponse.header.Retry-After"] == "'1'"
    stage = next(r for r in _translated(merged_template, monkeypatch).values() if r["Type"] == "AWS::ApiGateway::Stage")
    assert stage["Properties"]["StageName"] == "api"
    assert stage["Properties"]["MethodSettings"] == [{
        "ResourcePath": "/*", "HttpMethod": "*", "ThrottlingRateLimit": resources.stage_throttling("dev")["rate_limit"],
        "ThrottlingBurstLimit": resources.stage_throttling("dev")["burst_limit"]}]


def test_chalice_deploy_path_gets_the_same_404_for_unknown_paths(_moto, tmp_path):
    from infra import gateway_responses

    apigateway = client("apigateway")
    api = apigateway.create_rest_api(name="flexcloud")["id"]
    root = apigateway.get_resources(restApiId=api)["items"][0]["id"]
    apigateway.put_method(restApiId=api, resourceId=root, httpMethod="GET", authorizationType="NONE")
    apigateway.put_integration(restApiId=api, resourceId=root, httpMethod="GET", type="MOCK")
    deployed = tmp_path / ".chalice" / "deployed"
    deployed.mkdir(parents=True)
    (deployed / "dev.json").write_text(json.dumps({"schema_version": "2.0", "backend": "api", "resources": [
        {"name": "api_handler", "resource_type": "lambda_function", "lambda_arn": "arn:aws:lambda:x"},
        {"name": "rest_api", "resource_type": "rest_api", "rest_api_id": api, "rest_api_url": "https://x/api/"}]}))

    assert gateway_responses.apply(gateway_responses.deployed_rest_api_id("dev", tmp_path), "dev") == "api"

    response = apigateway.get_gateway_response(restApiId=api, responseType="MISSING_AUTHENTICATION_TOKEN")
    assert response["statusCode"] == "404"
    assert json.loads(response["responseTemplates"]["application/json"]) == {
        "message": NOT_FOUND_MESSAGE, "status": 404}
    throttled = apigateway.get_gateway_response(restApiId=api, responseType="THROTTLED")
    assert throttled["statusCode"] == "429"
    assert throttled["responseParameters"]["gatewayresponse.header.FlexMeasures-Version"] == f"'{FLEXMEASURES_VERSION}'"
    assert apigateway.get_deployments(restApiId=api)["items"]
    settings = apigateway.get_stage(restApiId=api, stageName="api")["methodSettings"]["*/*"]
    assert (settings["throttlingRateLimit"], settings["throttlingBurstLimit"]) == (
        resources.stage_throttling("dev")["rate_limit"], resources.stage_throttling("dev")["burst_limit"])
    with pytest.raises(SystemExit, match="chalice deploy"):
        gateway_responses.deployed_rest_api_id("prod", tmp_path)


def _translated(merged_template: Path, monkeypatch) -> dict:
    """The merged template as CloudFormation sees it after the SAM transform (what SAM makes of the aliases)."""
    from samtranslator.translator.transform import transform

    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    template = yaml.safe_load(merged_template.read_text())
    for resource in template["Resources"].values():
        if resource["Type"] == "AWS::Serverless::Function":
            resource["Properties"]["CodeUri"] = "s3://artifacts/deployment.zip"  # what `cloudformation package` sets

    class NoManagedPolicies:
        def load(self):
            return {}

    return transform(template, {}, NoManagedPolicies())["Resources"]


def test_snapstart_every_function_runs_a_published_version_through_its_alias(merged_template, monkeypatch):
    resources = _translated(merged_template, monkeypatch)
    workers = ("SolveSchedule", "FailDeadLetter", "ForecastSensor", "FailForecastDeadLetter", "DeliverWebhook",
               "RecordWebhookDeadLetter")
    for function in ("APIHandler", *workers):
        assert resources[function]["Properties"]["SnapStart"] == {"ApplyOn": "PublishedVersions"}
        alias = resources[f"{function}Aliaslive"]
        assert alias["Type"] == "AWS::Lambda::Alias"
        assert resources[alias["Properties"]["FunctionVersion"]["Fn::GetAtt"][0]]["Type"] == "AWS::Lambda::Version"
    mappings = [r["Properties"] for r in resources.values() if r["Type"] == "AWS::Lambda::EventSourceMapping"]
    assert sorted(m["FunctionName"]["Ref"] for m in mappings) == sorted(f"{w}Aliaslive" for w in workers)
    assert resources["APIHandlerInvokePermission"]["Properties"]["FunctionName"] == {"Ref": "APIHandlerAliaslive"}
    api = next(r for r in resources.values() if r["Type"] == "AWS::ApiGateway::RestApi")
    integrations = [operation["x-amazon-apigateway-integration"] for path in api["Properties"]["Body"]["paths"].values()
                    for operation in path.values()]
    lambda_uris = [i["uri"]["Fn::Sub"] for i in integrations if i["type"] == "aws_proxy"]
    assert len(lambda_uris) > 100 and all("${APIHandlerAliaslive}/invocations" in uri for uri in lambda_uris)
    assert all(i["type"] == "mock" for i in integrations if i["type"] != "aws_proxy")  # CORS preflights only
