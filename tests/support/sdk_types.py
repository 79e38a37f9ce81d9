"""Read ROQ's Node SDK (@roq/nodejs) as npm installed it under tests/node_modules.

The SDK ships two generated files this module understands:

* ``dist/src/generated/sdk.d.ts``: TypeScript types graphql-codegen generated from ROQ's live
  GraphQL schema. :func:`parse_sdk_types` turns its object, input and field-arguments types back
  into GraphQL type notation, and :func:`parse_sdk_enums` its enums into sets of values.
* ``dist/src/generated/sdk.js``: the GraphQL documents the SDK sends, as ``graphql-tag`` template
  literals that interpolate fragment documents. :func:`parse_sdk_documents` resolves them into
  whole document texts.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

TESTS_DIR = Path(__file__).resolve().parents[1]
SDK_PACKAGE = "@roq/nodejs"
GENERATED_DIR = Path("dist", "src", "generated")

INSTALL_HINT = "run `npm ci --prefix tests` (or `npm install --prefix tests`) from the project root"


class SdkNotInstalledError(RuntimeError):
    """ROQ's Node SDK is missing from tests/node_modules, or is not the version tests/package.json pins."""


class SdkParseError(ValueError):
    """The generated SDK files are not in the shape this parser understands."""


# --------------------------------------------------------------------------- locating the SDK


def pinned_sdk_version() -> str:
    """The @roq/nodejs version tests/package.json pins."""
    manifest = json.loads((TESTS_DIR / "package.json").read_text(encoding="utf-8"))
    return str(manifest["dependencies"][SDK_PACKAGE])


def sdk_dir() -> Path:
    """tests/node_modules/@roq/nodejs, checked to be installed at the pinned version."""
    root = TESTS_DIR / "node_modules" / SDK_PACKAGE
    generated = root / GENERATED_DIR
    pinned = pinned_sdk_version()
    if not all((generated / name).is_file() for name in ("sdk.d.ts", "sdk.js")):
        raise SdkNotInstalledError(
            f"ROQ's Node SDK {SDK_PACKAGE}@{pinned} is not installed at {root}: {INSTALL_HINT}"
        )
    installed = json.loads((root / "package.json").read_text(encoding="utf-8"))["version"]
    if installed != pinned:
        raise SdkNotInstalledError(
            f"{root} holds {SDK_PACKAGE}@{installed} but tests/package.json pins {pinned}: {INSTALL_HINT}"
        )
    return root


def sdk_dts_path() -> Path:
    return sdk_dir() / GENERATED_DIR / "sdk.d.ts"


def sdk_js_path() -> Path:
    return sdk_dir() / GENERATED_DIR / "sdk.js"


# --------------------------------------------------------------------------- sdk.d.ts: types


@dataclass(frozen=True)
class TypeRef:
    """A GraphQL type reference: a named type, or a list of ``of_type``; ``str()`` renders it as SDL."""

    name: str | None
    of_type: TypeRef | None = None
    non_null: bool = True

    def __post_init__(self) -> None:
        if (self.name is None) == (self.of_type is None):
            raise ValueError("a TypeRef is either named or a list")

    def __str__(self) -> str:
        inner = self.name if self.of_type is None else f"[{self.of_type}]"
        return f"{inner}!" if self.non_null else str(inner)

    def nullable(self) -> TypeRef:
        return TypeRef(self.name, self.of_type, non_null=False)


_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_SCALAR = re.compile(r"Scalars\['([A-Za-z_][A-Za-z0-9_]*)'\]")
_WRAPPER = re.compile(r"(Maybe|InputMaybe|Array)<(.*)>")
# TypeScript spellings that mean the declaration is not a schema type (operation results, fragments,
# the Scalars map itself): their fields are plain TS types rather than codegen's schema references.
_TS_ONLY = frozenset({"string", "number", "boolean", "unknown", "any", "never", "null", "undefined"})


