"""Headers every response carries so that browsers treat API bodies as data, never as pages.

`nosniff` stops a browser guessing a type (a JSON body with markup in it is not HTML); the policy forbids scripts,
styles, frames and everything else, so even a body served as `text/html` (FlexMeasures' media type for chart
specs) cannot run as a page. HSTS goes on answers sent over HTTPS (the deployed gateway): over plain HTTP browsers
ignore it, and the local stack has no TLS.
"""
from __future__ import annotations

CONTENT_SECURITY_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'; sandbox"
GATEWAY_CSP = "sandbox"  # API Gateway's own answers (infra/resources.py): static header values cannot hold quotes
STRICT_TRANSPORT_SECURITY = "max-age=31536000; includeSubDomains"
SECURITY_HEADERS = {"X-Content-Type-Options": "nosniff", "Content-Security-Policy": CONTENT_SECURITY_POLICY}
# Answers that carry a credential (requestAuthToken) must not be kept by any cache.
NO_STORE = {"Cache-Control": "no-store"}


def security_headers(https: bool) -> dict[str, str]:
    if https:
        return {**SECURITY_HEADERS, "Strict-Transport-Security": STRICT_TRANSPORT_SECURITY}
    return dict(SECURITY_HEADERS)


def is_https(headers: object) -> bool:
    """API Gateway passes the client's scheme in X-Forwarded-Proto."""
    get = getattr(headers, "get", None)
    return bool(get) and (get("x-forwarded-proto") or "").lower() == "https"
