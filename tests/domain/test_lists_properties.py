"""Property tests: ``run_list`` against a plain reference written from the rules of ``roqmock.domain.lists``.

The reference below shares no code with ``roqmock.domain.lists``: it reads the rules of its module docstring
(and the contract's "Lists" section) and implements them the obvious way, SQL's LIKE by a small recursive
matcher, the order by an explicit comparator. Records use a small alphabet and small pools of ids, dates and
values, so filters, patterns and searches match often and sort keys collide.
"""

from __future__ import annotations

import functools
import itertools
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta, timezone
from operator import attrgetter
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from roqmock.domain.lists import FilterField, Kind, ListArgs, ListSpec, run_list

MAX_LIMIT = 4
PROPERTY = settings(max_examples=200, deadline=None)


@dataclass(frozen=True)
class Rec:
    id: str
    name: str | None
    flag: bool | None
    created_at: datetime
    seen_at: datetime | None
    status: str | None
    owner_id: str | None
    member_ids: tuple[str, ...]
    tags: tuple[str, ...]


# filter name -> (kind, attribute, many)
FILTERS: dict[str, tuple[Kind, str, bool]] = {
    "id": (Kind.ID, "id", False),
    "ownerId": (Kind.ID, "owner_id", False),
    "name": (Kind.STRING, "name", False),
    "flag": (Kind.BOOLEAN, "flag", False),
    "createdAt": (Kind.DATE, "created_at", False),
    "seenAt": (Kind.DATE, "seen_at", False),
    "status": (Kind.ENUM, "status", False),
    "memberId": (Kind.MEMBER_ID, "member_ids", True),
    "memberRowId": (Kind.ID, "member_ids", True),
    "tag": (Kind.STRING, "tags", True),
}
SORTS: dict[str, str] = {
    "id": "id",
    "name": "name",
    "flag": "flag",
    "createdAt": "created_at",
    "seenAt": "seen_at",
    "status": "status",
    "ownerId": "owner_id",
}
NULLABLE_SORTS = ("name", "flag", "seenAt", "status", "ownerId")
SEARCH_KEYS: dict[str, str] = {"name": "name", "status": "status"}

SPEC: ListSpec[Rec] = ListSpec(
    filters={
        name: FilterField(kind, attrgetter(attr), many=many) for name, (kind, attr, many) in FILTERS.items()
    },
    sorts={name: attrgetter(attr) for name, attr in SORTS.items()},
    search_keys={name: attrgetter(attr) for name, attr in SEARCH_KEYS.items()},
    id_of=attrgetter("id"),
)

# The operators each kind offers, per the contract's filter input types.
REF_OPERATORS: dict[Kind, tuple[str, ...]] = {
    Kind.ID: ("equalTo", "notEqualTo", "valueIn", "valueNotIn"),
    Kind.STRING: ("equalTo", "notEqualTo", "like", "iLike", "valueIn", "valueNotIn"),
    Kind.BOOLEAN: ("equalTo", "notEqualTo"),
    Kind.DATE: ("equalTo", "notEqualTo", "lessThan", "lessThanEqual", "moreThan", "moreThanEqual"),
    Kind.MEMBER_ID: ("equalTo",),
    Kind.ENUM: ("equalTo", "notEqualTo", "valueIn", "valueNotIn"),
}


# ---------------------------------------------------------------- the reference


def ref_like(pattern: str, text: str, *, fold: bool) -> bool:
    """SQL LIKE: ``%`` any run, ``_`` one character, a backslash makes the next character literal."""
    tokens: list[tuple[str, str]] = []
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\" and i + 1 < len(pattern):
            tokens.append(("literal", pattern[i + 1]))
            i += 2
            continue
        if char == "%":
            tokens.append(("run", ""))
        elif char == "_":
            tokens.append(("one", ""))
        else:
            tokens.append(("literal", char))
        i += 1

    def same(a: str, b: str) -> bool:
        return a.lower() == b.lower() if fold else a == b

    @functools.cache
    def match(t: int, s: int) -> bool:
        if t == len(tokens):
            return s == len(text)
        what, char = tokens[t]
        if what == "run":
            return match(t + 1, s) or (s < len(text) and match(t, s + 1))
        if s == len(text):
            return False
        if what == "one":
            return match(t + 1, s + 1)
        return same(char, text[s]) and match(t + 1, s + 1)

    return match(0, 0)


