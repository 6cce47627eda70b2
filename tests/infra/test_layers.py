"""The layer rules of DESIGN.md as a test: every import of chalicelib points down, and no cycle hides anywhere.

Read with `ast` (nothing is imported), function-level imports included:
- `api` → `services` → `auth`, `schemas`, `store`, `timeseries`, `scheduling`, `forecasting` → `errors`, `settings`;
  the workers sit beside `services` and are never imported by the API;
- the pure cores (`scheduling`, `timeseries`, `forecasting`, `charts`) import no store, settings, cli, worker or AWS
  library;
- `settings` and `errors` import nothing from chalicelib; `aws` only `settings`;
- no import cycle among chalicelib modules;
- imports sit at the top of a module, except those of heavy libraries (numpy, pandas, pint, pulp, ...), of
  project modules that load them, and of the workers' cores (scheduling, forecasting: dozens of pydantic models
  the API compiles only for the endpoints that use them), which cold starts must not pay for;
- no `try: import ... except ImportError` (it hides real import errors).
"""
from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = "chalicelib"
HEAVY_LIBRARIES = {"numpy", "pandas", "pint", "pulp", "openpyxl", "lightgbm", "vl_convert", "pvlib", "scipy"}
AWS_LIBRARIES = {"boto3", "botocore", "pynamodb"}
PURE_CORES = {"scheduling", "timeseries", "forecasting", "charts"}
# Imported by the API only inside the functions that need them (see the module docstring).
DEFERRED_CORES = {"scheduling", "forecasting"}
# Layers that must never reach up into HTTP, endpoint behaviour or the workers.
LOWER_LAYERS = {"auth", "schemas", "store", "errors", "settings", "aws"} | PURE_CORES
UPPER_LAYERS = {"api", "services", "workers", "cli"}
# Who may import whom beyond the general rules: (importer layer, imported layer) pairs that are refused.
REFUSED = (
    [(low, up) for low in LOWER_LAYERS for up in UPPER_LAYERS]
    + [(core, dep) for core in PURE_CORES for dep in ("store", "settings", "aws", "cli", "workers", "auth", "api",
                                                      "services")]
    + [("services", "api"), ("services", "workers"), ("services", "cli"), ("workers", "api"),
       ("workers", "cli"), ("api", "workers"), ("api", "cli")]
)


@dataclass(frozen=True)
class Import:
    module: str  # the importing module
    target: str  # a chalicelib module, or a third-party top-level package
    line: int
    top_level: bool


@dataclass(frozen=True)
class Violation:
    module: str
    line: int
    rule: str

    def __str__(self) -> str:
        return f"{self.module}:{self.line}: {self.rule}"