def parse_type_expr(expr: str) -> TypeRef:
    """Codegen's TypeScript for a field's type, as GraphQL: ``Maybe<Array<Scalars['ID']>>`` is ``[ID!]``.

    Codegen writes nullable types as ``Maybe<T>`` (``InputMaybe<T>`` in inputs and arguments),
    non-null types bare, and lists as ``Array<T>`` whose elements are non-null unless written
    ``Array<Maybe<T>>``.
    """
    expr = expr.strip()
    wrapper = _WRAPPER.fullmatch(expr)
    if wrapper:
        kind, inner = wrapper.groups()
        if kind == "Array":
            return TypeRef(None, parse_type_expr(inner))
        ref = parse_type_expr(inner)
        if not ref.non_null:
            raise SdkParseError(f"doubly nullable type {expr!r}")
        return ref.nullable()
    scalar = _SCALAR.fullmatch(expr)
    if scalar:
        return TypeRef(scalar.group(1))
    if _IDENT.fullmatch(expr) and expr not in _TS_ONLY and expr[0].isupper():
        return TypeRef(expr)
    raise SdkParseError(f"not a codegen schema type expression: {expr!r}")


@dataclass
class SdkTypes:
    """What sdk.d.ts declares about ROQ's schema."""

    # Object, input and field-arguments types (``QueryConversationsArgs``...): name -> field -> type.
    types: dict[str, dict[str, TypeRef]] = field(default_factory=dict)
    # The subset of ``types`` that are GraphQL object types (codegen gives them a ``__typename``).
    object_types: set[str] = field(default_factory=set)
    # Enums: name -> the GraphQL values (the TS string values, not the TS member names).
    enums: dict[str, frozenset[str]] = field(default_factory=dict)
    # The names in codegen's ``Scalars`` map: every scalar ROQ's schema has, built-in or custom.
    scalars: frozenset[str] = frozenset()


_TYPE_BLOCK = re.compile(r"^export declare type (\w+) = \{\n(.*?)^\};$", re.M | re.S)
_ENUM_BLOCK = re.compile(r"^export declare enum (\w+) \{\n(.*?)^\}$", re.M | re.S)
_FIELD_LINE = re.compile(r"(\w+)(\??): (.+);")
_TYPENAME_LINE = re.compile(r"__typename\?: '(\w+)';")
_ENUM_MEMBER = re.compile(r'(\w+) = "([^"]*)",?')
_SCALAR_LINE = re.compile(r"(\w+): .+;")
_COMMENT = re.compile(r"/\*.*?\*/", re.S)


def _body_lines(body: str) -> list[str]:
    body = _COMMENT.sub("", body)
    return [line.strip() for line in body.splitlines() if line.strip()]


def _parse_type_block(name: str, body: str) -> tuple[str, dict[str, TypeRef], bool] | None:
    """A schema type's GraphQL name, fields and whether it is an object type.

    None if the block is not a schema type but an operation's or fragment's result type.
    """
    lines = _body_lines(body)
    if any("{" in line or "}" in line for line in lines):
        return None  # nested object literals: an operation's result type
    fields: dict[str, TypeRef] = {}
    graphql_name: str | None = None
    for line in lines:
        typename = _TYPENAME_LINE.fullmatch(line)
        if typename:
            graphql_name = typename.group(1)
            # Codegen pascal-cases TS names (NotificationCTAModel -> NotificationCtaModel) but keeps the
            # GraphQL name in __typename; a fragment's or operation's TS name differs in more than case.
            if graphql_name.lower() != name.lower():
                return None
            continue
        match = _FIELD_LINE.fullmatch(line)
        if match is None:
            return None
        field_name, optional, expr = match.groups()
        try:
            ref = parse_type_expr(expr)
        except SdkParseError:
            return None
        if bool(optional) == ref.non_null:
            raise SdkParseError(f"{name}.{field_name}: optional marker disagrees with Maybe in {line!r}")
        fields[field_name] = ref
    return graphql_name or name, fields, graphql_name is not None