def ref_date(value: datetime | str) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)


def ref_operator(kind: Kind, operator: str, operand: Any, value: Any) -> bool:
    """One non-null operator on one (possibly NULL) column value, in SQL's three-valued logic."""
    if operator == "valueNotIn" and len(operand) == 0:
        return True
    if value is None:
        return False
    if kind in (Kind.ID, Kind.MEMBER_ID):
        value = value.lower()
        operand = [o.lower() for o in operand] if isinstance(operand, list) else operand.lower()
    if kind is Kind.DATE:
        operand = ref_date(operand)
    if operator == "equalTo":
        return bool(value == operand)
    if operator == "notEqualTo":
        return bool(value != operand)
    if operator == "valueIn":
        return value in operand
    if operator == "valueNotIn":
        return value not in operand
    if operator == "like":
        return ref_like(operand, value, fold=False)
    if operator == "iLike":
        return ref_like(operand, value, fold=True)
    if operator == "lessThan":
        return bool(value < operand)
    if operator == "lessThanEqual":
        return bool(value <= operand)
    if operator == "moreThan":
        return bool(value > operand)
    if operator == "moreThanEqual":
        return bool(value >= operand)
    raise AssertionError(operator)


def ref_value_matches(kind: Kind, operators: Mapping[str, Any], value: Any) -> bool:
    for operator, operand in operators.items():
        if operand is None:
            if operator == "equalTo" and value is not None:
                return False
            if operator == "notEqualTo" and value is None:
                return False
            continue  # null on any other operator: ignored
        if not ref_operator(kind, operator, operand, value):
            return False
    return True


def ref_matches(record: Rec, args: ListArgs) -> bool:
    for name, operators in (args.filter or {}).items():
        kind, attr, many = FILTERS[name]
        if many:
            rows = getattr(record, attr)
            if not rows:
                if not ref_value_matches(kind, operators, None):
                    return False
            elif not any(ref_value_matches(kind, operators, row) for row in rows):
                return False
        elif not ref_value_matches(kind, operators, getattr(record, attr)):
            return False
    if args.search is not None:
        value = getattr(record, SEARCH_KEYS[args.search["key"]])
        if value is None or args.search["value"] not in value:
            return False
    return True


def ref_comparator(order: Mapping[str, str] | None) -> Callable[[Rec, Rec], int]:
    sort, direction = ("createdAt", "DESC") if order is None else (order["sort"], order["order"])
    attr = SORTS[sort]

    def compare(a: Rec, b: Rec) -> int:
        x, y = getattr(a, attr), getattr(b, attr)
        if x is None and y is None:
            result = 0
        elif x is None:
            result = 1  # NULLs last ascending
        elif y is None:
            result = -1
        else:
            result = (x > y) - (x < y)
        if result == 0:
            result = (a.id > b.id) - (a.id < b.id)
        return -result if direction == "DESC" else result

    return compare


def ref_ordered(records: Sequence[Rec], args: ListArgs) -> list[Rec]:
    matched = [record for record in records if ref_matches(record, args)]
    return sorted(matched, key=functools.cmp_to_key(ref_comparator(args.order)))


def ref_page(records: Sequence[Rec], args: ListArgs, max_limit: int) -> tuple[list[str], int]:
    ordered = ref_ordered(records, args)
    limit = args.limit
    size = max_limit if limit is None or limit == 0 or limit > max_limit else limit
    start = args.offset or 0
    return [record.id for record in ordered[start : start + size]], len(ordered)


# ---------------------------------------------------------------- strategies

ID_POOL = tuple(str(uuid.uuid5(uuid.NAMESPACE_URL, f"roqmock-lists-{n}")) for n in range(12))
BASE = datetime(2024, 1, 1, tzinfo=UTC)
DATE_POOL = tuple(BASE + timedelta(milliseconds=n) for n in range(4))
STATUSES = ("ready", "error", "processing")
ALPHABET = "aAb%_\\\n"

