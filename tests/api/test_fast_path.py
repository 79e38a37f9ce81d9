"""The compiled fast path answers exactly as graphql-core does: a differential test of ``GraphQLEngine``.

Two roqmocks on the same seeded world, one whose engine runs every request through graphql-core's
``execute_sync`` (``compiled=False``, the reference) and one whose engine runs compiled plans
(``compiled=True``), get the same requests from the same callers. Their HTTP statuses, their JSON bodies
byte for byte (key order included), their worlds afterwards, their journals and their permission coverage
must be equal. Requests are written by Hypothesis from the schema
(``tests/support/graphql_documents.py``); each document runs twice, the second time with other variables
and often another caller, so that the second run goes through the plan the first one compiled. After
writes both worlds are reset, and the reset must return them to their baseline exactly.

``pytest tests/api/test_fast_path.py --hypothesis-show-statistics`` lists what the examples exercised.
"""

from __future__ import annotations

import copy
import difflib
import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from graphql import (
    DirectiveNode,
    FieldNode,
    GraphQLError,
    GraphQLField,
    GraphQLList,
    GraphQLObjectType,
    GraphQLResolveInfo,
    GraphQLSchema,
    GraphQLString,
    InlineFragmentNode,
    OperationDefinitionNode,
    VariableNode,
    Visitor,
    execute_sync,
    parse,
    visit,
)
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from support.graphql_documents import Pool, Request, callers, requests

from roqmock.answers import AnswerCache
from roqmock.api.engine import CLIENT_GRAPH_MUTATIONS, GraphQLEngine
from roqmock.api.graphql_lines import GRAPHQL_CORE_3_3
from roqmock.api.plan import DocumentPlans
from roqmock.api.rendering import json_bytes
from roqmock.baseline import Baseline
from roqmock.config import Settings
from roqmock.domain.clock import Clock
from roqmock.domain.roles import Role, parse_permission
from roqmock.mock import Outcome, RoqMock
from roqmock.seed import BOT_REFERENCE, WorldSize

# The reference and the compiled engine, shared by every world (an engine holds no world).
REFERENCE = GraphQLEngine(compiled=False)
COMPILED = GraphQLEngine(compiled=True)
SCHEMA = REFERENCE.schema

# New records get their timestamps from a virtual clock, so that two worlds stay equal byte for byte.
FAST_PATH_SECRET = "fast-path-" + "s" * 32
PINNED_CLOCK = datetime(2030, 1, 1, tzinfo=UTC)
PINNED_WALL_MS = int(PINNED_CLOCK.timestamp() * 1000)

EXTRA_ROLES = {
    "auditor": Role(
        "auditor",
        "Auditor",
        tuple(
            parse_permission(text)
            for text in ("Conversation:read:all", "Message:read:all", "User:read:all", "File:read:all")
        ),
    ),
    "support": Role(
        "support",
        "Support",
        tuple(
            parse_permission(text)
            for text in (
                "Conversation:read:tenant",
                "Conversation:update:tenant",
                "Conversation:delete:tenant",
                "Message:read:tenant",
            )
        ),
    ),
}

EXAMPLES = settings(
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)


