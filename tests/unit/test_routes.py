"""The route table: every view it names exists, every view is routed once, paths follow the contract's shape."""
from __future__ import annotations

import importlib
import inspect
import pkgutil

import chalicelib.api
from chalicelib.api.routes import ROUTES
from chalicelib.api.routing import ApiRequest

# Modules of the api package that hold no views.
NOT_VIEWS = {"routes", "routing", "responses", "query", "versions"}


def _view_modules():
    for info in pkgutil.iter_modules(chalicelib.api.__path__):
        if info.name not in NOT_VIEWS:
            yield info.name, importlib.import_module(f"chalicelib.api.{info.name}")


def test_every_route_names_an_existing_view():
    for route in ROUTES:
        module, _, function = route.view.rpartition(".")
        view = getattr(importlib.import_module(f"chalicelib.api.{module}"), function, None)
        assert callable(view), route
        assert next(iter(inspect.signature(view).parameters)) == "req", route


def test_every_view_is_routed_exactly_once():
    routed = [route.view for route in ROUTES]
    assert len(routed) == len(set(routed))
    views = {f"{name}.{fn}" for name, module in _view_modules() for fn, obj in vars(module).items()
             if inspect.isfunction(obj) and obj.__module__ == module.__name__ and not fn.startswith("_")
             and next(iter(inspect.signature(obj).parameters), None) == "req"
             and inspect.signature(obj).parameters["req"].annotation in (ApiRequest, "ApiRequest")}
    assert views == set(routed)


def test_one_route_per_method_and_path():
    keys = [(route.method, route.path) for route in ROUTES]
    assert len(keys) == len(set(keys))
    assert all(route.path == "/" or not route.path.endswith("/") for route in ROUTES)


def test_importing_the_app_imports_no_view_module():
    """Views load on the first request that needs them (cold starts pay only for their own endpoint)."""
    import subprocess
    import sys

    probe = "import sys, app; print(sorted(m for m in sys.modules if m.startswith('chalicelib.api.') " \
            "and m.rpartition('.')[2] not in ('routes', 'routing', 'responses', 'versions', 'hardening')))"
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True,
                            env={"FLEXCLOUD_TOKEN_SECRET": "x", "PATH": "/usr/bin:/bin"})
    assert loaded.stdout.strip() == "[]"