names = st.one_of(
    st.sampled_from(["", "a", "A", "ab", "aB", "a%", "a_b", "50%", "\\", "a\\b", "%_"]),
    st.text(ALPHABET, max_size=4),
)
nullable_names = st.none() | names
# ``%`` and ``_`` weigh more, so patterns match sometimes; escapes make ``%``, ``_`` and ``\\`` literal.
patterns = st.lists(
    st.sampled_from(["a", "A", "b", "\n", "%", "%", "%", "_", "_", "\\%", "\\_", "\\\\", "\\a"]), max_size=3
).map("".join)


def mostly(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """The strategy's values three times in four, else None (a null operand)."""
    return st.one_of(strategy, strategy, strategy, st.none())


def _iso(moment: datetime, offset_hours: int) -> str:
    zone = timezone(timedelta(hours=offset_hours))
    text = moment.astimezone(zone).isoformat(timespec="milliseconds")
    return text.replace("+00:00", "Z")


date_operands = st.sampled_from(
    (BASE - timedelta(milliseconds=1), *DATE_POOL, BASE + timedelta(seconds=1))
).flatmap(lambda moment: st.sampled_from([moment, _iso(moment, 0), _iso(moment, 2), _iso(moment, -5)]))


def id_variants(pool: Sequence[str]) -> st.SearchStrategy[str]:
    """A uuid from ``pool``, in lower or upper case."""
    return st.tuples(st.sampled_from(pool), st.booleans()).map(
        lambda pair: pair[0].upper() if pair[1] else pair[0]
    )


id_operands = id_variants((*ID_POOL[:8], "00000000-0000-4000-8000-000000000000"))

SCALARS: dict[Kind, st.SearchStrategy[Any]] = {
    Kind.ID: id_operands,
    Kind.MEMBER_ID: id_operands,
    Kind.STRING: names,
    Kind.BOOLEAN: st.booleans(),
    Kind.DATE: date_operands,
    Kind.ENUM: st.sampled_from((*STATUSES, "cancelled")),
}


def operand_strategy(kind: Kind, operator: str) -> st.SearchStrategy[Any]:
    if operator in ("valueIn", "valueNotIn"):
        return mostly(st.lists(SCALARS[kind], max_size=3))
    if operator in ("like", "iLike"):
        return mostly(patterns)
    return mostly(SCALARS[kind])


def operators_strategy(kind: Kind) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {}, optional={operator: operand_strategy(kind, operator) for operator in REF_OPERATORS[kind]}
    )


def like_pattern_for(text: str) -> st.SearchStrategy[str]:
    """A pattern near ``text``: each character kept, case-swapped, escaped, or replaced by ``_`` or ``%``."""

    def pieces(char: str) -> list[str]:
        if char == "\\":
            return ["\\\\", "_", "%"]  # never a lone backslash, which could end the pattern
        return [char, char.swapcase(), "\\" + char, "_", "%"]

    around = st.sampled_from(["", "%", "_"])
    return st.tuples(around, *(st.sampled_from(pieces(char)) for char in text), around).map("".join)


records = st.lists(
    st.builds(
        Rec,
        id=st.sampled_from(ID_POOL),
        name=nullable_names,
        flag=st.none() | st.booleans(),
        created_at=st.sampled_from(DATE_POOL),
        seen_at=st.none() | st.sampled_from(DATE_POOL),
        status=st.none() | st.sampled_from(STATUSES),
        # stored in either case: uuids compare whatever their case
        owner_id=st.none() | id_variants(ID_POOL[:4]),
        member_ids=st.lists(st.sampled_from(ID_POOL[:6]), unique=True, max_size=3).map(tuple),
        tags=st.lists(names, max_size=3).map(tuple),
    ),
    max_size=10,
    unique_by=lambda record: record.id,
)
filters = st.fixed_dictionaries(
    {}, optional={name: operators_strategy(kind) for name, (kind, _, _) in FILTERS.items()}
)
FIELD_OPERATORS = [
    (name, operator) for name, (kind, _, _) in FILTERS.items() for operator in REF_OPERATORS[kind]
]


