"""POST /requestAuthToken's body, for the OpenAPI document.

`services/auth.py` checks the body by hand, because FlexMeasures answers its own messages ("Please provide the
'email' parameter.") in its own shape, not a schema's 422.
"""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class TokenRequest(BaseModel):
    model_config = ConfigDict(defer_build=True)

    email: str
    password: str
