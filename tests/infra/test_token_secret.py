"""The token signing key comes from the Secrets Manager secret the deployment generates, fetched lazily."""
from __future__ import annotations

import subprocess
import sys
import uuid

import pytest

from chalicelib.auth import secret
from chalicelib.auth.tokens import issue_token, read_token
from chalicelib.aws import client
from infra.resources import ROOT


@pytest.fixture
def deployed_secret(_moto, monkeypatch):
    """A secret like the one CloudFormation's GenerateSecretString creates; the env as config.json sets it."""
    value = client("secretsmanager").get_random_password(PasswordLength=64, ExcludePunctuation=True)["RandomPassword"]
    name = f"flexcloud/test/token-secret-{uuid.uuid4().hex}"  # moto is per session; id() gets reused
    arn = client("secretsmanager").create_secret(Name=name, SecretString=value)["ARN"]
    monkeypatch.delenv("FLEXCLOUD_TOKEN_SECRET")
    secret.forget_cached_secrets()
    yield name, arn, value
    secret.forget_cached_secrets()


def test_secret_read_by_name_or_arn_signs_tokens(deployed_secret, monkeypatch):
    name, arn, value = deployed_secret
    for secret_id in (name, arn):
        monkeypatch.setenv("FLEXCLOUD_TOKEN_SECRET_ID", secret_id)
        assert secret.token_secret() == value
    token = issue_token(3, "u")
    assert read_token(token).user_id == 3
    monkeypatch.setenv("FLEXCLOUD_TOKEN_SECRET", "another-key")
    assert read_token(token) is None  # the direct key wins, and it did not sign this token


def test_secret_is_fetched_once_per_container(deployed_secret, monkeypatch):
    name, _, value = deployed_secret
    monkeypatch.setenv("FLEXCLOUD_TOKEN_SECRET_ID", name)
    assert secret.token_secret() == value
    client("secretsmanager").update_secret(SecretId=name, SecretString="rotated")
    assert secret.token_secret() == value
    secret.forget_cached_secrets()
    assert secret.token_secret() == "rotated"


def test_unknown_secret_is_an_error_not_an_empty_key(deployed_secret, monkeypatch):
    monkeypatch.setenv("FLEXCLOUD_TOKEN_SECRET_ID", "flexcloud/nope")
    with pytest.raises(client("secretsmanager").exceptions.ResourceNotFoundException):
        secret.token_secret()


def test_importing_the_app_does_not_fetch_the_secret():
    """Cold start: no AWS call at import, even with only a secret id configured (the endpoint is dead)."""
    code = "import app; print('imported')"
    env = {"PATH": "/usr/bin:/bin", "FLEXCLOUD_TOKEN_SECRET_ID": "flexcloud/dev/token-secret",
           "AWS_ENDPOINT_URL": "http://127.0.0.1:9", "AWS_DEFAULT_REGION": "eu-west-1",
           "AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x", "AWS_MAX_ATTEMPTS": "1"}
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "imported"