def near(kind: Kind, value: Any) -> st.SearchStrategy[Any]:
    """An operand equal to a stored ``value``, as a caller could spell it."""
    if kind in (Kind.ID, Kind.MEMBER_ID):
        return st.sampled_from([value.lower(), value.upper()])
    if kind is Kind.DATE:
        return st.sampled_from([value, _iso(value, 0), _iso(value, 2), _iso(value, -5)])
    return st.just(value)


def operand_near(records: Sequence[Rec], name: str, operator: str) -> st.SearchStrategy[Any]:
    """An operand for ``operator`` built from the values the records hold, so it often matches some."""
    kind, attr, many = FILTERS[name]
    stored = [
        value for record in records for value in (getattr(record, attr) if many else [getattr(record, attr)])
    ]
    stored = [value for value in stored if value is not None]
    if not stored:
        return operand_strategy(kind, operator)
    scalar = st.sampled_from(stored).flatmap(functools.partial(near, kind))
    if operator in ("valueIn", "valueNotIn"):
        return mostly(st.lists(scalar | SCALARS[kind], max_size=3))
    if operator in ("like", "iLike"):
        return mostly(st.sampled_from(stored).flatmap(like_pattern_for))
    return mostly(scalar)


searches = st.none() | st.fixed_dictionaries(
    {"key": st.sampled_from(sorted(SEARCH_KEYS)), "value": st.text(ALPHABET + "rdy", max_size=2)}
)
orders = st.none() | st.fixed_dictionaries(
    {"order": st.sampled_from(["ASC", "DESC"]), "sort": st.sampled_from(sorted(SORTS))}
)
limits = st.none() | st.just(0) | st.integers(1, MAX_LIMIT) | st.integers(MAX_LIMIT + 1, 50)
offsets = st.none() | st.integers(0, 12)
list_args = st.builds(
    ListArgs, filter=st.none() | filters, limit=limits, offset=offsets, order=orders, search=searches
)


def ids(page_data: Sequence[Rec]) -> list[str]:
    return [record.id for record in page_data]


# ---------------------------------------------------------------- properties


@PROPERTY
@given(records=records, args=list_args)
def test_a_page_is_the_references_page(records: list[Rec], args: ListArgs) -> None:
    page = run_list(records, SPEC, args, max_limit=MAX_LIMIT)
    expected_ids, expected_total = ref_page(records, args, MAX_LIMIT)
    assert ids(page.data) == expected_ids
    assert page.total_count == expected_total


@PROPERTY
@given(records=records, field_operator=st.sampled_from(FIELD_OPERATORS), order=orders, data=st.data())
def test_each_operator_alone_filters_as_the_reference_does(
    records: list[Rec], field_operator: tuple[str, str], order: dict[str, str] | None, data: st.DataObject
) -> None:
    name, operator = field_operator
    operand = data.draw(operand_near(records, name, operator) | operand_strategy(FILTERS[name][0], operator))
    args = ListArgs(filter={name: {operator: operand}}, order=order)
    page = run_list(records, SPEC, args, max_limit=len(ID_POOL))
    expected_ids, expected_total = ref_page(records, args, len(ID_POOL))
    assert ids(page.data) == expected_ids
    assert page.total_count == expected_total


@PROPERTY
@given(
    records=records,
    operator=st.sampled_from(["like", "iLike"]),
    field=st.sampled_from(["name", "tag"]),
    data=st.data(),
)
def test_like_and_ilike_match_as_the_reference_does(
    records: list[Rec], operator: str, field: str, data: st.DataObject
) -> None:
    texts = [record.name for record in records if record.name is not None]
    texts += [tag for record in records for tag in record.tags]
    text = data.draw(st.sampled_from(texts) if texts else names)
    pattern = data.draw(like_pattern_for(text) | patterns)
    args = ListArgs(filter={field: {operator: pattern}})
    page = run_list(records, SPEC, args, max_limit=len(ID_POOL))
    assert ids(page.data) == ref_page(records, args, len(ID_POOL))[0]


