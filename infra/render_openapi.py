"""Write docs/openapi.json, the API's OpenAPI document, for people who read the repo (`--check`: fail if stale).

The API serves the same document at GET /api/v3_0/openapi.json (built from the route table and the models on
request). Run `python -m infra.render_openapi` after changing a route, a route doc or a model;
tests/infra/test_openapi_render.py fails while the committed file is stale.
"""
from __future__ import annotations

import argparse
import json
import sys

from chalicelib.api import openapi
from infra.resources import ROOT

COMMITTED = ROOT / "docs" / "openapi.json"


def render() -> str:
    return json.dumps(openapi.document(), indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.render_openapi", description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if docs/openapi.json is out of date")
    args = parser.parse_args(argv)
    if args.check:
        if not COMMITTED.exists() or COMMITTED.read_text(encoding="utf-8") != render():
            print("docs/openapi.json is out of date: run `python -m infra.render_openapi` and commit it",
                  file=sys.stderr)
            return 1
        return 0
    COMMITTED.parent.mkdir(exist_ok=True)
    COMMITTED.write_text(render(), encoding="utf-8")
    print(f"wrote {COMMITTED.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
