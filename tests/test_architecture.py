"""The shape the design asks for: a domain without transport, and a resolver for every root field."""

from __future__ import annotations

import ast
from pathlib import Path

from graphql import GraphQLObjectType

from roqmock.api.engine import build_schema

PACKAGE = Path(__file__).resolve().parent.parent / "roqmock"
TRANSPORT = {"ariadne", "graphql", "starlette", "uvicorn", "httpx", "jwt", "roqmock.api", "roqmock.app"}


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_the_domain_imports_no_graphql_or_http() -> None:
    modules = sorted((PACKAGE / "domain").glob("*.py"))
    assert len(modules) >= 7
    for module in modules:
        leaks = {
            name
            for name in _imports(module)
            for banned in TRANSPORT
            if name.split(".")[0] == banned or name.startswith(banned)
        }
        assert not leaks, f"{module.name} imports {leaks}"


def test_every_root_field_has_a_resolver() -> None:
    schema = build_schema()
    for root in (schema.query_type, schema.mutation_type):
        assert isinstance(root, GraphQLObjectType)
        for name, field in root.fields.items():
            resolver = field.resolve
            assert resolver is not None and resolver.__module__ == "roqmock.api.resolvers", (
                f"{root.name}.{name}"
            )