@PROPERTY
@given(records=records, key=st.sampled_from(sorted(SEARCH_KEYS)), data=st.data())
def test_search_is_a_case_sensitive_substring_match(
    records: list[Rec], key: str, data: st.DataObject
) -> None:
    texts = [value for record in records if (value := getattr(record, SEARCH_KEYS[key])) is not None]
    text = data.draw(st.sampled_from(texts) if texts else names)
    start = data.draw(st.integers(0, len(text)))
    value = text[start : data.draw(st.integers(start, len(text)))]
    value = data.draw(st.sampled_from([value, value.swapcase(), value.upper()]))
    args = ListArgs(search={"key": key, "value": value})
    page = run_list(records, SPEC, args, max_limit=len(ID_POOL))
    assert ids(page.data) == ref_page(records, args, len(ID_POOL))[0]


@PROPERTY
@given(records=records, args=list_args)
def test_total_count_ignores_limit_and_offset(records: list[Rec], args: ListArgs) -> None:
    paged = run_list(records, SPEC, args, max_limit=MAX_LIMIT)
    whole = run_list(records, SPEC, replace(args, limit=None, offset=None), max_limit=1000)
    assert paged.total_count == whole.total_count == len(whole.data)


@PROPERTY
@given(records=records, args=list_args, size=st.integers(1, MAX_LIMIT))
def test_consecutive_pages_partition_the_ordered_result(
    records: list[Rec], args: ListArgs, size: int
) -> None:
    whole = ids(run_list(records, SPEC, replace(args, limit=None, offset=None), max_limit=1000).data)
    pages = [
        ids(run_list(records, SPEC, replace(args, limit=size, offset=offset), max_limit=MAX_LIMIT).data)
        for offset in range(0, len(whole) + size, size)
    ]
    assert all(len(page) == size for page in pages[:-2])
    assert pages[-1] == []
    assert list(itertools.chain.from_iterable(pages)) == whole


@PROPERTY
@given(records=records, order=orders, data=st.data())
def test_the_order_is_total_with_ties_broken_by_id(
    records: list[Rec], order: dict[str, str] | None, data: st.DataObject
) -> None:
    args = ListArgs(order=order)
    result = run_list(records, SPEC, args, max_limit=1000).data
    shuffled = data.draw(st.permutations(records))
    assert ids(run_list(shuffled, SPEC, args, max_limit=1000).data) == ids(result)
    if order is None:
        default = ListArgs(order={"order": "DESC", "sort": "createdAt"})
        assert ids(run_list(records, SPEC, default, max_limit=1000).data) == ids(result)
    sort, direction = ("createdAt", "DESC") if order is None else (order["sort"], order["order"])
    key = attrgetter(SORTS[sort])
    for before, after in itertools.pairwise(result):
        if key(before) == key(after):
            assert (before.id < after.id) if direction == "ASC" else (before.id > after.id)
    compare = ref_comparator(order)
    assert all(compare(before, after) < 0 for before, after in itertools.pairwise(result))


@PROPERTY
@given(
    records=records,
    sort=st.sampled_from(NULLABLE_SORTS),
    direction=st.sampled_from(["ASC", "DESC"]),
    limit=limits,
    offset=offsets,
)
def test_nulls_sort_last_ascending_and_first_descending(
    records: list[Rec], sort: str, direction: str, limit: int | None, offset: int | None
) -> None:
    args = ListArgs(order={"order": direction, "sort": sort}, limit=limit, offset=offset)
    key = attrgetter(SORTS[sort])
    nulls = [key(record) is None for record in run_list(records, SPEC, args, max_limit=MAX_LIMIT).data]
    assert nulls == sorted(nulls, reverse=direction == "DESC")
    everything = [key(record) is None for record in run_list(records, SPEC, ListArgs(order=args.order)).data]
    expected = [False] * everything.count(False) + [True] * everything.count(True)
    assert everything == (expected if direction == "ASC" else expected[::-1])