class Twin:
    """Two roqmocks on one baseline world: graphql-core alone, and roqmock's fast path (plans, and the
    answers it keeps while the world is unchanged)."""

    def __init__(
        self, name: str, reference: RoqMock, compiled: RoqMock, pool: Pool, baseline_state: dict[str, Any]
    ) -> None:
        self.name = name
        self.reference = reference
        self.compiled = compiled
        self.pool = pool
        self.baseline_state = baseline_state
        self.dirty = False

    @classmethod
    def build(cls, name: str, baseline: Baseline, settings_: Settings) -> Twin:
        reference = RoqMock(settings_, baseline=baseline, engine=REFERENCE)
        compiled = RoqMock(settings_, baseline=baseline, engine=COMPILED)
        reference.answers = AnswerCache(max_answers=0)  # graphql-core runs every call
        for mock in (reference, compiled):
            mock.store.clock = Clock(PINNED_CLOCK)
            mock.wall_ms = lambda: PINNED_WALL_MS  # download URLs sign their expiry
        state = reference.dump_state()
        assert compiled.dump_state() == state
        ids = copy.deepcopy(reference.store.ids)
        pool = Pool.from_state(state, next_ids=[ids.new() for _ in range(6)])
        return cls(name, reference, compiled, pool, state)

    def begin(self) -> None:
        """Start an example on the baseline world with an empty journal and coverage."""
        if self.dirty:
            self.reset()
        for mock in (self.reference, self.compiled):
            mock.journal.clear()
            mock.coverage.clear()

    def reset(self) -> None:
        for mock in (self.reference, self.compiled):
            mock.reset()
            mock.store.clock = Clock(PINNED_CLOCK)
        self.dirty = False

    def reset_and_check(self) -> None:
        """Back to the baseline after writes, checking that the reset got there."""
        self.reset()
        for mock in (self.reference, self.compiled):
            state = mock.dump_state()
            if state != self.baseline_state:
                self.dirty = True
                raise AssertionError(
                    _diff(
                        "the baseline and the world after reset()",
                        _text(self.baseline_state),
                        _text(state),
                        ("baseline", "after reset()"),
                    )
                )

    def __repr__(self) -> str:
        return f"<Twin {self.name}>"


def _twins() -> list[Twin]:
    roles = {**Settings().roles, **EXTRA_ROLES}
    # Extra roles exist in the first world, and two of its people hold them from the start: build the
    # baseline as a saved state (its ids come from another seed than the seeded world's).
    seeded = RoqMock(
        Settings(token_secret=FAST_PATH_SECRET, roles=roles),
        baseline=Baseline(seed=11, size=WorldSize(users=6, conversations=5, messages=40, files=3)),
    )
    people = sorted(
        (user for user in seeded.dump_state()["users"] if user["reference"] != BOT_REFERENCE),
        key=lambda user: user["reference"],
    )
    for person, role in zip(people[1:3], ("auditor", "support"), strict=True):
        seeded.execute(
            "mutation($r: [String!]!, $u: ID!) { assignRolesToUser(roleKeys: $r, userId: $u) }",
            {"r": [role], "u": person["id"]},
        )
    return [
        Twin.build(
            "roles",
            Baseline(seed=1011, state=seeded.dump_state()),
            Settings(token_secret=FAST_PATH_SECRET, roles=roles),
        ),
        Twin.build(
            "small",
            Baseline(seed=5, size=WorldSize(users=3, conversations=2, messages=8, files=2, tenants=1)),
            Settings(token_secret=FAST_PATH_SECRET),
        ),
        Twin.build(
            "no-tenants",
            Baseline(seed=2024, size=WorldSize(users=4, conversations=3, messages=12, files=4, tenants=0)),
            Settings(token_secret=FAST_PATH_SECRET),
        ),
    ]


TWINS = _twins()


@pytest.fixture(autouse=True)
def _fresh_worlds() -> Iterator[None]:
    """Tests start, and leave, every world on its baseline."""
    for twin in TWINS:
        twin.dirty = True
        twin.begin()
    yield
    for twin in TWINS:
        twin.dirty = True


# ---------------------------------------------------------------- comparing


def _text(value: Any) -> str:
    return json.dumps(value, sort_keys=False, indent=1, ensure_ascii=False, default=repr)


def _journal(mock: RoqMock) -> list[Any]:
    return [
        (call.operation, list(call.fields), call.caller, call.variables, call.status, call.error_code)
        for call in mock.journal.calls()
    ]


def _mutations(client_graph: bool) -> frozenset[str] | None:
    return CLIENT_GRAPH_MUTATIONS if client_graph else None


def _describe(request: Request, body: dict[str, Any], caller: str | None, client_graph: bool) -> str:
    who = "the super admin" if caller is None else caller
    return (
        f"caller: {who}{' (client graph)' if client_graph else ''}\n"
        f"query:\n{request.query}\n"
        f"variables: {json.dumps(body.get('variables'))}\n"
        f"operationName: {json.dumps(body.get('operationName'))}"
    )


def _diff(
    label: str, expected: str, actual: str, names: tuple[str, str] = ("graphql-core", "compiled")
) -> str:
    lines = difflib.unified_diff(expected.splitlines(), actual.splitlines(), *names, lineterm="", n=2)
    return f"{label} differ:\n" + "\n".join(lines)


