"""HTTP entrypoints: one Blueprint per resource, registered on the app by `register_all`."""
from __future__ import annotations

import importlib

# Each module defines `bp`; order does not matter for routing.
BLUEPRINT_MODULES = [
    "chalicelib.api.public",
    "chalicelib.api.health",
    "chalicelib.api.assets",
    "chalicelib.api.users",
    "chalicelib.api.sensors",
    "chalicelib.api.sensor_data",
    "chalicelib.api.schedules",
    "chalicelib.api.asset_charts",
    "chalicelib.api.accounts",
]


def register_all(app) -> None:
    from chalicelib.api.routing import add_method_fallbacks

    for name in BLUEPRINT_MODULES:
        app.register_blueprint(importlib.import_module(name).bp)
    add_method_fallbacks(app)