def _rename(ref: TypeRef, ts_names: dict[str, str]) -> TypeRef:
    if ref.of_type is not None:
        return TypeRef(None, _rename(ref.of_type, ts_names), ref.non_null)
    assert ref.name is not None
    return TypeRef(ts_names.get(ref.name, ref.name), None, ref.non_null)


def parse_sdk_types(dts: str) -> SdkTypes:
    """Parse sdk.d.ts: its schema types, enums and scalars."""
    result = SdkTypes()
    ts_names: dict[str, str] = {}
    for name, body in _TYPE_BLOCK.findall(dts):
        if name == "Scalars":
            lines = _body_lines(body)
            scalars = [_SCALAR_LINE.fullmatch(line) for line in lines]
            if not all(scalars):
                raise SdkParseError(f"unexpected Scalars map: {body!r}")
            result.scalars = frozenset(m.group(1) for m in scalars if m)
            continue
        parsed = _parse_type_block(name, body)
        if parsed is None:
            continue
        graphql_name, fields, is_object = parsed
        if graphql_name in result.types:
            raise SdkParseError(f"type {graphql_name} declared twice")
        ts_names[name] = graphql_name
        result.types[graphql_name] = fields
        if is_object:
            result.object_types.add(graphql_name)
    # Field types name other types by their TS names; put the GraphQL names back.
    for fields in result.types.values():
        for field_name, ref in fields.items():
            fields[field_name] = _rename(ref, ts_names)
    for name, body in _ENUM_BLOCK.findall(dts):
        values: set[str] = set()
        for line in _body_lines(body):
            member = _ENUM_MEMBER.fullmatch(line)
            if member is None:
                raise SdkParseError(f"enum {name}: cannot read member {line!r}")
            values.add(member.group(2))
        result.enums[name] = frozenset(values)
    if not result.scalars:
        raise SdkParseError("sdk.d.ts declares no Scalars map")
    return result


@cache
def load_sdk_types() -> SdkTypes:
    return parse_sdk_types(sdk_dts_path().read_text(encoding="utf-8"))


# --------------------------------------------------------------------------- sdk.js: documents

_TEMPLATE = re.compile(r"^exports\.(\w+) = \(0, graphql_tag_1\.default\) `(.*?)`;$", re.M | re.S)
_INTERPOLATION = re.compile(r"\$\{([^}]*)\}")
_EXPORT_REF = re.compile(r"exports\.(\w+)")


def _resolve(name: str, templates: dict[str, str], included: set[str], stack: tuple[str, ...]) -> str:
    if name in stack:
        raise SdkParseError(f"circular interpolation: {' -> '.join((*stack, name))}")
    if name not in templates:
        raise SdkParseError(f"{stack[-1]} interpolates unknown document {name}")

    def substitute(match: re.Match[str]) -> str:
        ref = _EXPORT_REF.fullmatch(match.group(1).strip())
        if ref is None:
            raise SdkParseError(f"{name}: unsupported interpolation {match.group(0)!r}")
        fragment = ref.group(1)
        # graphql-tag drops a fragment the document already holds, so each is spelled out once.
        if fragment in included:
            return ""
        included.add(fragment)
        return _resolve(fragment, templates, included, (*stack, name))

    return _INTERPOLATION.sub(substitute, templates[name])


def parse_sdk_documents(js: str) -> dict[str, str]:
    """The operations sdk.js sends: ``ConversationsDocument`` -> its full GraphQL text, fragments included."""
    templates: dict[str, str] = {}
    for name, body in _TEMPLATE.findall(js):
        if "`" in body or name in templates:
            raise SdkParseError(f"cannot read the template literal of {name}")
        templates[name] = body
    if js.count("graphql_tag_1.default)") != len(templates):
        raise SdkParseError("sdk.js holds graphql-tag templates this parser did not read")
    return {name: _resolve(name, templates, set(), ()) for name in templates if name.endswith("Document")}


@cache
def load_sdk_documents() -> dict[str, str]:
    return parse_sdk_documents(sdk_js_path().read_text(encoding="utf-8"))
