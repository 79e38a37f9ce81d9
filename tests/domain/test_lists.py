"""Examples of ROQ's list rules: validation errors, paging, uuid case, LIKE escapes and relation filters."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from operator import attrgetter
from typing import Any

import pytest

from roqmock.domain.errors import ValidationError
from roqmock.domain.lists import FilterField, Kind, ListArgs, ListSpec, run_list
from roqmock.domain.models import Message
from roqmock.domain.specs import MESSAGE_SPEC

BASE = datetime(2024, 1, 1, tzinfo=UTC)
A = "6f1c0a52-3b1e-4c1a-8d8e-2f5b7c9d1e01"
B = "6f1c0a52-3b1e-4c1a-8d8e-2f5b7c9d1e02"
C = "6f1c0a52-3b1e-4c1a-8d8e-2f5b7c9d1e03"
D = "6f1c0a52-3b1e-4c1a-8d8e-2f5b7c9d1e04"


@dataclass(frozen=True)
class Row:
    id: str
    name: str | None = None
    created_at: datetime = BASE
    member_ids: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()


SPEC: ListSpec[Row] = ListSpec(
    filters={
        "id": FilterField(Kind.ID, attrgetter("id")),
        "name": FilterField(Kind.STRING, attrgetter("name")),
        "memberId": FilterField(Kind.MEMBER_ID, attrgetter("member_ids"), many=True),
        "memberRowId": FilterField(Kind.ID, attrgetter("member_ids"), many=True),
        "tag": FilterField(Kind.STRING, attrgetter("tags"), many=True),
    },
    sorts={"createdAt": attrgetter("created_at"), "name": attrgetter("name")},
    search_keys={"name": attrgetter("name")},
    id_of=attrgetter("id"),
)


def rows(*names: str | None) -> list[Row]:
    """One row a name, created a millisecond apart, with ids 000…001, 000…002, …"""
    return [
        Row(id=f"00000000-0000-4000-8000-{n:012d}", name=name, created_at=BASE + timedelta(milliseconds=n))
        for n, name in enumerate(names, start=1)
    ]


def names_of(records: list[Row], **args: Any) -> list[str | None]:
    return [row.name for row in run_list(records, SPEC, ListArgs(**args)).data]


def ids_of(records: list[Row], **args: Any) -> list[str]:
    return [row.id for row in run_list(records, SPEC, ListArgs(**args)).data]


def validation_error(spec: ListSpec[Any], **args: Any) -> ValidationError:
    with pytest.raises(ValidationError) as raised:
        run_list([], spec, ListArgs(**args))
    return raised.value


# ---------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("field", "operator"),
    [
        ("id", "equalTo"),
        ("id", "notEqualTo"),
        ("memberRowId", "equalTo"),
        ("memberRowId", "notEqualTo"),
        ("memberId", "equalTo"),  # MemberIdFilterArgType has only equalTo
    ],
)
def test_an_id_filter_value_that_is_not_a_uuid_is_rejected(field: str, operator: str) -> None:
    error = validation_error(SPEC, filter={field: {operator: "not-a-uuid"}})
    assert error.status == 400
    assert error.error_code == "IS_UUID"
    assert error.message == f"{operator} must be a UUID"
    assert error.variables["property"] == operator
    assert error.variables["isValidationError"] is True


def test_equal_to_with_a_bad_uuid_is_worded_as_roq_words_it() -> None:
    error = validation_error(SPEC, filter={"id": {"equalTo": "42"}})
    assert (error.error_code, error.message) == ("IS_UUID", "equalTo must be a UUID")
    assert error.variables["property"] == "equalTo"
    assert error.variables["isValidationError"] is True


@pytest.mark.parametrize("operator", ["valueIn", "valueNotIn"])
def test_a_list_of_ids_with_one_bad_uuid_is_rejected(operator: str) -> None:
    error = validation_error(SPEC, filter={"id": {operator: [A, "nope", B]}})
    assert error.error_code == "IS_UUID"
    assert error.message == f"each value in {operator} must be a UUID"
    assert error.variables["property"] == operator
    assert error.variables["isValidationError"] is True


def test_a_uuid_in_another_form_is_not_a_uuid() -> None:
    for value in (A.replace("-", ""), "{" + A + "}", A + " ", A[:-1]):
        assert validation_error(SPEC, filter={"id": {"equalTo": value}}).error_code == "IS_UUID"


@pytest.mark.parametrize("name", ["limit", "offset"])
def test_a_negative_limit_or_offset_is_rejected(name: str) -> None:
    error = validation_error(SPEC, **{name: -1})
    assert error.status == 400
    assert error.error_code == "MIN"
    assert error.variables["property"] == name
    assert error.variables["isValidationError"] is True


def test_a_search_on_an_unknown_key_is_rejected() -> None:
    error = validation_error(SPEC, search={"key": "title", "value": "x"})
    assert error.error_code == "IS_IN"
    assert error.variables["property"] == "key"
    assert error.variables["isValidationError"] is True


@pytest.mark.parametrize(
    ("order", "bad"),
    [
        ({"order": "asc", "sort": "createdAt"}, "order"),
        ({"order": "Desc", "sort": "createdAt"}, "order"),
        ({"order": "ASC", "sort": "nope"}, "sort"),
        ({"order": "DESC", "sort": "created_at"}, "sort"),
    ],
)
def test_a_free_message_order_with_a_bad_value_is_rejected(order: dict[str, str], bad: str) -> None:
    error = validation_error(MESSAGE_SPEC, order=order)
    assert error.status == 400
    assert error.error_code == "IS_IN"
    assert error.variables["property"] == bad
    assert error.variables["isValidationError"] is True
    assert error.message.startswith(f"{bad} must be one of the following values: ")


def test_a_free_message_order_with_good_values_sorts() -> None:
    messages = [
        Message(id=identifier, body=body, conversation_id=A, author_id=None, created_at=at, updated_at=at)
        for identifier, body, at in (
            (B, "b", BASE),
            (C, "a", BASE + timedelta(milliseconds=1)),
            (D, "c", BASE + timedelta(milliseconds=2)),
        )
    ]
    page = run_list(messages, MESSAGE_SPEC, ListArgs(order={"order": "ASC", "sort": "body"}))
    assert [message.body for message in page.data] == ["a", "b", "c"]
    page = run_list(messages, MESSAGE_SPEC, ListArgs())
    assert [message.body for message in page.data] == ["c", "a", "b"]


# ---------------------------------------------------------------- limit and offset


@pytest.mark.parametrize("limit", [None, 0, 6, 1000])
def test_a_missing_zero_or_too_large_limit_gives_the_maximum(limit: int | None) -> None:
    records = rows(*"abcdefg")
    page = run_list(records, SPEC, ListArgs(limit=limit), max_limit=5)
    assert [row.name for row in page.data] == list("gfedc")
    assert page.total_count == 7


@pytest.mark.parametrize("limit", [1, 3, 5])
def test_a_limit_up_to_the_maximum_is_kept(limit: int) -> None:
    page = run_list(rows(*"abcdefg"), SPEC, ListArgs(limit=limit), max_limit=5)
    assert len(page.data) == limit
    assert page.total_count == 7


def test_offset_skips_and_total_count_ignores_the_window() -> None:
    records = rows(*"abcdefg")
    page = run_list(records, SPEC, ListArgs(limit=2, offset=3, order={"order": "ASC", "sort": "name"}))
    assert [row.name for row in page.data] == ["d", "e"]
    assert page.total_count == 7
    beyond = run_list(records, SPEC, ListArgs(offset=10))
    assert (beyond.data, beyond.total_count) == ([], 7)


def test_the_default_maximum_is_1000() -> None:
    records = [
        Row(id=f"00000000-0000-4000-8000-{n:012d}", created_at=BASE + timedelta(milliseconds=n))
        for n in range(1001)
    ]
    page = run_list(records, SPEC, ListArgs())
    assert len(page.data) == 1000
    assert page.total_count == 1001


# ---------------------------------------------------------------- uuids, LIKE, search


def test_uuids_compare_whatever_their_case() -> None:
    records = [Row(id=A, name="a"), Row(id=B.upper(), name="b"), Row(id=C, name="c", member_ids=(D,))]
    assert names_of(records, filter={"id": {"equalTo": A.upper()}}) == ["a"]
    assert names_of(records, filter={"id": {"equalTo": B}}) == ["b"]
    assert sorted(names_of(records, filter={"id": {"notEqualTo": A.upper()}})) == ["b", "c"]
    assert sorted(names_of(records, filter={"id": {"valueIn": [A.upper(), B]}})) == ["a", "b"]
    assert names_of(records, filter={"id": {"valueNotIn": [A.upper(), B]}}) == ["c"]
    assert names_of(records, filter={"memberId": {"equalTo": D.upper()}}) == ["c"]


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("50\\%", ["50%"]),
        ("50%", ["50", "50%", "500"]),
        ("a\\_b", ["a_b"]),
        ("a_b", ["a_b", "axb"]),
        ("%\\\\%", ["back\\slash"]),
        ("\\a_b", ["a_b", "axb"]),
        ("%", ["", "50", "50%", "500", "a_b", "axb", "back\\slash", "AXB"]),
        ("", [""]),
    ],
)
def test_like_uses_the_pattern_verbatim_with_backslash_escapes(pattern: str, expected: list[str]) -> None:
    records = rows("", "50", "50%", "500", "a_b", "axb", "back\\slash", "AXB", None)
    assert sorted(names_of(records, filter={"name": {"like": pattern}})) == sorted(expected)


def test_like_matches_the_whole_value_and_any_character_including_a_newline() -> None:
    records = rows("ab", "xab", "a\nb", "a\n")
    assert sorted(names_of(records, filter={"name": {"like": "a_b"}})) == ["a\nb"]
    assert sorted(names_of(records, filter={"name": {"like": "a%"}})) == ["a\n", "a\nb", "ab"]


def test_ilike_ignores_case_and_like_does_not() -> None:
    records = rows("Hello", "hello", "HELLO", "help", None)
    assert names_of(records, filter={"name": {"like": "hel%"}}) == ["help", "hello"]
    assert sorted(names_of(records, filter={"name": {"iLike": "hel%"}})) == [
        "HELLO",
        "Hello",
        "hello",
        "help",
    ]
    assert sorted(names_of(records, filter={"name": {"iLike": "HELLO"}})) == ["HELLO", "Hello", "hello"]
    assert names_of(records, filter={"name": {"iLike": "h\\E%"}}) == ["help", "HELLO", "hello", "Hello"]


def test_operators_of_one_field_are_anded() -> None:
    records = rows("alpha", "alps", "beta", None)
    assert names_of(records, filter={"name": {"like": "al%", "notEqualTo": "alps"}}) == ["alpha"]
    assert names_of(records, filter={"name": {"like": "al%", "equalTo": None}}) == []


def test_null_operands() -> None:
    records = rows("a", None, "b")
    assert names_of(records, filter={"name": {"equalTo": None}}) == [None]
    assert names_of(records, filter={"name": {"notEqualTo": None}}) == ["b", "a"]
    for operator in ("like", "iLike", "valueIn", "valueNotIn"):
        assert names_of(records, filter={"name": {operator: None}}) == ["b", None, "a"]


def test_a_null_column_matches_no_other_operator_and_empty_lists() -> None:
    records = rows("a", None, "b")
    assert names_of(records, filter={"name": {"notEqualTo": "a"}}) == ["b"]
    assert names_of(records, filter={"name": {"valueNotIn": ["a"]}}) == ["b"]
    assert names_of(records, filter={"name": {"valueIn": []}}) == []
    assert names_of(records, filter={"name": {"valueNotIn": []}}) == ["b", None, "a"]


def test_search_is_a_case_sensitive_substring_of_the_key() -> None:
    records = rows("Hello world", "hello", "say hello", None)
    assert names_of(records, search={"key": "name", "value": "hello"}) == ["say hello", "hello"]
    assert names_of(records, search={"key": "name", "value": "o w"}) == ["Hello world"]
    assert names_of(records, search={"key": "name", "value": ""}) == ["say hello", "hello", "Hello world"]


# ---------------------------------------------------------------- relation filters (many=True)


def test_a_relation_filter_matches_when_any_related_row_matches() -> None:
    records = [
        Row(id=A, name="both", member_ids=(B, C)),
        Row(id=B, name="only-b", member_ids=(B,)),
        Row(id=C, name="none"),
    ]
    assert sorted(names_of(records, filter={"memberRowId": {"equalTo": C}})) == ["both"]
    assert sorted(names_of(records, filter={"memberRowId": {"notEqualTo": B}})) == ["both"]
    assert sorted(names_of(records, filter={"memberRowId": {"valueIn": [B]}})) == ["both", "only-b"]
    assert sorted(names_of(records, filter={"memberRowId": {"valueNotIn": [B]}})) == ["both"]
    assert sorted(names_of(records, filter={"memberId": {"equalTo": B}})) == ["both", "only-b"]


def test_all_operators_of_a_relation_filter_hold_on_one_related_row() -> None:
    records = [Row(id=A, name="x", tags=("apple", "berry")), Row(id=B, name="y", tags=("apricot",))]
    # each operator holds on some tag of "x", never both on the same tag
    assert names_of(records, filter={"tag": {"like": "a%", "notEqualTo": "apple"}}) == ["y"]
    assert names_of(records, filter={"tag": {"like": "a%", "iLike": "%Y"}}) == []


def test_a_record_with_no_related_row_matches_as_a_null_column() -> None:
    records = [Row(id=A, name="members", member_ids=(B,)), Row(id=C, name="empty")]
    assert names_of(records, filter={"memberRowId": {"equalTo": None}}) == ["empty"]
    assert names_of(records, filter={"memberRowId": {"notEqualTo": None}}) == ["members"]
    assert names_of(records, filter={"memberRowId": {"notEqualTo": D}}) == ["members"]
    assert names_of(records, filter={"memberRowId": {"valueNotIn": [D]}}) == ["members"]
    assert sorted(names_of(records, filter={"memberRowId": {"valueNotIn": []}})) == ["empty", "members"]
    assert names_of(records, filter={"memberId": {"equalTo": D}}) == []
    assert sorted(names_of(records, filter={"tag": {"like": None}})) == ["empty", "members"]


# ---------------------------------------------------------------- order


def test_without_order_the_newest_comes_first_and_ties_break_by_id_in_the_same_direction() -> None:
    records = [Row(id=A, created_at=BASE), Row(id=C, created_at=BASE), Row(id=B, created_at=BASE)]
    assert ids_of(records) == [C, B, A]
    assert ids_of(records, order={"order": "ASC", "sort": "createdAt"}) == [A, B, C]


def test_nulls_sort_last_ascending_and_first_descending_and_strings_by_code_point() -> None:
    records = rows("b", None, "B", "a", "é")
    assert names_of(records, order={"order": "ASC", "sort": "name"}) == ["B", "a", "b", "é", None]
    assert names_of(records, order={"order": "DESC", "sort": "name"}) == [None, "é", "b", "a", "B"]


@pytest.mark.parametrize("pattern", ["abc\\", "a\\\\\\"])
def test_a_like_pattern_ending_in_a_lone_escape_is_rejected(pattern: str) -> None:
    # PostgreSQL refuses such a pattern ("LIKE pattern must not end with escape character").
    error = validation_error(MESSAGE_SPEC, filter={"body": {"like": pattern}})
    assert error.error_code == "INVALID_LIKE_PATTERN"
    assert error.variables["property"] == "like"
