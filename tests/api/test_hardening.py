"""Response hardening and token strictness (issue 14, finding 11)."""
from __future__ import annotations

import pytest

from chalicelib.api.hardening import CONTENT_SECURITY_POLICY
from tests.factories import PASSWORD, make_site


@pytest.fixture
def site(aws):
    return make_site(sensors={"sensor": dict(name="power", unit="kW", minutes=15)})


def _hardened(resp, https=False):
    assert resp.headers["x-content-type-options"] == "nosniff"
    assert resp.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert "default-src 'none'" in CONTENT_SECURITY_POLICY and "sandbox" in CONTENT_SECURITY_POLICY
    assert ("strict-transport-security" in resp.headers) is https


def test_every_kind_of_response_is_hardened(api, site):
    token = site.member.token
    _hardened(api.get("/api/"))
    _hardened(api.get(f"/api/v3_0/sensors/{site.sensor.id}", token=token))  # 200
    _hardened(api.get("/api/v3_0/sensors/999", token=token))  # 404
    _hardened(api.get("/api/v3_0/sensors/1"))  # 401
    _hardened(api.request("PUT", "/api/v3_0/sensors/1", token=token))  # 405 fallback
    _hardened(api.post(f"/api/v3_0/sensors/{site.sensor.id}/data", {"values": []}, token=token))  # 422


def test_chart_bodies_keep_their_media_type_and_cannot_run_as_a_page(api, site):
    r = api.get(f"/api/v3_0/assets/{site.asset.id}/chart", token=site.member.token)
    assert r.status == 200 and r.headers["content-type"].startswith("text/html")
    _hardened(r)


def test_https_answers_carry_hsts(api, site):
    r = api.get("/api/", headers={"X-Forwarded-Proto": "https"})
    _hardened(r, https=True)
    assert r.headers["strict-transport-security"] == "max-age=31536000; includeSubDomains"


def test_token_answers_are_not_cached(api, site):
    r = api.post("/api/requestAuthToken", {"email": site.member.user.email, "password": PASSWORD})
    assert r.status == 200 and r.headers["cache-control"] == "no-store"
    assert set(r.json) == {"auth_token", "user_id", "status"}


def test_only_the_canonical_token_authenticates(api, site):
    token = site.member.token
    assert api.get(f"/api/v3_0/sensors/{site.sensor.id}", token=token).status == 200
    bits = {"J": "K", "K": "L", "L": "J"}  # other low bits of the signature's last character (one pattern of many)
    variants = [token + "=", token + "==", token + "é", token + "\u00a0", " " + token + "x",
                token[:-1] + chr(ord(token[-1]) ^ 1), token[:-1] + bits.get(token[-1], "A")]
    for variant in variants:
        r = api.get(f"/api/v3_0/sensors/{site.sensor.id}", token=variant)
        assert r.status == 401, variant


def test_token_canonical_form_accepts_what_is_issued():
    from chalicelib.auth.tokens import is_canonical

    assert is_canonical("eyJ1IjoxLCJxIjoiYWJjIn0.aw9WUA.zdclb3ULpvZyyGXm78iJlRYNFWI")
    assert is_canonical(".eJyrVkpUslJKSUxR0lEqzs8tUbIy1FEqLE5NTQFSSsmZyanlSrUAbVgJcA.aw9WUA.zdclb3ULpvZyyGXm78iJlRYNFWI")
    assert not is_canonical("eyJ1IjoxLCJxIjoiYWJjIn0.aw9WUA.zdclb3ULpvZyyGXm78iJlRYNFWK")
    assert not is_canonical("eyJ1IjoxLCJxIjoiYWJjIn0.aw9WUA.zdclb3ULpvZyyGXm78iJlRYNFWI=")


def test_the_docs_page_alone_may_run_its_own_scripts(api):
    from chalicelib.api.docs import START_SCRIPT
    from chalicelib.api.hardening import page_policy

    page = api.get("/api/v3_0/docs")
    assert page.status == 200 and page.headers["x-content-type-options"] == "nosniff"
    policy = page.headers["content-security-policy"]
    assert policy == page_policy(START_SCRIPT) and "sandbox" not in policy
    assert "script-src 'self' 'sha256-" in policy and "'unsafe-eval'" not in policy
    assert "frame-ancestors 'none'" in policy
    _hardened(api.get("/api/v3_0/openapi.json"))  # the document and the page's files are data
    _hardened(api.get("/api/v3_0/docs/static/swagger-ui.css"))
