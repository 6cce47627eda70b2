"""What the API says about its versions: FlexMeasures' release whose v3_0 API it serves, in GET /api/ and headers."""
from __future__ import annotations

# The FlexMeasures release whose v3_0 API this clone implements in full; flexmeasures-client picks its code paths by it.
FLEXMEASURES_VERSION = "1.0.1"
API_VERSION = "v3_0"
API_PREFIX = "/" + API_VERSION


def version_headers(path: str) -> dict[str, str]:
    """FlexMeasures' headers for a response to `path` (relative to the /api stage): the server's version on every
    /api response, and the API version under /api/v3_0."""
    headers = {"FlexMeasures-Version": FLEXMEASURES_VERSION}
    if path.startswith(API_PREFIX):
        headers["API-Version"] = API_VERSION
    return headers
