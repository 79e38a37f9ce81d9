"""ROQ's list semantics in one place: filter, search, order, limit, offset and totalCount.

Every list query (conversations, messages, users, files, and the pages nested in them) goes through
:func:`run_list`. The rules are those of ROQ's query builder:

* every filter field, and every operator inside one, is ANDed; there is no OR;
* ``equalTo: null`` is IS NULL, ``notEqualTo: null`` IS NOT NULL, ``null`` on any other operator is
  ignored; a NULL column matches no other operator (SQL's three-valued logic);
* ``valueIn: []`` matches nothing and ``valueNotIn: []`` everything;
* ``like``/``iLike`` are SQL patterns used verbatim (``%``, ``_``, backslash escapes), ``iLike`` ignores case;
* a filter on a relation (a conversation's members, say) matches when any related row matches all of its
  operators; a record with no related row matches as if the column were NULL (a LEFT JOIN); ``all``
  (user groups only) needs every listed id among the related rows, and ``all: []`` asks nothing;
* ``search {key, value}`` is a case-sensitive substring match on the field ``key``, ANDed with the filter;
* without ``order``: ``createdAt DESC``; ties are broken by ``id`` in the same direction; NULLs sort last
  ascending and first descending, as in PostgreSQL; strings compare by code point;
* ``limit`` missing, ``0`` or above the maximum gives the maximum; ``offset`` skips; negative values are a
  400 validation error; ``totalCount`` counts every match, ignoring ``limit`` and ``offset``.

Records kept in creation order (``createdAt``, then ``id``) need no sort for the default order:
:func:`run_ordered` merges such runs and stops at the page's end when nothing filters, so a page costs the
same in a world of a thousand messages and of a million.
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from functools import lru_cache
from itertools import chain, islice
from typing import Any, Generic, TypeVar

from roqmock.domain.clock import is_uuid, parse_iso
from roqmock.domain.errors import ValidationError

T = TypeVar("T")

DEFAULT_MAX_LIMIT = 1000


class Kind(Enum):
    ID = "id"
    STRING = "string"
    BOOLEAN = "boolean"
    DATE = "date"
    MEMBER_ID = "memberId"
    ENUM = "enum"
    TEXT = "text"  # a free-text filter value: case-insensitive substring of any of the field's values
    NUMBER = "number"
    GROUP_ID = "groupId"  # a user's groups: the id operators, and ``all`` (in every group listed)


OPERATORS: Mapping[Kind, frozenset[str]] = {
    Kind.ID: frozenset({"equalTo", "notEqualTo", "valueIn", "valueNotIn"}),
    Kind.STRING: frozenset({"equalTo", "notEqualTo", "like", "iLike", "valueIn", "valueNotIn"}),
    Kind.BOOLEAN: frozenset({"equalTo", "notEqualTo"}),
    Kind.DATE: frozenset({"equalTo", "notEqualTo", "lessThan", "lessThanEqual", "moreThan", "moreThanEqual"}),
    Kind.MEMBER_ID: frozenset({"equalTo"}),
    Kind.ENUM: frozenset({"equalTo", "notEqualTo", "valueIn", "valueNotIn"}),
    Kind.TEXT: frozenset(),
    Kind.GROUP_ID: frozenset({"equalTo", "notEqualTo", "valueIn", "valueNotIn", "all"}),
    Kind.NUMBER: frozenset(
        {
            "equalTo",
            "notEqualTo",
            "lessThan",
            "lessThanEqual",
            "moreThan",
            "moreThanEqual",
            "valueIn",
            "valueNotIn",
        }
    ),
}

_LIST_OPERATORS = frozenset({"valueIn", "valueNotIn", "all"})


@dataclass(frozen=True, slots=True)
class FilterField(Generic[T]):
    """One filterable field: its kind and how to read it from a record.

    With ``many``, ``get`` returns the values of every related row (a relation filter).
    """

    kind: Kind
    get: Callable[[T], Any]
    many: bool = False


@dataclass(frozen=True, slots=True)
class ListSpec(Generic[T]):
    """What one list offers: its filter fields, sort fields and search keys."""

    filters: Mapping[str, FilterField[T]]
    sorts: Mapping[str, Callable[[T], Any]]
    search_keys: Mapping[str, Callable[[T], str | None]]
    id_of: Callable[[T], str]


@dataclass(frozen=True, slots=True)
class ListArgs:
    """A list query's arguments, as ROQ takes them: filter, limit, offset, order and search."""

    filter: Mapping[str, Mapping[str, Any] | Any] | None = None
    limit: int | None = None
    offset: int | None = None
    order: Mapping[str, str] | None = None
    search: Mapping[str, str] | None = None


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a list, and how many records the whole list holds."""

    data: list[T]
    total_count: int


@dataclass(frozen=True, slots=True)
class Window:
    """The positions a limit and offset select, ``start`` included, ``stop`` not."""

    start: int
    stop: int


@dataclass(frozen=True, slots=True)
class Ordering(Generic[T]):
    """How a list is sorted: the key of a record, and the direction."""

    key: Callable[[T], Any]
    descending: bool


@dataclass(slots=True)
class CompiledList(Generic[T]):
    """A validated list query, ready to run over any iterable of records."""

    spec: ListSpec[T]
    predicates: list[Callable[[T], bool]] = field(default_factory=list)
    ordering: Ordering[T] | None = None
    window: Window = Window(0, DEFAULT_MAX_LIMIT)

    def matches(self, record: T) -> bool:
        return all(predicate(record) for predicate in self.predicates)

    def run(self, records: Iterable[T]) -> Page[T]:
        predicates = self.predicates
        matched = [record for record in records if self.matches(record)] if predicates else list(records)
        assert self.ordering is not None
        ordering = self.ordering
        id_of = self.spec.id_of
        matched.sort(key=id_of, reverse=ordering.descending)
        matched.sort(key=_nulls_last(ordering.key), reverse=ordering.descending)
        return Page(matched[self.window.start : self.window.stop], len(matched))

    def run_ordered(self, runs: Sequence[Sequence[T]]) -> Page[T]:
        """:meth:`run` over the records of ``runs``, each in creation order (``createdAt``, then ``id``)."""
        assert self.ordering is not None
        if self.ordering.key is not self.spec.sorts.get("createdAt"):
            return self.run(chain.from_iterable(runs))
        descending = self.ordering.descending
        spec = self.spec
        created, id_of = spec.sorts["createdAt"], spec.id_of
        streams: list[Iterable[T]] = [reversed(run) if descending else run for run in runs if run]
        merged: Iterable[T]
        if len(streams) == 1:
            merged = streams[0]
        else:
            merged = heapq.merge(
                *streams, key=lambda record: (created(record), id_of(record)), reverse=descending
            )
        start, stop = self.window.start, self.window.stop
        if not self.predicates:
            return Page(list(islice(merged, start, stop)), sum(map(len, runs)))
        page: list[T] = []
        total = 0
        matches = self.matches
        for record in merged:
            if matches(record):
                if start <= total < stop:
                    page.append(record)
                total += 1
        return Page(page, total)


def run_list(
    records: Iterable[T], spec: ListSpec[T], args: ListArgs, *, max_limit: int = DEFAULT_MAX_LIMIT
) -> Page[T]:
    return compile_list(spec, args, max_limit=max_limit).run(records)


def run_ordered(
    runs: Sequence[Sequence[T]], spec: ListSpec[T], args: ListArgs, *, max_limit: int = DEFAULT_MAX_LIMIT
) -> Page[T]:
    """:func:`run_list` over runs of records already in creation order (``createdAt``, then ``id``)."""
    return compile_list(spec, args, max_limit=max_limit).run_ordered(runs)


def compile_list(spec: ListSpec[T], args: ListArgs, *, max_limit: int = DEFAULT_MAX_LIMIT) -> CompiledList[T]:
    """Validate ``args`` against ``spec`` (raising ROQ's validation errors) and build the query."""
    compiled: CompiledList[T] = CompiledList(spec)
    compiled.window = page_window(args.limit, args.offset, max_limit=max_limit)
    for name, operators in (args.filter or {}).items():
        if operators is None:
            continue
        if name not in spec.filters:
            raise ValidationError(
                f"property {name} should not exist", error_code="WHITELIST_VALIDATION", property=name
            )
        compiled.predicates.append(_field_predicate(name, spec.filters[name], operators))
    if args.search is not None:
        compiled.predicates.append(_search_predicate(spec, args.search))
    compiled.ordering = _ordering(spec, args.order)
    return compiled


def page_window(limit: int | None, offset: int | None, *, max_limit: int) -> Window:
    for name, value in (("limit", limit), ("offset", offset)):
        if value is not None and value < 0:
            raise ValidationError(
                f"{name} must not be less than 0", error_code="MIN", property=name, value=value
            )
    size = max_limit if not limit or limit > max_limit else limit
    start = offset or 0
    return Window(start, start + size)


# ---------------------------------------------------------------- filters


def _field_predicate(name: str, spec: FilterField[T], operators: Any) -> Callable[[T], bool]:
    if spec.kind is Kind.TEXT:
        return _text_predicate(spec, operators)
    checks = [
        _operator_check(name, spec.kind, operator, operand)
        for operator, operand in operators.items()
        if operator in OPERATORS[spec.kind]
        and operator != "all"
        and (operand is not None or operator in ("equalTo", "notEqualTo"))
    ]
    get = spec.get
    if spec.many:
        required = operators.get("all")
        wanted = frozenset(_validated_operand(name, spec.kind, "all", required) if required else ())

        def related_match(record: T) -> bool:
            values = get(record) or (None,)
            if wanted and not wanted <= {_norm(spec.kind, value) for value in values}:
                return False
            return any(all(check(value) for check in checks) for value in values)

        return related_match

    def match(record: T) -> bool:
        value = get(record)
        return all(check(value) for check in checks)

    return match


def _operator_check(field_name: str, kind: Kind, operator: str, operand: Any) -> Callable[[Any], bool]:
    if operand is None:
        return (lambda value: value is None) if operator == "equalTo" else (lambda value: value is not None)
    operand = _validated_operand(field_name, kind, operator, operand)
    if operator == "equalTo":
        return lambda value: value is not None and _norm(kind, value) == operand
    if operator == "notEqualTo":
        return lambda value: value is not None and _norm(kind, value) != operand
    if operator == "valueIn":
        members = frozenset(operand)
        return lambda value: value is not None and _norm(kind, value) in members
    if operator == "valueNotIn":
        excluded = frozenset(operand)
        if not excluded:
            return lambda value: True
        return lambda value: value is not None and _norm(kind, value) not in excluded
    if operator in ("like", "iLike"):
        if (len(operand) - len(operand.rstrip("\\"))) % 2:
            raise ValidationError(
                "LIKE pattern must not end with escape character",
                error_code="INVALID_LIKE_PATTERN",
                property=operator,
                field=field_name,
                value=operand,
            )
        pattern = like_pattern(operand, ignore_case=operator == "iLike")
        return lambda value: value is not None and pattern.fullmatch(value) is not None
    compare = _DATE_COMPARISONS[operator]
    return lambda value: value is not None and compare(value, operand)


# Dates and numbers alike.
_DATE_COMPARISONS: Mapping[str, Callable[[Any, Any], bool]] = {
    "lessThan": lambda value, operand: value < operand,
    "lessThanEqual": lambda value, operand: value <= operand,
    "moreThan": lambda value, operand: value > operand,
    "moreThanEqual": lambda value, operand: value >= operand,
}


_UUID_KINDS = (Kind.ID, Kind.MEMBER_ID, Kind.GROUP_ID)


def _norm(kind: Kind, value: Any) -> Any:
    # PostgreSQL compares uuids whatever their case.
    return value.lower() if kind in _UUID_KINDS and isinstance(value, str) else value


def _validated_operand(field_name: str, kind: Kind, operator: str, operand: Any) -> Any:
    values: Sequence[Any] = operand if operator in _LIST_OPERATORS else [operand]
    if kind in _UUID_KINDS:
        for value in values:
            if not is_uuid(value):
                message = (
                    f"each value in {operator} must be a UUID"
                    if operator in _LIST_OPERATORS
                    else f"{operator} must be a UUID"
                )
                raise ValidationError(
                    message, error_code="IS_UUID", property=operator, field=field_name, value=value
                )
        values = [value.lower() for value in values]
    elif kind is Kind.DATE:
        values = [_as_datetime(field_name, operator, value) for value in values]
    return list(values) if operator in _LIST_OPERATORS else values[0]


def _as_datetime(field_name: str, operator: str, value: Any) -> datetime:
    if isinstance(value, datetime):
        return value
    try:
        return parse_iso(str(value))
    except ValueError:
        raise ValidationError(
            f"{operator} must be a valid ISO 8601 date string",
            error_code="IS_DATE_STRING",
            property=operator,
            field=field_name,
            value=value,
        ) from None


@lru_cache(maxsize=512)
def like_pattern(pattern: str, *, ignore_case: bool) -> re.Pattern[str]:
    """Translate an SQL LIKE pattern: ``%`` any run, ``_`` one character, backslash escapes."""
    parts: list[str] = []
    escaped = False
    for char in pattern:
        if escaped:
            parts.append(re.escape(char))
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "%":
            parts.append(".*")
        elif char == "_":
            parts.append(".")
        else:
            parts.append(re.escape(char))
    if escaped:
        parts.append(re.escape("\\"))
    return re.compile("".join(parts), re.DOTALL | (re.IGNORECASE if ignore_case else 0))


def _text_predicate(spec: FilterField[T], text: Any) -> Callable[[T], bool]:
    needle = str(text).casefold()
    get = spec.get
    return lambda record: any(value is not None and needle in value.casefold() for value in get(record))


# ---------------------------------------------------------------- search and order


def _search_predicate(spec: ListSpec[T], search: Mapping[str, str]) -> Callable[[T], bool]:
    key, needle = search.get("key"), search.get("value")
    if key is None or key not in spec.search_keys:
        raise _not_one_of("key", key, spec.search_keys)
    get = spec.search_keys[key]
    text = needle or ""
    return lambda record: (value := get(record)) is not None and text in value


def _ordering(spec: ListSpec[T], order: Mapping[str, str] | None) -> Ordering[T]:
    if order is None:
        return Ordering(spec.sorts["createdAt"], descending=True)
    direction, sort = order.get("order"), order.get("sort")
    if direction not in ("ASC", "DESC"):
        raise _not_one_of("order", direction, ("ASC", "DESC"))
    if sort is None or sort not in spec.sorts:
        raise _not_one_of("sort", sort, spec.sorts)
    return Ordering(spec.sorts[sort], descending=direction == "DESC")


def _not_one_of(name: str, value: Any, allowed: Iterable[str]) -> ValidationError:
    choices = ", ".join(allowed)
    return ValidationError(
        f"{name} must be one of the following values: {choices}",
        error_code="IS_IN",
        property=name,
        value=value,
    )


def _nulls_last(key: Callable[[T], Any]) -> Callable[[T], tuple[bool, Any]]:
    def null_aware(record: T) -> tuple[bool, Any]:
        value = key(record)
        return (value is None, value)

    return null_aware
