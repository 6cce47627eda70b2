"""HTTP entrypoints: one Blueprint per resource, registered on the app by `register_all`."""
from __future__ import annotations

from chalicelib.api import accounts, asset_charts, assets, health, public, schedules, sensor_data, sensors, users
from chalicelib.api.routing import add_method_fallbacks

# Order does not matter for routing.
BLUEPRINTS = [public.bp, health.bp, assets.bp, users.bp, sensors.bp, sensor_data.bp, schedules.bp, asset_charts.bp,
              accounts.bp]


def register_all(app) -> None:
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    add_method_fallbacks(app)
