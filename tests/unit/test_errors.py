"""The error vocabulary's fixed texts (chalicelib/errors.py)."""
from __future__ import annotations

from chalicelib.errors import FORBIDDEN_MESSAGE


def test_forbidden_body_constant():
    assert FORBIDDEN_MESSAGE == "You cannot be authorized for this content or functionality."