def run_both(
    twin: Twin,
    request: Request,
    caller: str | None,
    *,
    again: bool = False,
    client_graph: bool = False,
) -> tuple[Outcome, Outcome]:
    """Send one request to both roqmocks and check that everything observable agrees."""
    body = request.body(again=again)
    if request.has_mutation:
        twin.dirty = True
    expected = twin.reference.handle(copy.deepcopy(body), caller, mutations=_mutations(client_graph))
    actual = twin.compiled.handle(copy.deepcopy(body), caller, mutations=_mutations(client_graph))
    context = _describe(request, body, caller, client_graph)
    assert (actual.status, actual.delay_s) == (expected.status, expected.delay_s), (
        f"status {actual.status} where graphql-core answers {expected.status}\n{context}\n"
        f"graphql-core: {_text(expected.answer)}\ncompiled: {_text(actual.answer)}"
    )
    expected_text, actual_text = _text(expected.answer), _text(actual.answer)
    assert actual_text == expected_text, _diff("answers", expected_text, actual_text) + "\n" + context
    # Byte for byte as served, key order included.
    assert json.dumps(actual.answer) == json.dumps(expected.answer), context
    if actual.content is not None:  # the bytes of a kept answer, as served
        assert actual.content == json_bytes(expected.answer), f"a kept answer's bytes differ\n{context}"
    expected_world, actual_world = twin.reference.dump_state(), twin.compiled.dump_state()
    if actual_world != expected_world:
        raise AssertionError(_diff("worlds", _text(expected_world), _text(actual_world)) + "\n" + context)
    assert _journal(twin.compiled) == _journal(twin.reference), f"journals differ\n{context}"
    assert twin.compiled.coverage.rows() == twin.reference.coverage.rows(), (
        f"permission coverage differs\n{context}"
    )
    return expected, actual


def check_request(
    data: st.DataObject, twin: Twin, request_for: Callable[[str | None], st.SearchStrategy[Request]]
) -> tuple[Request, list[tuple[Outcome, Outcome]]]:
    """Draw a caller and a request, run it, then run the document again (its cached plan)."""
    twin.begin()
    caller = data.draw(callers(twin.pool), label="caller")
    request = data.draw(request_for(caller), label="request")
    client_graph = data.draw(st.integers(0, 99), label="client graph") >= 92
    outcomes = [run_both(twin, request, caller, client_graph=client_graph)]
    _note(request, outcomes[0][0])
    second_caller = data.draw(st.one_of(st.just(caller), callers(twin.pool)), label="second caller")
    outcomes.append(run_both(twin, request, second_caller, again=True, client_graph=client_graph))
    if twin.dirty:
        twin.reset_and_check()
    return request, outcomes


twins = st.sampled_from(TWINS)


_NOTED_FIELDS = {
    *(name for root in (SCHEMA.query_type, SCHEMA.mutation_type) if root for name in root.fields),
    *("tags", "roles", "file", "tenant", "fileCategory", "createdByUser", "fileAssociations", "userGroups"),
    *("__typename", "__schema", "__type", "deletedAt"),
}


