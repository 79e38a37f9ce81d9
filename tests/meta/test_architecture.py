"""The shape the design asks for: layers that import only downwards, no import cycle, a domain without
transport, and a resolver for every root field.

Every import counts, those under ``TYPE_CHECKING`` and inside functions included: a cycle a type checker
sees is a cycle a reader has to untangle.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest
from graphql import GraphQLObjectType

from roqmock.api.engine import build_schema

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "roqmock"
PLUGIN = ROOT / "pytest_plugin"

# Lowest first; a module may import its own layer and the layers before it, never one after.
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("domain", ("roqmock.domain",)),
    ("graphql", ("roqmock.api", "roqmock.sdl", "roqmock.documents")),
    ("core", ("roqmock.config", "roqmock.auth", "roqmock.journal", "roqmock.faults", "roqmock.seed",
              "roqmock.chatter", "roqmock.baseline", "roqmock.state", "roqmock.uploads", "roqmock.live",
              "roqmock.answers", "roqmock.mock")),
    ("http", ("roqmock.http",)),
    ("kit", ("roqmock.client", "roqmock.transport", "roqmock.live_kit", "roqmock.testing",
             "roqmock.strategies", "roqmock.pytest_plugin")),
    ("entry", ("roqmock.cli", "roqmock.__main__", "roqmock")),
)  # fmt: skip
# What each layer may not import from outside roqmock: the domain speaks neither GraphQL nor HTTP, the
# GraphQL layer and the mock's core no HTTP.
HTTP_LIBRARIES = ("starlette", "uvicorn", "httpx", "socketio", "engineio", "multipart")
BANNED: dict[str, tuple[str, ...]] = {
    "domain": ("ariadne", "graphql", "jwt", *HTTP_LIBRARIES),
    "graphql": HTTP_LIBRARIES,
    "core": HTTP_LIBRARIES,
}


def _module_name(path: Path, root: Path, package: str) -> str:
    parts = (package, *path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    """Every module of the package; the plugin's source (the checkout's ``pytest_plugin/``, linked into the
    package) under the name the wheel installs it by."""
    roots = ((PACKAGE, "roqmock"), (PLUGIN, "roqmock.pytest_plugin"))
    return {
        _module_name(path, root, name): path for root, name in roots for path in sorted(root.rglob("*.py"))
    }


MODULES = _modules()


def _imports(name: str, path: Path) -> Iterator[str]:
    """Every module ``name`` imports, at any depth of its source; ``from a import b`` names ``a.b`` when
    that is a module."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            for alias in node.names:
                yield f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base


def _internal_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for name, path in MODULES.items():
        graph[name] = {target for target in _imports(name, path) if target in MODULES and target != name}
    return graph


def _layer(module: str) -> int:
    best = (-1, -1)  # (length of the longest matching prefix, layer)
    for index, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            # "roqmock" names the package's __init__ alone: a new module must be given its layer.
            inside = module.startswith(prefix + ".") and prefix != "roqmock"
            if (module == prefix or inside) and len(prefix) > best[0]:
                best = (len(prefix), index)
    assert best[1] >= 0, f"{module} is in no layer: add it to LAYERS"
    return best[1]


def test_every_module_is_in_a_layer() -> None:
    assert len(MODULES) >= 40
    for module in MODULES:
        _layer(module)


def test_no_module_imports_a_layer_above_its_own() -> None:
    upward = [
        f"{module} ({LAYERS[_layer(module)][0]}) imports {target} ({LAYERS[_layer(target)][0]})"
        for module, targets in _internal_graph().items()
        for target in targets
        if _layer(target) > _layer(module)
    ]
    assert not upward, "\n".join(upward)


@pytest.mark.parametrize("layer", sorted(BANNED))
def test_lower_layers_import_no_transport(layer: str) -> None:
    index = [name for name, _ in LAYERS].index(layer)
    leaks = [
        f"{module} imports {target}"
        for module, path in MODULES.items()
        if _layer(module) == index
        for target in _imports(module, path)
        if target.split(".")[0] in BANNED[layer]
    ]
    assert not leaks, "\n".join(leaks)


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle in ``graph``, as the list of modules around it, or ``None``."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(module: str) -> list[str] | None:
        state[module] = 1
        path.append(module)
        for target in sorted(graph[module]):
            if state.get(target) == 1:
                return [*path[path.index(target) :], target]
            if target not in state and (found := visit(target)) is not None:
                return found
        path.pop()
        state[module] = 2
        return None

    for module in sorted(graph):
        if module not in state and (found := visit(module)) is not None:
            return found
    return None


def test_no_import_cycle() -> None:
    cycle = _cycle(_internal_graph())
    assert cycle is None, " -> ".join(cycle or ())


def test_the_cycle_check_finds_a_cycle() -> None:
    """The check above can fail: a cycle through a TYPE_CHECKING import, as the domain once had."""
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


def test_every_root_field_has_a_resolver() -> None:
    schema = build_schema()
    for root in (schema.query_type, schema.mutation_type):
        assert isinstance(root, GraphQLObjectType)
        for name, field in root.fields.items():
            resolver = field.resolve
            assert resolver is not None and resolver.__module__ == "roqmock.api.resolvers", (
                f"{root.name}.{name}"
            )
