"""Headers every response carries so that browsers treat API bodies as data, never as pages.

`nosniff` stops a browser guessing a type (a JSON body with markup in it is not HTML); the policy forbids scripts,
styles, frames and everything else, so even a body served as `text/html` (FlexMeasures' media type for chart
specs) cannot run as a page. The one real page, the docs (Swagger UI), brings its own policy (`page_policy`): its
scripts and styles from this API only, its inline start script by hash. HSTS goes on answers sent over HTTPS (the deployed gateway): over plain HTTP browsers
ignore it, and the local stack has no TLS.
"""
from __future__ import annotations

import base64
import hashlib

CONTENT_SECURITY_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'; sandbox"
GATEWAY_CSP = "sandbox"  # API Gateway's own answers (infra/resources.py): static header values cannot hold quotes
STRICT_TRANSPORT_SECURITY = "max-age=31536000; includeSubDomains"
CSP_HEADER = "Content-Security-Policy"
SECURITY_HEADERS = {"X-Content-Type-Options": "nosniff", CSP_HEADER: CONTENT_SECURITY_POLICY}
# Answers that carry a credential (requestAuthToken) must not be kept by any cache.
NO_STORE = {"Cache-Control": "no-store"}


def page_policy(inline_script: str) -> str:
    """The policy of a page served by this API: everything from the API itself, the one inline script by its hash
    (Swagger UI sets inline styles and draws its icons from data: URIs), still no frames, bases or foreign forms."""
    digest = base64.b64encode(hashlib.sha256(inline_script.encode()).digest()).decode()
    return (f"default-src 'none'; script-src 'self' 'sha256-{digest}'; style-src 'self' 'unsafe-inline'; "
            "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")


def security_headers(https: bool, own_policy: str | None = None) -> dict[str, str]:
    """The headers every answer gets; `own_policy` is a page's policy (a view's Content-Security-Policy)."""
    headers = {**SECURITY_HEADERS, CSP_HEADER: own_policy} if own_policy else dict(SECURITY_HEADERS)
    if https:
        headers["Strict-Transport-Security"] = STRICT_TRANSPORT_SECURITY
    return headers


def is_https(headers: object) -> bool:
    """API Gateway passes the client's scheme in X-Forwarded-Proto."""
    get = getattr(headers, "get", None)
    return bool(get) and (get("x-forwarded-proto") or "").lower() == "https"