class _Features(Visitor):
    """What a document uses, for the statistics."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: set[str] = set()
        self.operations = 0

    def enter_operation_definition(self, node: OperationDefinitionNode, *_: Any) -> None:
        self.operations += 1
        if node.variable_definitions:
            self.seen.add("feature: variables")

    def enter_field(self, node: FieldNode, *_: Any) -> None:
        if node.name.value in _NOTED_FIELDS:
            self.seen.add(f"field: {node.name.value}")
        if node.alias is not None:
            self.seen.add("feature: alias")

    def enter_fragment_spread(self, *_: Any) -> None:
        self.seen.add("feature: fragment spread")

    def enter_inline_fragment(self, node: InlineFragmentNode, *_: Any) -> None:
        condition = "with" if node.type_condition is not None else "without"
        self.seen.add(f"feature: inline fragment {condition} type condition")

    def enter_directive(self, node: DirectiveNode, *_: Any) -> None:
        literal = all(not isinstance(argument.value, VariableNode) for argument in node.arguments or ())
        self.seen.add(f"feature: @{node.name.value} with a {'literal' if literal else 'variable'}")


def _note(request: Request, outcome: Outcome) -> None:
    """What the example exercised (``pytest --hypothesis-show-statistics`` lists these)."""
    errors = outcome.answer.get("errors") or []
    code = errors[0]["extensions"]["response"]["errorCode"] if errors else "ok"
    event(f"answer: {outcome.status} {code}")
    if outcome.status == 200 and outcome.answer.get("data") is not None:
        event("answer: data" + (" with errors" if errors else ""))
    features = _Features()
    try:
        visit(parse(request.query), features)
    except GraphQLError:
        event("feature: does not parse")
        return
    if features.operations > 1:
        features.seen.add("feature: several operations")
    for feature in sorted(features.seen):
        event(feature)


# ---------------------------------------------------------------- properties


@settings(EXAMPLES, max_examples=400)
@given(data=st.data())
def test_queries_answer_as_graphql_core(data: st.DataObject) -> None:
    twin = data.draw(twins, label="world")
    check_request(data, twin, lambda caller: requests(SCHEMA, twin.pool, caller=caller, sdk_share=25))


@settings(EXAMPLES, max_examples=350)
@given(data=st.data())
def test_mutations_answer_and_write_as_graphql_core(data: st.DataObject) -> None:
    twin = data.draw(twins, label="world")
    kinds = data.draw(st.sampled_from([("mutation",), ("mutation", "query")]), label="kinds")
    check_request(
        data, twin, lambda caller: requests(SCHEMA, twin.pool, caller=caller, kinds=kinds, sdk_share=30)
    )


@settings(EXAMPLES, max_examples=250)
@given(data=st.data())
def test_broken_requests_are_refused_as_graphql_core_refuses_them(data: st.DataObject) -> None:
    twin = data.draw(twins, label="world")
    kinds = data.draw(st.sampled_from([("query",), ("mutation",), ("query", "mutation")]), label="kinds")
    check_request(
        data, twin, lambda caller: requests(SCHEMA, twin.pool, caller=caller, kinds=kinds, wild=True)
    )


@settings(EXAMPLES, max_examples=100)
@given(data=st.data())
def test_valid_queries_run_on_their_plan(data: st.DataObject) -> None:
    """What the plan covers, it runs: a valid query whose variables coerce never falls back."""
    twin = data.draw(twins, label="world")
    before = COMPILED.plan_stats.copy()
    hits = twin.compiled.answers.hits
    request, outcomes = check_request(
        data,
        twin,
        lambda caller: requests(
            SCHEMA, twin.pool, caller=caller, lenient=False, introspection=False, sdk_share=20
        ),
    )
    executed = sum(1 for expected, _ in outcomes if expected.status == 200)
    executed -= twin.compiled.answers.hits - hits  # answered from a kept answer: no plan ran
    counts = {key: COMPILED.plan_stats[key] - before[key] for key in ("compiled", "fallback")}
    assert counts == {"compiled": executed, "fallback": 0}, (
        f"{counts} for {executed} executed runs of\n{request.query}\n"
        f"variables: {json.dumps(request.variables)} then {json.dumps(request.variables_again)}\n"
        f"operationName: {json.dumps(request.operation_name)}"
    )


def test_the_engines_are_what_they_claim() -> None:
    assert REFERENCE.compiled is False and COMPILED.compiled is True
    twin = TWINS[0]
    before = (REFERENCE.plan_stats.copy(), COMPILED.plan_stats.copy())
    body = {"query": "{ conversations { totalCount } }"}
    assert twin.reference.handle(body, None).status == twin.compiled.handle(body, None).status == 200
    assert REFERENCE.plan_stats["compiled"] == before[0]["compiled"]
    assert COMPILED.plan_stats["compiled"] == before[1]["compiled"] + 1


# ---------------------------------------------------------------- tricky cases, one by one


def agree(
    query: str,
    variables: Any = None,
    *,
    caller: str | None = None,
    operation_name: str | None = None,
    client_graph: bool = False,
    twin: Twin | None = None,
) -> Outcome:
    """Run one request on both engines of a world (the first one by default); return the answer."""
    twin = twin or TWINS[0]
    twin.begin()
    request = Request(query, variables, variables, operation_name, has_mutation=True)
    expected, _ = run_both(twin, request, caller, client_graph=client_graph)
    return expected


def errors_of(outcome: Outcome) -> list[tuple[str, list[Any] | None]]:
    return [
        (error["extensions"]["response"]["errorCode"], error.get("path"))
        for error in outcome.answer.get("errors", [])
    ]


@pytest.fixture
def world() -> dict[str, Any]:
    return TWINS[0].baseline_state


@pytest.fixture
def pool() -> Pool:
    return TWINS[0].pool


NOBODY = "00000000-0000-4000-8000-000000000000"


def test_an_error_in_one_root_field_nulls_the_whole_answer(pool: Pool) -> None:
    # graphql-core stops at the first root field that fails: files is never read (the coverage says so).
    outcome = agree(
        f'{{ conversations {{ totalCount }} u: user(id: "{NOBODY}") {{ id }} files {{ totalCount }} }}'
    )
    assert outcome.status == 200 and outcome.answer["data"] is None
    assert errors_of(outcome) == [("USER_NOT_FOUND", ["u"])]
    # The same field given a readable user answers with data.
    outcome = agree(f'{{ u: user(id: "{pool.people[0]}") {{ id email }} files {{ totalCount }} }}')
    assert outcome.answer["data"]["u"]["id"] == pool.people[0]


def test_message_file_url_answers_and_fails_as_graphql_core(pool: Pool) -> None:
    message_id, file_id = pool.message_files[0]
    query = "query($m: ID!, $f: ID!) { messageFileUrl(id: $m, fileId: $f) }"
    assert (
        agree(query, {"m": message_id, "f": file_id})
        .answer["data"]["messageFileUrl"]
        .startswith("http://roqmock.test/")
    )
    other_file = next(f for f in pool.ids["file"] if f != file_id)
    mismatch = agree(query + " ", {"m": message_id, "f": other_file})
    assert errors_of(mismatch) == [("FILE_NOT_FOUND", ["messageFileUrl"])]
    unknown = agree(
        f'{{ conversations {{ totalCount }} messageFileUrl(id: "{NOBODY}", fileId: "{file_id}") }}'
    )
    assert errors_of(unknown) == [("MESSAGE_NOT_FOUND", ["messageFileUrl"])]
    assert errors_of(agree('{ messageFileUrl(id: "nope", fileId: "nope") }')) == [
        ("INVALID_UUID", ["messageFileUrl"])
    ]
    assert agree(query, {"m": message_id}).status == 400  # a required variable missing


def test_one_response_key_twice_merges(pool: Pool) -> None:
    person = pool.people[0]
    merged = agree(f'{{ a: user(id: "{person}") {{ id }} a: user(id: "{person}") {{ email id }} }}')
    assert list(merged.answer["data"]["a"]) == ["id", "email"]
    # An error on a merged field is located at both fields.
    failed = agree(f'{{ a: user(id: "{NOBODY}") {{ id }} a: user(id: "{NOBODY}") {{ email }} }}')
    assert len(failed.answer["errors"][0]["locations"]) == 2
    # Aliases, __typename at every level, fragments and directives around the same keys.
    agree(
        "query($yes: Boolean!) { ...Root __typename t: __typename "
        "conversations { __typename data { ... on ConversationModel { id } id @include(if: $yes) "
        "tags @skip(if: $yes) { totalCount } ... @include(if: $yes) { users { data { id } } } } } } "
        "fragment Root on Query { conversations { totalCount data { title } } }",
        {"yes": True},
    )


def test_two_aliases_of_one_field_with_different_arguments(pool: Pool) -> None:
    outcome = agree(
        "query($f: ConversationFilterArgType) { first: conversations(limit: 1) { data { id } totalCount } "
        "mine: conversations(filter: $f, order: {order: ASC, sort: title}) { data { title } } "
        "all: conversations { totalCount } }",
        {"f": {"memberId": {"equalTo": pool.people[0]}}},
    )
    assert list(outcome.answer["data"]) == ["first", "mine", "all"]
    assert len(outcome.answer["data"]["first"]["data"]) == 1


def test_a_null_for_a_non_null_field_propagates_as_graphql_core_propagates_it() -> None:
    # MessageModel.deletedAt is non-null and always null: INTERNAL_ERROR, and null up to data.
    outcome = agree("{ users { totalCount } messages(limit: 2) { data { id deletedAt } } }")
    assert outcome.answer["data"] is None
    assert errors_of(outcome) == [("INTERNAL_ERROR", ["messages", "data", 0, "deletedAt"])]


@pytest.mark.parametrize(
    ("definition", "variables", "status"),
    [
        ("$b: Boolean!", {"b": True}, 200),
        ("$b: Boolean!", {"b": False}, 200),
        ("$b: Boolean!", {}, 400),
        ("$b: Boolean!", {"b": None}, 400),
        ("$b: Boolean!", {"b": "yes"}, 400),
        ("$b: Boolean = false", {}, 200),
        ("$b: Boolean = false", {"b": True}, 200),
        ("$b: Boolean = false", {"b": None}, 400),  # the directive's if is null: refused as it runs
        ("$b: Boolean", {"b": True}, 400),  # a nullable variable in a Boolean! position
    ],
)
def test_include_and_skip_with_variables(definition: str, variables: dict[str, Any], status: int) -> None:
    query = (
        f"query({definition}) {{ conversations {{ totalCount data @include(if: $b) {{ id }} }} "
        f"users @skip(if: $b) {{ totalCount }} }}"
    )
    assert agree(query, variables).status == status


def test_a_null_directive_argument_deep_down_is_a_field_error() -> None:
    # Under a nullable field (MessageModel.file), each attached file fails on its own: several errors,
    # data kept, errors sorted as graphql-core sorts them.
    outcome = agree(
        "query($b: Boolean = true) { messages { data { id file { id @include(if: $b) } } } }", {"b": None}
    )
    assert outcome.status == 200 and outcome.answer["data"] is not None
    assert len(outcome.answer["errors"]) >= 2


@pytest.mark.parametrize("operation_name", [None, "A", "B", "C", "Nope", ""])
def test_operations_are_chosen_by_name(world: dict[str, Any], operation_name: str | None) -> None:
    person = world["users"][0]["id"]
    query = (
        f'query A {{ conversations {{ totalCount }} }} query B {{ user(id: "{person}") {{ ...U }} }} '
        f'mutation C {{ assignRolesToUser(roleKeys: ["auditor"], userId: "{person}") }} '
        "fragment U on UserModel { email roles { data { key } } }"
    )
    outcome = agree(query, operation_name=operation_name)
    assert outcome.status == (200 if operation_name in ("A", "B", "C") else 400)


@pytest.mark.parametrize(
    "variables",
    [
        {},  # $id missing
        {"id": None},  # null for ID!
        {"id": True},  # not an ID
        {"id": "{person}", "limit": "ten"},  # a string for an Int
        {"id": "{person}", "filter": {"nope": {"equalTo": "x"}}},  # a field the input type lacks
        {"id": "{person}", "order": {"order": "UP", "sort": "title"}},  # not an enum value
        {"id": "{person}", "order": {"order": "ASC"}},  # a required input field missing
        {"id": "{person}", "limit": 2.0, "extra": [1]},  # 2.0 is an Int, extra variables are ignored
        {"id": "{person}", "limit": -1},  # runs, and fails: MIN
        {"id": "{person}", "filter": {"id": {"valueIn": ["nope"]}}},  # runs, and fails: IS_UUID
        {"id": "nope"},  # runs, and fails: INVALID_UUID
    ],
)
def test_variables_that_do_not_coerce(world: dict[str, Any], variables: dict[str, Any]) -> None:
    person = world["users"][0]["id"]
    variables = json.loads(json.dumps(variables).replace("{person}", person))
    agree(
        "query($id: ID!, $limit: Int, $filter: ConversationFilterArgType, "
        "$order: ConversationOrderArgType) { user(id: $id) { id } "
        "conversations(limit: $limit, filter: $filter, order: $order) { totalCount } }",
        variables,
    )


@pytest.mark.parametrize(
    "query",
    [
        "{ conversations { nope } }",
        "{ conversations(nope: 1) { totalCount } }",
        "{ user { id } }",
        "{ conversations { data { users { data { id } } tags { data { conversationId } } } } }",
        "{ files { data { createdByUser { tenant { name } } } } }",  # depth 4: allowed
        "{ messages { data { file { createdByUser { tenant { name } } } } } }",  # depth 5: refused
        "{ conversations { totalCount }",
        "query Q { conversations { totalCount } } query Q { users { totalCount } }",
        "",
    ],
)
def test_documents_that_do_not_parse_or_validate(query: str) -> None:
    agree(query)


def test_mutations_run_in_order_and_stop_at_the_first_failure(world: dict[str, Any]) -> None:
    conversation = world["conversations"][0]
    author = conversation["ownerId"]
    message = {"authorId": author, "body": "first", "conversationId": conversation["id"], "isSystem": False}
    before = len(TWINS[0].reference.dump_state()["messages"])
    outcome = agree(
        "mutation($m: MessageCreateDto!, $n: MessageCreateDto!) { a: createMessage(message: $m) "
        f'b: deleteConversation(id: "{NOBODY}") c: createMessage(message: $n) }}',
        {"m": message, "n": {**message, "body": "never"}},
    )
    assert errors_of(outcome) == [("CONVERSATION_NOT_FOUND", ["b"])] and outcome.answer["data"] is None
    bodies = [m["body"] for m in TWINS[0].reference.dump_state()["messages"]]
    assert len(bodies) == before + 1 and "first" in bodies and "never" not in bodies


def test_callers_that_are_refused(world: dict[str, Any]) -> None:
    assert agree("{ conversations { totalCount } }", caller=NOBODY).status == 401
    person = world["users"][0]["id"]
    refused = agree(f'mutation {{ deleteConversation(id: "{NOBODY}") }}', caller=person, client_graph=True)
    assert refused.status == 403
    loner = TWINS[0].pool.loner
    agree("{ conversations { totalCount data { users { totalCount } } } files { totalCount } }", caller=loner)


def test_introspection_is_left_to_graphql_core() -> None:
    before = COMPILED.plan_stats.copy()
    agree('{ __schema { queryType { name } } __type(name: "FileModel") { name } files { totalCount } }')
    assert COMPILED.plan_stats["fallback"] == before["fallback"] + 1


def test_directive_variables_of_other_operations_do_not_stop_the_plan() -> None:
    # Plans are specialised on the directive variables of the operation that runs, not the document's.
    before = COMPILED.plan_stats.copy()
    agree(
        "query A { conversations { totalCount } } "
        "query B($b: Boolean!) { users { totalCount @include(if: $b) } }",
        {"b": True},
        operation_name="A",
    )
    assert COMPILED.plan_stats["compiled"] == before["compiled"] + 1


def test_field_errors_come_in_the_order_of_the_installed_graphql_core() -> None:
    # graphql-core 3.2 sorts field errors by location and path, 3.3 reports them as they happen: here a
    # fragment's field fails first but stands later in the text, so the two orders differ.
    def fail(source: Any, info: GraphQLResolveInfo) -> Any:
        raise ValueError(f"{info.field_name} of {source}")

    item = GraphQLObjectType(
        "Item",
        {"a": GraphQLField(GraphQLString, resolve=fail), "b": GraphQLField(GraphQLString, resolve=fail)},
    )
    query = GraphQLObjectType(
        "Query", {"items": GraphQLField(GraphQLList(item), resolve=lambda *_: ["first", "second"])}
    )
    schema = GraphQLSchema(query)
    document = parse("{ items { ...F b } } fragment F on Item { a }")
    planned = DocumentPlans.of(document).execute(schema, None, None, None, {})
    expected = execute_sync(schema, document)
    assert planned is not None and expected.errors is not None
    assert planned.data == expected.data
    assert [error.formatted for error in planned.errors] == [error.formatted for error in expected.errors]
    as_happened = ["a of first", "b of first", "a of second", "b of second"]
    by_location = ["b of first", "b of second", "a of first", "a of second"]
    assert [error.message for error in planned.errors] == (as_happened if GRAPHQL_CORE_3_3 else by_location)