def read_sources(root: Path = ROOT) -> dict[str, str]:
    """Every chalicelib module's source by dotted name."""
    out = {}
    for path in sorted((root / PACKAGE).rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path.read_text(encoding="utf-8")
    return out


def layer_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def _resolve(name: str, modules: set[str]) -> str:
    """The deepest known chalicelib module that `name` (a.b.c, maybe ending in an attribute) refers to."""
    parts = name.split(".")
    while parts:
        candidate = ".".join(parts)
        if candidate in modules:
            return candidate
        parts.pop()
    return name


def collect_imports(sources: dict[str, str]) -> tuple[list[Import], list[Violation]]:
    modules = set(sources)
    imports: list[Import] = []
    violations: list[Violation] = []
    for module, source in sources.items():
        tree = ast.parse(source)
        is_package = module == PACKAGE or any(other.startswith(module + ".") for other in modules)
        _visit(tree, module, modules, is_package, imports, violations, top_level=True, in_try=False)
    return imports, violations


def _visit(node: ast.AST, module: str, modules: set[str], is_package: bool, imports: list[Import],
           violations: list[Violation], *, top_level: bool, in_try: bool) -> None:
    for child in ast.iter_child_nodes(node):
        if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            _visit(child, module, modules, is_package, imports, violations, top_level=False, in_try=False)
            continue
        if isinstance(child, ast.Try):
            catches_import_error = any(_names_import_error(h.type) for h in child.handlers)
            for part in child.body:
                _visit(ast.Module(body=[part], type_ignores=[]), module, modules, is_package, imports, violations,
                       top_level=top_level, in_try=catches_import_error)
            for rest in child.handlers + child.orelse + child.finalbody:
                _visit(rest, module, modules, is_package, imports, violations, top_level=top_level, in_try=False)
            continue
        if isinstance(child, (ast.Import, ast.ImportFrom)):
            if in_try:
                violations.append(Violation(module, child.lineno, "import guarded by `except ImportError`"))
            for target in _targets(child, module, modules, is_package):
                imports.append(Import(module, target, child.lineno, top_level))
            continue
        if isinstance(child, ast.If) and _is_type_checking(child.test):
            continue  # typing-only imports cost nothing at run time
        _visit(child, module, modules, is_package, imports, violations, top_level=top_level, in_try=in_try)


def _names_import_error(node: ast.AST | None) -> bool:
    if node is None:
        return True
    if isinstance(node, ast.Tuple):
        return any(_names_import_error(e) for e in node.elts)
    return isinstance(node, ast.Name) and node.id in ("ImportError", "ModuleNotFoundError")


def _is_type_checking(test: ast.AST) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _targets(node: ast.Import | ast.ImportFrom, module: str, modules: set[str], is_package: bool) -> list[str]:
    if isinstance(node, ast.Import):
        return [_resolve(alias.name, modules) if alias.name.startswith(PACKAGE) else alias.name.split(".")[0]
                for alias in node.names]
    base = node.module or ""
    if node.level:
        anchor = module.split(".") if is_package else module.split(".")[:-1]
        anchor = anchor[:len(anchor) - (node.level - 1)]
        base = ".".join(anchor + ([base] if base else []))
    if not base.startswith(PACKAGE):
        return [base.split(".")[0]] if base else []
    return [_resolve(f"{base}.{alias.name}", modules) for alias in node.names]


def heavy_modules(imports: list[Import], modules: set[str]) -> set[str]:
    """Project modules whose import loads a heavy library (through top-level imports, transitively)."""
    heavy = {i.module for i in imports if i.top_level and i.target in HEAVY_LIBRARIES}
    changed = True
    while changed:
        changed = False
        for i in imports:
            if i.top_level and i.target in heavy and i.module not in heavy:
                heavy.add(i.module)
                changed = True
    return heavy & modules


def check(sources: dict[str, str]) -> list[Violation]:
    modules = set(sources)
    imports, violations = collect_imports(sources)
    heavy = heavy_modules(imports, modules)
    refused = set(REFUSED)
    for i in imports:
        importer, project = layer_of(i.module), i.target in modules
        if project and i.target != i.module:
            target_layer = layer_of(i.target)
            if importer in ("settings", "errors") and i.target != PACKAGE:
                violations.append(Violation(i.module, i.line, f"{importer} imports nothing from chalicelib, "
                                                              f"not {i.target}"))
            elif importer == "aws" and target_layer != "settings":
                violations.append(Violation(i.module, i.line, f"aws imports only settings, not {i.target}"))
            elif importer != target_layer and (importer, target_layer) in refused:
                violations.append(Violation(i.module, i.line, f"{importer} must not import {target_layer} "
                                                              f"({i.target})"))
            if not i.top_level and i.target not in heavy and target_layer not in DEFERRED_CORES:
                violations.append(Violation(i.module, i.line, f"function-level import of {i.target}, which loads no "
                                                              "heavy library: import it at the top"))
        elif not project and importer in PURE_CORES and i.target in AWS_LIBRARIES:
            violations.append(Violation(i.module, i.line, f"pure core {importer} imports AWS library {i.target}"))
    violations += [Violation(cycle[0], 0, "import cycle: " + " -> ".join(cycle)) for cycle in import_cycles(imports,
                                                                                                          modules)]
    return sorted(set(violations), key=lambda v: (v.module, v.line, v.rule))


def import_cycles(imports: list[Import], modules: set[str]) -> list[list[str]]:
    """One cycle per strongly connected component of the module graph (Tarjan's algorithm)."""
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for i in imports:
        if i.target in modules and i.target != i.module and not _is_parent(i.target, i.module):
            graph[i.module].add(i.target)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                connect(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(_cycle_through(sorted(component), graph))

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return cycles


def _is_parent(package: str, module: str) -> bool:
    """`import chalicelib.store.x` also loads chalicelib.store's __init__; that edge is not a dependency."""
    return module.startswith(package + ".")


def _cycle_through(component: list[str], graph: dict[str, set[str]]) -> list[str]:
    start, members = component[0], set(component)
    path, seen = [start], {start}
    while True:
        nxt = next(n for n in sorted(graph[path[-1]]) if n in members)
        if nxt in seen:
            return path[path.index(nxt):] + [nxt]
        path.append(nxt)
        seen.add(nxt)


# ---- the rules hold for the code --------------------------------------------------------------------------

def test_every_import_points_down():
    violations = check(read_sources())
    assert not violations, "Layer rules broken:\n" + "\n".join(map(str, violations))


def test_the_layers_exist():
    layers = {layer_of(m) for m in read_sources()}
    assert {"api", "services", "auth", "schemas", "store", "timeseries", "scheduling", "errors", "settings",
            "aws"} <= layers


# ---- and the checker catches each kind of break ------------------------------------------------------------

def _tree(**modules: str) -> dict[str, str]:
    base = {"chalicelib": "", "chalicelib.settings": "import os\n", "chalicelib.errors": "", "chalicelib.api": "",
            "chalicelib.api.assets": "", "chalicelib.services": "", "chalicelib.services.assets": "",
            "chalicelib.store": "", "chalicelib.store.assets": "", "chalicelib.scheduling": "",
            "chalicelib.scheduling.model": "import pulp\n", "chalicelib.auth": "", "chalicelib.auth.access": "",
            "chalicelib.timeseries": "", "chalicelib.timeseries.units": "import pint\n", "chalicelib.aws": ""}
    base.update({f"chalicelib.{name.replace('__', '.')}": text for name, text in modules.items()})
    return base


def _rules(sources: dict[str, str]) -> list[str]:
    return [v.rule for v in check(sources)]


def test_a_clean_tree_passes():
    assert check(_tree(api__assets="from chalicelib.services import assets\n",
                       services__assets="from chalicelib.store import assets\nfrom chalicelib import errors\n",
                       store__assets="from chalicelib import settings\n")) == []


def test_an_upward_import_is_caught():
    assert _rules(_tree(auth__access="from chalicelib.api import assets\n")) == [
        "auth must not import api (chalicelib.api.assets)"]
    assert _rules(_tree(store__assets="from chalicelib.services.assets import x\n")) == [
        "store must not import services (chalicelib.services.assets)"]
    assert _rules(_tree(services__assets="import chalicelib.api.assets\n")) == [
        "services must not import api (chalicelib.api.assets)"]


def test_a_pure_core_reaching_for_storage_or_aws_is_caught():
    rules = _rules(_tree(scheduling__model="import pulp\nfrom chalicelib import settings\nimport boto3\n"
                                           "def f():\n    from chalicelib.store import assets\n"))
    assert "scheduling must not import settings (chalicelib.settings)" in rules
    assert "pure core scheduling imports AWS library boto3" in rules
    assert "scheduling must not import store (chalicelib.store.assets)" in rules


def test_settings_importing_the_project_is_caught():
    assert _rules(_tree(settings="from chalicelib.store import assets\n")) == [
        "settings imports nothing from chalicelib, not chalicelib.store.assets"]


def test_a_cycle_is_caught_even_through_function_level_imports():
    rules = _rules(_tree(store__assets="import numpy\nfrom chalicelib.store import sensors\n",
                         store__sensors="import numpy\ndef f():\n    from chalicelib.store import assets\n"))
    assert rules == ["import cycle: chalicelib.store.assets -> chalicelib.store.sensors -> chalicelib.store.assets"]


def test_a_function_level_import_of_a_cheap_module_is_caught_but_heavy_ones_are_allowed():
    rules = _rules(_tree(services__assets="def f():\n    from chalicelib.store import assets\n"
                                          "    from chalicelib.timeseries import units\n    import pandas\n"
                                          "    from chalicelib.scheduling import model\n"))
    assert rules == ["function-level import of chalicelib.store.assets, which loads no heavy library: import it "
                     "at the top"]


def test_an_import_error_guard_is_caught():
    rules = _rules(_tree(services__assets="try:\n    import chalicelib.store.assets\nexcept ImportError:\n"
                                          "    pass\n"))
    assert rules == ["import guarded by `except ImportError`"]


def test_relative_imports_are_resolved():
    assert _rules(_tree(auth__access="from ..api import assets\n")) == [
        "auth must not import api (chalicelib.api.assets)"]
