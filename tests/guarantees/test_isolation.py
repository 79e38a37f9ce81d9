"""No caller ever sees what it may not read, and no session ever sees another's writes.

Reads: on random seeded worlds, users get random sets of roles (the default ``user`` role, tenant-wide and
environment-wide readers, roles that read conversations but not their messages, no role at all), then ask
for conversations (with their member and tag pages), messages, files and message file URLs through random
filters, searches, orders and pages. Each answer is checked against a model computed here from the
world's records (``dump_state()``, the world ``roq.world`` shows) and the role table below, never from
roqmock's rules:

* Read ``own``: the conversations the user is a member of, and their messages. ``tenant``: conversations
  with a member in the user's tenant (a user without a tenant: its own). ``all``: every one. No grant:
  nothing. Conversations go by the Conversation read scope, messages by the Message read scope.
* A page is the super admin's full answer to the same query, cut to what the user may read, then
  windowed by ``offset``/``limit``; ``totalCount`` counts what the user may read.
* A record in a nested field (every one the schema has) shows only where the root field for its type shows
  it to the same caller; the oracle there is the root fields themselves.

Sessions: writes made in one session (in process, ``roq.session(name)``; over HTTP, the
``x-roqmock-session`` header) show in that session only, never in another or in the root.
"""

from __future__ import annotations

import json
import string
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from graphql import GraphQLObjectType, GraphQLOutputType, GraphQLSchema, get_named_type
from hypothesis import HealthCheck, Phase, event, given, settings
from hypothesis import strategies as st

from roqmock import documents
from roqmock import strategies as roq_st
from roqmock.api.engine import GraphQLEngine
from roqmock.baseline import Baseline
from roqmock.client import HttpSession, RoqClient, RoqHttpError
from roqmock.config import Settings
from roqmock.domain.models import User
from roqmock.domain.roles import DEFAULT_USER_ROLE, Entity, Operation, Permission, Role, Scope
from roqmock.mock import RoqMock
from roqmock.seed import BOT_REFERENCE, WorldSize
from roqmock.testing import Roq, RoqServer, WorldView, start_server

ENGINE = GraphQLEngine()  # the schema is the costly part: every world of this module shares one
# Without the explain phase, which reruns a failing example a hundred times: a failure reports sooner.
PHASES = (Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink)
MAX_LIMIT = 1000

# ---------------------------------------------------------------- the role table: the model's own copy

READS: dict[str, dict[str, str]] = {
    # what each role lets its holder read, entity -> scope; "user" is ROQ's documented default role
    "user": {"Conversation": "own", "Message": "own", "User": "tenant", "File": "own"},
    "tenant-reader": {"Conversation": "tenant", "Message": "tenant", "User": "tenant"},
    "all-reader": {"Conversation": "all", "Message": "all", "User": "all", "File": "all"},
    "conversations-only": {"Conversation": "all"},
    "tenant-messages": {"Message": "tenant", "File": "tenant"},
    "self-reader": {"User": "own", "File": "own"},
    "message-reader": {"Message": "all"},
    "nothing": {},
}
BREADTH = {"own": 0, "tenant": 1, "all": 2}


def _roles() -> dict[str, Role]:
    roles = {"user": DEFAULT_USER_ROLE}
    for key, reads in READS.items():
        if key != "user":
            permissions = tuple(
                Permission(Entity(entity), Operation.READ, Scope(scope)) for entity, scope in reads.items()
            )
            roles[key] = Role(key=key, name=key, permissions=permissions)
    return roles


SETTINGS = Settings(roles=_roles())


@dataclass
class Model:
    """What each user may read, from the world's records and :data:`READS` alone."""

    state: dict[str, Any]
    members: dict[str, set[str]] = field(default_factory=dict)  # conversation id -> user ids
    tenant_of: dict[str, str | None] = field(default_factory=dict)
    role_keys: dict[str, list[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for conversation in self.state["conversations"]:
            self.members[conversation["id"]] = set()
        for row in self.state["conversationUsers"]:
            self.members[row["conversationId"]].add(row["userId"])
        for user in self.state["users"]:
            self.tenant_of[user["id"]] = user["tenantId"]
            self.role_keys[user["id"]] = list(user["roleKeys"])

    def scope(self, user_id: str, entity: str) -> str | None:
        scopes = [READS[key][entity] for key in self.role_keys[user_id] if entity in READS.get(key, {})]
        return max(scopes, key=BREADTH.__getitem__) if scopes else None

    def conversations(self, user_id: str, entity: str) -> set[str]:
        """The conversations ``user_id`` may read through ``entity`` (Conversation or Message)."""
        scope = self.scope(user_id, entity)
        own = {cid for cid, members in self.members.items() if user_id in members}
        if scope is None:
            return set()
        if scope == "all":
            return set(self.members)
        tenant = self.tenant_of[user_id]
        if scope == "own" or tenant is None:
            return own
        return own | {
            cid for cid, members in self.members.items() if any(self.tenant_of[m] == tenant for m in members)
        }

    def files(self, user_id: str) -> set[str]:
        scope = self.scope(user_id, "File")
        if scope is None:
            return set()
        if scope == "all":
            return {file["id"] for file in self.state["files"]}
        readable = self.conversations(user_id, "Message")
        attached = {
            m["fileId"] for m in self.state["messages"] if m["fileId"] and m["conversationId"] in readable
        }
        tenant = self.tenant_of[user_id]
        return {
            file["id"]
            for file in self.state["files"]
            if file["isPublic"]
            or file["createdByUserId"] == user_id
            or file["id"] in attached
            or (
                scope == "tenant"
                and tenant is not None
                and self.tenant_of.get(file["createdByUserId"]) == tenant
            )
        }


# ---------------------------------------------------------------- strategies


WALL_MS = 1_900_000_000_000


@st.composite
def isolation_worlds(draw: st.DrawFn) -> Roq:
    """A seeded world whose users (the bot too) hold random sets of roles."""
    size = WorldSize(
        users=draw(st.integers(2, 7), label="users"),
        conversations=draw(st.integers(1, 6), label="conversations"),
        messages=draw(st.integers(3, 40), label="messages"),
        files=draw(st.integers(0, 3), label="files"),
        tenants=draw(st.integers(0, 3), label="tenants"),
    )
    roq = Roq.create(
        seed=draw(st.integers(0, 2**32 - 1), label="seed"), size=size, settings=SETTINGS, engine=ENGINE
    )
    roq.mock.wall_ms = lambda: WALL_MS  # the download URLs every caller gets are signed alike
    admin = roq.as_super_admin()
    everyone = [*roq.world.users, *([roq.world.bot] if roq.world.bot else [])]
    for user in everyone:
        # mostly the default role, as in ROQ; now and then others with it, or instead of it
        default = draw(st.sampled_from([["user"], ["user"], ["user"], []]), label=f"{user.reference} default")
        others = sorted(key for key in READS if key != "user")
        extra = draw(st.one_of(st.just([]), st.lists(st.sampled_from(others), unique=True, max_size=2)))
        keys = [*default, *extra]
        added = [key for key in keys if key not in user.role_keys]
        if added:
            admin.assign_roles_to_user(user.id, added)
        removed = [key for key in user.role_keys if key not in keys]
        if removed:
            admin.unassign_roles_from_user(user.id, removed)
    return roq


RARELY = st.sampled_from([False, False, True])  # one time in three


def _flip_case(value: str, flip: bool) -> str:
    return value.upper() if flip else value


@st.composite
def id_filter(draw: st.DrawFn, ids: list[str]) -> dict[str, Any]:
    """An id filter on ids that exist (upper case sometimes: PostgreSQL compares uuids in any case)."""
    known = st.builds(_flip_case, st.sampled_from(ids), st.booleans()) if ids else roq_st.uuids()
    operator = draw(st.sampled_from(["equalTo", "notEqualTo", "valueIn", "valueNotIn"]))
    if operator in ("valueIn", "valueNotIn"):
        return {operator: draw(st.lists(known, max_size=3))}
    return {operator: draw(known | st.none())}


@st.composite
def search_of(draw: st.DrawFn, kind: str, texts: list[str]) -> dict[str, str] | None:
    """No search mostly; else random text (which finds little) or a piece of a text that exists."""
    if not draw(RARELY, label="search"):
        return None
    if texts and draw(st.booleans(), label="a piece of a real text"):
        text = draw(st.sampled_from(texts))
        start = draw(st.integers(0, len(text)))
        end = draw(st.integers(start, min(len(text), start + 6)))
        return {"key": "title" if kind == "conversation" else "body", "value": text[start:end]}
    return draw(roq_st.searches(kind=kind))


@st.composite
def conversation_queries(draw: st.DrawFn, world: WorldView, state: dict[str, Any]) -> dict[str, Any]:
    filter_ = draw(roq_st.conversation_filters(world), label="filter") if draw(RARELY) else None
    if draw(RARELY, label="relation filter"):
        # relation filters on rows the caller may not read must not reveal them either
        filter_ = dict(filter_ or {})
        relation = draw(st.sampled_from(["conversationUserId", "messageId", "memberId", "id"]))
        rows = {
            "conversationUserId": [row["id"] for row in state["conversationUsers"]],
            "messageId": [row["id"] for row in state["messages"]],
            "memberId": [row["id"] for row in state["users"]],
            "id": [row["id"] for row in state["conversations"]],
        }[relation]
        if relation == "memberId":
            ids = st.sampled_from(rows) if rows else roq_st.uuids()
            filter_[relation] = {"equalTo": draw(st.builds(_flip_case, ids, st.booleans()))}
        else:
            filter_[relation] = draw(id_filter(rows))
    return {
        "filter": filter_,
        "order": draw(st.none() | roq_st.conversation_orders(), label="order"),
        "search": draw(search_of("conversation", [c["title"] for c in state["conversations"]])),
        **draw(roq_st.pages(max_limit=5, max_offset=3), label="page"),
    }


@st.composite
def message_queries(draw: st.DrawFn, world: WorldView, state: dict[str, Any]) -> dict[str, Any]:
    filter_ = draw(roq_st.message_filters(world), label="filter") if draw(RARELY) else None
    if draw(RARELY, label="one conversation"):
        # conversationId equalTo takes a fast path: one conversation's index, the filter not run there
        filter_ = dict(filter_ or {})
        conversation_ids = [row["id"] for row in state["conversations"]]
        extra = draw(id_filter(conversation_ids)) if conversation_ids else {"equalTo": str(uuid.uuid4())}
        filter_["conversationId"] = {**filter_.get("conversationId", {}), **extra}
    if draw(RARELY, label="row filter"):
        filter_ = dict(filter_ or {})
        relation = draw(st.sampled_from(["id", "conversationUserId", "fileId"]))
        source = {
            "id": [row["id"] for row in state["messages"]],
            "conversationUserId": [row["id"] for row in state["conversationUsers"]],
            "fileId": [row["id"] for row in state["files"]],
        }[relation]
        filter_[relation] = draw(id_filter(source))
    return {
        "filter": filter_,
        "order": draw(st.none() | roq_st.message_orders(), label="order"),
        "search": draw(search_of("message", [m["body"] for m in state["messages"]])),
        **draw(roq_st.pages(max_limit=5, max_offset=3), label="page"),
    }


# ---------------------------------------------------------------- checks


def _window(rows: list[Any], args: dict[str, Any]) -> list[Any]:
    limit, offset = args.get("limit"), args.get("offset") or 0
    size = MAX_LIMIT if not limit or limit > MAX_LIMIT else limit
    return rows[offset : offset + size]


def _everything(args: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in args.items() if key not in ("limit", "offset")}


def _shown_and_hidden(kind: str, shown: list[Any], mine: list[Any], everything: list[Any]) -> str:
    """For the statistics: did the page show anything, and did the rules hide anything from it?"""
    hidden = "some" if len(mine) < len(everything) else "none"
    return f"{kind}: {'some' if shown else 'none'} shown, {hidden} hidden"


def _answer(call: Callable[[], dict[str, Any]]) -> dict[str, Any] | RoqHttpError:
    try:
        return call()
    except RoqHttpError as error:
        return error


class ClientGraph:
    """The client graph (``POST /v01/graphql``) in process, with each user's own token."""

    def __init__(self, roq: Roq) -> None:
        self.http = roq.http_client()
        self.session = HttpSession(
            roq.base_url, environment_id=roq.environment_id, api_key=roq.api_key, http=self.http
        )

    def token(self, user_id: str) -> str:
        return self.session.token(user_id)

    def query(self, user_id: str, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        response = self.http.post(
            "/v01/graphql",
            json={"query": query, "variables": variables},
            headers={"roq-platform-authorization": f"Bearer {self.token(user_id)}"},
        )
        answer: dict[str, Any] = response.json()
        return answer


def check_conversations(roq: Roq, model: Model, user: User, args: dict[str, Any], graph: ClientGraph) -> None:
    variables = {key: value for key, value in args.items() if value is not None}
    try:
        reference = roq.as_super_admin().conversations(
            with_users=True, with_tags=True, **_everything(variables)
        )
    except RoqHttpError as error:
        # a bad argument is refused for everyone alike
        with pytest.raises(RoqHttpError) as refused:
            roq.as_user(user).conversations(**variables)
        assert (refused.value.status_code, refused.value.error_code) == (error.status_code, error.error_code)
        event("conversations: refused for everyone")
        return
    page = roq.as_user(user).conversations(with_users=True, with_tags=True, **variables)["conversations"]
    visible = model.conversations(user.id, "Conversation")
    leaked = [row["id"] for row in page["data"] if row["id"] not in visible]
    assert not leaked, (
        f"{user.reference} ({model.role_keys[user.id]}) got conversations it may not read: {leaked}"
    )
    mine = [row for row in reference["conversations"]["data"] if row["id"] in visible]
    assert page["totalCount"] == len(mine)
    assert page["data"] == _window(mine, variables)
    event(_shown_and_hidden("conversations", page["data"], mine, reference["conversations"]["data"]))
    state = model.state
    for row in page["data"]:
        members = [m["id"] for m in state["conversationUsers"] if m["conversationId"] == row["id"]]
        tags = [t["tag"] for t in state["conversationTags"] if t["conversationId"] == row["id"]]
        assert sorted(m["id"] for m in row["users"]["data"]) == sorted(members)
        assert row["users"]["totalCount"] == len(members)
        assert {m["conversationId"] for m in row["users"]["data"]} <= {row["id"]}
        assert sorted(t["tag"] for t in row["tags"]["data"]) == sorted(tags)
        assert row["tags"]["totalCount"] == len(tags)
        assert {t["conversationId"] for t in row["tags"]["data"]} <= {row["id"]}
    through_client_graph = graph.query(
        user.id, documents.CONVERSATIONS, {**variables, "withUsers": True, "withTags": True}
    )
    assert through_client_graph == {"data": {"conversations": page}}


def check_messages(roq: Roq, model: Model, user: User, args: dict[str, Any], graph: ClientGraph) -> None:
    variables = {key: value for key, value in args.items() if value is not None}
    try:
        reference = roq.as_super_admin().messages(with_file=True, **_everything(variables))
    except RoqHttpError as error:
        with pytest.raises(RoqHttpError) as refused:
            roq.as_user(user).messages(**variables)
        assert (refused.value.status_code, refused.value.error_code) == (error.status_code, error.error_code)
        event("messages: refused for everyone")
        return
    page = roq.as_user(user).messages(with_file=True, **variables)["messages"]
    visible = model.conversations(user.id, "Message")
    leaked = [row["id"] for row in page["data"] if row["conversationId"] not in visible]
    assert not leaked, f"{user.reference} ({model.role_keys[user.id]}) got messages it may not read: {leaked}"
    files = model.files(user.id)
    # a message's file shows only where the caller may read the file (a null otherwise)
    mine = [
        {**row, "file": row["file"] if row["fileId"] in files else None}
        for row in reference["messages"]["data"]
        if row["conversationId"] in visible
    ]
    assert page["totalCount"] == len(mine)
    assert page["data"] == _window(mine, variables)
    event(_shown_and_hidden("messages", page["data"], mine, reference["messages"]["data"]))
    through_client_graph = graph.query(user.id, documents.MESSAGES, {**variables, "withFile": True})
    assert through_client_graph == {"data": {"messages": page}}


def check_files_and_urls(roq: Roq, model: Model, user: User) -> None:
    files = roq.as_user(user).files()["files"]
    expected = model.files(user.id)
    assert {row["id"] for row in files["data"]} == expected, f"{user.reference} ({model.role_keys[user.id]})"
    assert files["totalCount"] == len(expected)
    visible = model.conversations(user.id, "Message")
    for message in model.state["messages"]:
        if message["fileId"] is None:
            continue
        answer = _answer(lambda m=message: roq.as_user(user).message_file_url(m["id"], m["fileId"]))
        if message["conversationId"] in visible:
            assert not isinstance(answer, RoqHttpError), answer
        else:
            assert isinstance(answer, RoqHttpError), (
                f"{user.reference} got the file URL of an unreadable message"
            )
            assert (answer.status_code, answer.error_code) == (404, "MESSAGE_NOT_FOUND")


# ---------------------------------------------------------------- reads


@settings(max_examples=300, deadline=None, phases=PHASES, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_no_caller_reads_what_it_may_not(data: st.DataObject) -> None:
    roq = data.draw(isolation_worlds(), label="world")
    world = roq.world
    state = roq.mock.dump_state()
    model = Model(state)
    # the model reads the records; roq.world shows the same world through its indexes
    assert {c.id: {u.id for u in world.members_of(c)} for c in world.conversations} == model.members
    callers = [*world.users, *([world.bot] if world.bot else [])]
    graph = ClientGraph(roq)
    try:
        for _ in range(data.draw(st.integers(1, 6), label="queries")):
            user = data.draw(st.sampled_from(callers), label="caller")
            kind = data.draw(st.sampled_from(["conversations", "messages", "files"]), label="kind")
            if kind == "conversations":
                check_conversations(roq, model, user, data.draw(conversation_queries(world, state)), graph)
            elif kind == "messages":
                check_messages(roq, model, user, data.draw(message_queries(world, state)), graph)
            else:
                check_files_and_urls(roq, model, user)
    finally:
        graph.http.close()


@settings(max_examples=100, deadline=None, phases=PHASES)
@given(data=st.data())
def test_every_user_sees_exactly_its_share_of_everything(data: st.DataObject) -> None:
    """Unfiltered, every caller at once: the union of what users see is what the model grants, no more."""
    roq = data.draw(isolation_worlds(), label="world")
    model = Model(roq.mock.dump_state())
    world = roq.world
    for user in [*world.users, *([world.bot] if world.bot else [])]:
        conversations = roq.as_user(user).conversations(limit=MAX_LIMIT)["conversations"]
        assert {row["id"] for row in conversations["data"]} == model.conversations(user.id, "Conversation")
        messages = roq.as_user(user).messages(limit=MAX_LIMIT)["messages"]
        readable = model.conversations(user.id, "Message")
        expected = {m["id"] for m in model.state["messages"] if m["conversationId"] in readable}
        assert {row["id"] for row in messages["data"]} == expected
        assert messages["totalCount"] == len(expected)
        for conversation_id in model.members:
            one = roq.as_user(user).messages(
                filter={"conversationId": {"equalTo": conversation_id.upper()}}, limit=1
            )
            count = sum(1 for m in model.state["messages"] if m["conversationId"] == conversation_id)
            assert one["messages"]["totalCount"] == (count if conversation_id in readable else 0)


# ---------------------------------------------------------------- nested reads

# A nested field that returns a record shows it only when the root field for that record shows it to the
# same caller. The nested record fields are read off the schema, so a new one fails the test below until
# it has a rule here. Each rule says, from the parent record and the nested one (as the super admin sees
# them), which root query decides: records with a root field of their own go by that field; records
# without one (tenants, roles, user groups, file categories) are part of their parent, shown with it.
NestedRule = Callable[["RootReads", dict[str, Any], dict[str, Any]], bool]

NESTED_RULES: dict[tuple[str, str], NestedRule] = {
    ("ConversationModel", "users"): lambda root, parent, row: root.conversation_with_member(row["id"]),
    ("ConversationModel", "tags"): lambda root, parent, row: root.conversation(row["conversationId"]),
    ("MessageModel", "file"): lambda root, parent, row: root.file(row["id"]),
    ("FileModel", "createdByUser"): lambda root, parent, row: root.user(row["id"]),
    # A message link shows with its message; an association made by createFileAssociation with its file.
    ("FileModel", "fileAssociations"): lambda root, parent, row: (
        root.message(row["entityReference"]) if row["entityName"] == "message" else root.file(parent["id"])
    ),
    ("FileAssociationModel", "file"): lambda root, parent, row: root.file(row["id"]),
    ("FileModel", "fileCategory"): lambda root, parent, row: root.file(parent["id"]),
    ("UserModel", "tenant"): lambda root, parent, row: root.user(parent["id"]),
    ("UserModel", "roles"): lambda root, parent, row: root.user(parent["id"]),
    ("UserModel", "userGroups"): lambda root, parent, row: root.user(parent["id"]),
    # Categories are the environment's configuration: every caller reads them (no content groups).
    ("FileCategoryModel", "fileCategoryContentGroups"): lambda root, parent, row: True,
    ("FileCreateUploadModel", "fileCategory"): lambda root, parent, row: True,  # createFileUpload's answer
    # ROQ's UI's queries (issue 14): a profile has no providers in roqmock; translations are every caller's.
    ("UserProfileModel", "connectedProviders"): lambda root, parent, row: root.user(parent["id"]),
    ("TranslationKeyModel", "translations"): lambda root, parent, row: True,
}
# What the rules read off a nested record, selected beside its id.
LINK_FIELDS = {
    "ConversationTagModel": ("conversationId",),
    "FileAssociationModel": ("entityName", "entityReference"),
}
MAX_DEPTH = 4  # the engine's depth limit: ``data`` levels do not count


def _record_type(type_: GraphQLOutputType) -> GraphQLObjectType | None:
    """The record a field returns: an object type with an ``id``, alone or as the items of a page."""
    named = get_named_type(type_)
    if not isinstance(named, GraphQLObjectType):
        return None
    if "id" in named.fields:
        return named
    data = named.fields.get("data")
    items = get_named_type(data.type) if data is not None else None
    return items if isinstance(items, GraphQLObjectType) and "id" in items.fields else None


def _is_page(type_: GraphQLOutputType) -> bool:
    named = get_named_type(type_)
    return isinstance(named, GraphQLObjectType) and "id" not in named.fields


def nested_record_fields(schema: GraphQLSchema) -> dict[tuple[str, str], str]:
    """``(parent type, field) -> record type`` for every field of a record that returns records,
    among the types a client can reach from the roots."""
    roots = [root for root in (schema.query_type, schema.mutation_type) if root is not None]
    seen: set[str] = set()
    todo = [record for root in roots for f in root.fields.values() if (record := _record_type(f.type))]
    found: dict[tuple[str, str], str] = {}
    while todo:
        parent = todo.pop()
        if parent.name in seen:
            continue
        seen.add(parent.name)
        for name, definition in parent.fields.items():
            record = _record_type(definition.type)
            if record is not None:
                found[parent.name, name] = record.name
                todo.append(record)
    return found


def nested_selection(schema: GraphQLSchema, type_: GraphQLObjectType, depth: int) -> str:
    """``id``, the link fields and every nested record field that fits under the depth limit; ``depth``
    counts the fields above this selection."""
    parts = ["id", *LINK_FIELDS.get(type_.name, ())]
    if depth + 2 <= MAX_DEPTH:
        for name, definition in type_.fields.items():
            record = _record_type(definition.type) if (type_.name, name) in NESTED_RULES else None
            if record is None:
                continue
            inner = nested_selection(schema, record, depth + 1)
            if _is_page(definition.type):
                parts.append(f"{name} {{ data {{ {inner} }} totalCount }}")
            else:
                parts.append(f"{name} {{ {inner} }}")
    return " ".join(parts)


def nested_queries(schema: GraphQLSchema) -> dict[str, str]:
    """A query per root list, selecting every nested record field it reaches."""
    queries = {}
    for name, definition in schema.query_type.fields.items() if schema.query_type else ():
        record = _record_type(definition.type)
        if record is None or not _is_page(definition.type):
            continue
        inner = nested_selection(schema, record, 1)
        queries[name] = f"{{ {name}(limit: {MAX_LIMIT}) {{ data {{ {inner} }} totalCount }} }}"
    return queries


@dataclass
class Edge:
    """What one nested field of one parent record answered: its records, and a page's totalCount."""

    rows: list[dict[str, Any]]
    total: int | None
    parent: dict[str, Any]


def nested_edges(
    schema: GraphQLSchema, root: str, answer: dict[str, Any]
) -> dict[tuple[str, str, str], Edge]:
    """Every nested record field in an answer, by (parent type, parent id, field)."""
    edges: dict[tuple[str, str, str], Edge] = {}

    def walk(type_: GraphQLObjectType, record: dict[str, Any]) -> None:
        for name, value in record.items():
            if (type_.name, name) not in NESTED_RULES:
                continue
            definition = type_.fields[name]
            child = _record_type(definition.type)
            assert child is not None
            if _is_page(definition.type):
                edge = Edge(value["data"], value["totalCount"], record)
            elif isinstance(value, list):  # a plain list of records (a profile's connectedProviders)
                edge = Edge(value, None, record)
            else:
                edge = Edge([value] if value is not None else [], None, record)
            key = (type_.name, record["id"], name)
            assert edges.setdefault(key, edge).rows == edge.rows, f"{key} answered two ways in one query"
            for row in edge.rows:
                walk(child, row)

    field = schema.query_type.fields[root] if schema.query_type else None
    assert field is not None
    record_type = _record_type(field.type)
    assert record_type is not None
    for row in answer["data"][root]["data"]:
        walk(record_type, row)
    return edges


class RootReads:
    """What the root fields show one caller, asked one record at a time (each answer asked once)."""

    def __init__(self, roq: Roq, user: User) -> None:
        self.roq = roq
        self.caller = user
        self.answers: dict[tuple[str, str], bool] = {}

    def _ask(self, kind: str, record_id: str, query: str, shown: Callable[[dict[str, Any]], bool]) -> bool:
        key = (kind, record_id)
        if key not in self.answers:
            answer = self.roq.execute(query, {"id": record_id}, as_user=self.caller)
            self.answers[key] = not answer.get("errors") and shown(answer["data"])
        return self.answers[key]

    def user(self, user_id: str) -> bool:
        query = "query($id: ID!) { user(id: $id) { id } }"
        return self._ask("user", user_id, query, lambda data: data["user"]["id"] == user_id)

    def file(self, file_id: str) -> bool:
        query = "query($id: ID!) { file(id: $id) { id } }"
        return self._ask("file", file_id, query, lambda data: data["file"]["id"] == file_id)

    def message(self, message_id: str) -> bool:
        return self._listed("messages", message_id)

    def conversation(self, conversation_id: str) -> bool:
        return self._listed("conversations", conversation_id)

    def _listed(self, root: str, record_id: str) -> bool:
        """Whether the root list, filtered on this id, shows the record."""
        query = f"query($id: ID!) {{ {root}(filter: {{id: {{equalTo: $id}}}}) {{ data {{ id }} }} }}"
        return self._ask(
            root, record_id, query, lambda data: [r["id"] for r in data[root]["data"]] == [record_id]
        )

    def conversation_with_member(self, member_id: str) -> bool:
        query = (
            "query($id: ID!) { conversations(filter: {conversationUserId: {equalTo: $id}}) { totalCount } }"
        )
        return self._ask("member", member_id, query, lambda data: data["conversations"]["totalCount"] == 1)


def test_every_nested_record_field_has_a_read_rule() -> None:
    """A nested field added to the schema fails here until the property below knows its rule."""
    schema = ENGINE.schema
    fields = nested_record_fields(schema)
    assert set(fields) == set(NESTED_RULES)
    # ... and the queries below reach each of them.
    reached = {
        key for root, query in nested_queries(schema).items() for key in fields if f" {key[1]} {{" in query
    }
    assert reached == set(fields)


REFERENCE_ENGINE = GraphQLEngine(compiled=False)


@settings(max_examples=60, deadline=None, phases=PHASES, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_nested_fields_show_only_what_the_root_fields_show(data: st.DataObject) -> None:
    """For each caller and each nested record field: the records the super admin sees there, cut to those
    the root field for their type shows the caller; a page's totalCount counts only those. Through the
    compiled plans and through graphql-core alike."""
    compiled = data.draw(isolation_worlds(), label="world")
    reference = Roq(
        RoqMock(SETTINGS, baseline=Baseline(state=compiled.mock.dump_state()), engine=REFERENCE_ENGINE)
    )
    reference.mock.wall_ms = compiled.mock.wall_ms
    world = compiled.world
    people = {user.reference: user for user in [*world.users, *([world.bot] if world.bot else [])]}
    references = st.lists(st.sampled_from(sorted(people)), min_size=1, max_size=3, unique=True)
    callers = [people[name] for name in data.draw(references, label="callers")]
    schema = ENGINE.schema
    queries = nested_queries(schema)
    for roq in (compiled, reference):
        everything = {root: nested_edges(schema, root, roq.execute(query)) for root, query in queries.items()}
        for user in callers:
            root_reads = RootReads(roq, user)
            for root, query in queries.items():
                answer = roq.execute(query, as_user=user)
                assert "errors" not in answer, answer
                for key, edge in nested_edges(schema, root, answer).items():
                    full = everything[root][key]
                    rule = NESTED_RULES[key[0], key[2]]
                    expected = [row for row in full.rows if rule(root_reads, full.parent, row)]
                    shown = [row["id"] for row in edge.rows]
                    assert shown == [row["id"] for row in expected], (
                        f"{user.reference} ({', '.join(user.role_keys)}) reads {key[0]}.{key[2]} of {key[1]}"
                        f" through {root}: {shown}, the root fields show {[row['id'] for row in expected]}"
                    )
                    if edge.total is not None:
                        assert edge.total == len(expected)
                    event(f"{key[0]}.{key[2]}: {'some' if len(expected) < len(full.rows) else 'none'} hidden")


def _shown_by_root(roq: Roq, user: User, field: str, record_id: str) -> bool:
    answer = roq.execute(f"query($id: ID!) {{ {field}(id: $id) {{ id }} }}", {"id": record_id}, as_user=user)
    return "errors" not in answer


def _two_tenant_world() -> Roq:
    """A small world of two tenants whose user-1 reads files made in the other tenant."""
    return Roq.create(
        seed=3,
        size=WorldSize(users=6, conversations=4, messages=30, files=4, tenants=2),
        settings=SETTINGS,
        engine=ENGINE,
    )


def test_a_files_creator_and_associations_show_only_what_the_root_fields_show() -> None:
    """The case that leaked: a file's creator in another tenant, whom ``user(id)`` and ``users`` hide."""
    roq = _two_tenant_world()
    user = roq.world.user("user-1")
    query = """{ files { data { id createdByUserId createdByUser { id }
                 fileAssociations { data { entityReference } totalCount } } } }"""
    roq.mock.coverage.clear()
    files = roq.execute(query, as_user=user)["data"]["files"]["data"]
    # Counted as the root fields count: one User read and one Message read per file, under the caller's
    # scope, allowed because the scope is granted (what it hides is left out, as from a list).
    rows = {row["rule"]: row for row in roq.coverage()}
    assert rows["User:read:tenant"] == {"rule": "User:read:tenant", "allowed": len(files), "denied": 0}
    assert rows["Message:read:own"] == {"rule": "Message:read:own", "allowed": len(files), "denied": 0}
    tenant_of = {other.id: other.tenant_id for other in roq.world.users}
    strangers = [file for file in files if tenant_of[file["createdByUserId"]] != user.tenant_id]
    assert strangers, "the seeded world has a file user-1 reads, made by someone of another tenant"
    for file in files:
        creator_shown = _shown_by_root(roq, user, "user", file["createdByUserId"])
        assert file["createdByUser"] == ({"id": file["createdByUserId"]} if creator_shown else None)
    for file in strangers:
        assert file["createdByUser"] is None
    readable = {
        message["id"]
        for message in roq.execute("{ messages(limit: 1000) { data { id } } }", as_user=user)["data"][
            "messages"
        ]["data"]
    }
    for file in files:
        attached = [m.id for m in roq.world.messages if m.file_id == file["id"]]
        shown = [row["entityReference"] for row in file["fileAssociations"]["data"]]
        assert shown == [message_id for message_id in attached if message_id in readable]
        assert file["fileAssociations"]["totalCount"] == len(shown)


def test_a_messages_file_is_null_for_a_caller_who_may_not_read_files() -> None:
    roq = _two_tenant_world()
    user = roq.world.user("user-1")
    admin = roq.as_super_admin()
    admin.assign_roles_to_user(user.id, ["message-reader"])
    admin.unassign_roles_from_user(user.id, ["user"])
    roq.mock.coverage.clear()
    messages = roq.execute("{ messages(limit: 1000) { data { id fileId file { id } } } }", as_user=user)
    with_files = [row for row in messages["data"]["messages"]["data"] if row["fileId"] is not None]
    assert with_files, "message-reader reads every message, some of them with a file"
    rows = {row["rule"]: row for row in roq.coverage()}
    assert rows["File:read:none"] == {"rule": "File:read:none", "allowed": 0, "denied": len(with_files)}
    for row in with_files:
        assert row["file"] is None
        assert not _shown_by_root(roq, user, "file", row["fileId"])
    # The super admin, like the root fields, sees every file.
    everything = roq.execute("{ messages(limit: 1000) { data { fileId file { id } } } }")
    for row in everything["data"]["messages"]["data"]:
        assert row["file"] == ({"id": row["fileId"]} if row["fileId"] is not None else None)


# ---------------------------------------------------------------- sessions

MARK = st.text(alphabet=string.ascii_lowercase, min_size=6, max_size=6)


@dataclass
class SessionModel:
    """What one session's world must hold: conversations with members, tags and message counts; users."""

    conversations: dict[str, dict[str, Any]]
    users: dict[str, list[str]]  # user id -> role keys
    marks: set[str] = field(default_factory=set)  # markers written here
    writes: int = 0

    @classmethod
    def of(cls, state: dict[str, Any]) -> SessionModel:
        conversations = {
            c["id"]: {"owner": c["ownerId"], "members": set(), "tags": set(), "messages": 0}
            for c in state["conversations"]
        }
        for row in state["conversationUsers"]:
            conversations[row["conversationId"]]["members"].add(row["userId"])
        for row in state["conversationTags"]:
            conversations[row["conversationId"]]["tags"].add(row["tag"])
        for row in state["messages"]:
            conversations[row["conversationId"]]["messages"] += 1
        return cls(conversations, {u["id"]: list(u["roleKeys"]) for u in state["users"]})

    def matches(self, state: dict[str, Any]) -> None:
        actual = SessionModel.of(state)
        assert actual.conversations == self.conversations
        assert actual.users == self.users


class Target:
    """One session (or the root) of one roqmock, in process or over HTTP."""

    name: str | None

    def client(self, user_id: str | None) -> RoqClient:
        raise NotImplementedError

    def state(self) -> dict[str, Any]:
        raise NotImplementedError

    def journal_text(self) -> str:
        raise NotImplementedError


class InProcess(Target):
    def __init__(self, roq: Roq, name: str | None) -> None:
        self.name = name
        self.roq = roq if name is None else roq.session(name)

    def client(self, user_id: str | None) -> RoqClient:
        return self.roq.as_super_admin() if user_id is None else self.roq.as_user(user_id)

    def state(self) -> dict[str, Any]:
        return self.roq.mock.dump_state()

    def journal_text(self) -> str:
        return json.dumps([call.as_json() for call in self.roq.journal.calls()])


class OverHttp(Target):
    def __init__(self, server: RoqServer, http: httpx.Client, name: str | None) -> None:
        self.name, self.server, self.http = name, server, http
        self.headers = {"roq-platform-server-authorization": server.server_header}
        if name is not None:
            self.headers["x-roqmock-session"] = name
        # Every request of this target names its session: an HTTP client of its own that sends the header.
        named = httpx.Client(headers=self.headers, timeout=30)
        self.session = HttpSession(
            server.url, environment_id=server.environment_id, api_key=server.api_key, http=named
        )

    def token(self, user_id: str | None) -> str:
        return self.session.token(user_id)

    def client(self, user_id: str | None) -> RoqClient:
        return self.session.as_user(user_id) if user_id is not None else self.session.as_super_admin()

    def close(self) -> None:
        self.session.close()

    def control(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.http.request(method, f"/__roqmock/{path}", headers=self.headers, **kwargs)
        assert response.status_code in (200, 201), response.text
        return response.json()

    def state(self) -> dict[str, Any]:
        state: dict[str, Any] = self.control("GET", "state")
        return state

    def journal_text(self) -> str:
        return json.dumps(self.control("GET", "requests")["calls"])


Step = tuple[str, int, int, str]  # what, which session, a number to pick with, a marker


def steps(sessions: int) -> st.SearchStrategy[list[Step]]:
    kinds = st.sampled_from(["message", "conversation", "tags", "delete", "user", "unassign", "message"])
    return st.lists(
        st.tuples(kinds, st.integers(0, sessions - 1), st.integers(0, 10**6), MARK), min_size=1, max_size=12
    )


def apply_step(target: Target, model: SessionModel, step: Step, people: list[str]) -> None:
    """One write, picked by index in whatever the session holds; the model follows it."""
    kind, _, pick, mark = step
    mark = f"{mark}{model.writes}"  # unique in its session
    model.writes += 1
    live = sorted(model.conversations)
    admin = target.client(None)
    if kind == "message" and live:
        conversation_id = live[pick % len(live)]
        members = sorted(model.conversations[conversation_id]["members"])
        if not members:
            return
        author = members[pick % len(members)]
        message = {
            "authorId": author,
            "body": f"mark-{mark}",
            "conversationId": conversation_id,
            "isSystem": False,
        }
        target.client(author).create_message(message)
        model.conversations[conversation_id]["messages"] += 1
    elif kind == "conversation":
        owner = people[pick % len(people)]
        members = sorted({owner, people[(pick // 7) % len(people)]})
        # an owner whose default role was taken away in this session may not create: the admin does
        creator = target.client(owner) if "user" in model.users[owner] else admin
        created = creator.create_conversation(
            {"title": f"mark-{mark}", "ownerId": owner, "memberIds": members, "tags": [f"mark-{mark}"]}
        )
        model.conversations[created["createConversation"]["id"]] = {
            "owner": owner,
            "members": set(members),
            "tags": {f"mark-{mark}"},
            "messages": 0,
        }
    elif kind == "tags" and live:
        conversation_id = live[pick % len(live)]
        admin.assign_tags_to_conversation(conversation_id, [f"mark-{mark}"])
        model.conversations[conversation_id]["tags"].add(f"mark-{mark}")
    elif kind == "delete" and live:
        conversation_id = live[pick % len(live)]
        admin.delete_conversation(conversation_id)
        del model.conversations[conversation_id]
    elif kind == "user":
        created = admin.create_user(
            {"reference": f"mark-{mark}-{pick}", "email": f"mark-{mark}-{pick}@example.com"}
        )
        model.users[created["createUser"]["id"]] = ["user"]
    elif kind == "unassign":
        user_id = people[pick % len(people)]
        if "user" in model.users[user_id]:
            admin.unassign_roles_from_user(user_id, ["user"])
            model.users[user_id] = [key for key in model.users[user_id] if key != "user"]
    else:
        return
    model.marks.add(f"mark-{mark}")


def check_sessions(targets: list[Target], models: list[SessionModel]) -> None:
    """Each session holds exactly its own writes; no other session's marker shows anywhere in it."""
    for index, (target, model) in enumerate(zip(targets, models, strict=True)):
        state = target.state()
        model.matches(state)
        text, journal = json.dumps(state), target.journal_text()
        for other_index, other in enumerate(models):
            if other_index == index:
                continue
            strangers = [mark for mark in other.marks - model.marks if mark in text or mark in journal]
            assert not strangers, (
                f"session {target.name!r} holds writes of session {targets[other_index].name!r}"
            )
        # what a user sees through the API follows the session's own memberships and roles
        for user_id, role_keys in list(model.users.items())[:3]:
            expected = {cid for cid, c in model.conversations.items() if user_id in c["members"]}
            page = target.client(user_id).conversations(limit=MAX_LIMIT)["conversations"]
            assert {row["id"] for row in page["data"]} == (expected if "user" in role_keys else set())


SESSION_SIZE = WorldSize(users=4, conversations=3, messages=6, files=0, tenants=1)


@settings(max_examples=150, deadline=None, phases=PHASES)
@given(seed=st.integers(0, 2**16), plan=steps(3))
def test_in_process_sessions_never_leak(seed: int, plan: list[Step]) -> None:
    roq = Roq.create(seed=seed, size=SESSION_SIZE, engine=ENGINE)
    targets: list[Target] = [InProcess(roq, None), InProcess(roq, "a"), InProcess(roq, "b")]
    baseline = roq.mock.dump_state()
    people = [user.id for user in roq.world.users]
    models = [SessionModel.of(baseline) for _ in targets]
    for step in plan:
        apply_step(targets[step[1]], models[step[1]], step, people)
    check_sessions(targets, models)
    # a reset of one session takes back its writes only
    roq.session("a").reset()
    models[1] = SessionModel.of(baseline)
    check_sessions(targets, models)


@pytest.fixture(scope="module")
def server() -> Iterator[RoqServer]:
    running = start_server(seed=5, size=SESSION_SIZE)
    yield running
    running.stop()


@settings(
    max_examples=40, deadline=None, phases=PHASES, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(plan=steps(3))
def test_http_sessions_never_leak(server: RoqServer, plan: list[Step]) -> None:
    with httpx.Client(base_url=server.url, timeout=30) as http:
        names = [None, f"a-{uuid.uuid4().hex[:8]}", f"b-{uuid.uuid4().hex[:8]}"]
        targets = [OverHttp(server, http, name) for name in names]
        try:
            baseline = targets[0].state()
            people = [u["id"] for u in baseline["users"] if u["reference"] != BOT_REFERENCE]
            models = [SessionModel.of(baseline) for _ in targets]
            for step in plan:
                apply_step(targets[step[1]], models[step[1]], step, people)
            check_sessions(targets, models)
        finally:
            for target in targets:
                target.close()
            server.end_sessions()
            server.reset()


def test_http_session_faults_journal_and_reset_stay_in_their_session(server: RoqServer) -> None:
    with httpx.Client(base_url=server.url, timeout=30) as http:
        root, one, two = (OverHttp(server, http, name) for name in (None, "faulty", "healthy"))
        try:
            baseline = root.state()
            conversation = baseline["conversations"][0]
            author = next(
                r["userId"]
                for r in baseline["conversationUsers"]
                if r["conversationId"] == conversation["id"]
            )
            message = {
                "authorId": author,
                "body": "fault-check",
                "conversationId": conversation["id"],
                "isSystem": False,
            }
            one.control("POST", "faults", json={"operation": "createMessage", "error": {"statusCode": 503}})
            with pytest.raises(RoqHttpError) as failed:
                one.client(author).create_message(message)
            assert failed.value.status_code == 503
            two.client(author).create_message(message)  # a fault in one session fails no other
            root.client(author).create_message(message)
            assert root.control("GET", "faults")["faults"] == []
            assert len(one.control("GET", "requests")["calls"]) == 1
            assert len(two.control("GET", "requests")["calls"]) == 1
            one.control("POST", "reset")
            assert len(two.state()["messages"]) == len(baseline["messages"]) + 1
            assert len(root.state()["messages"]) == len(baseline["messages"]) + 1
            # a user made in one session cannot get a token in another
            created = two.client(None).create_user(
                {"reference": "only-in-two", "email": "only-in-two@example.com"}
            )
            user_id = created["createUser"]["id"]
            two.token(user_id)
            response = http.post(
                "/v01/authorize",
                json={"environmentId": server.environment_id, "apiKey": server.api_key, "userId": user_id},
                headers={**root.headers, "roq-platform-authorization": f"Bearer {root.token(None)}"},
            )
            assert response.status_code == 404, response.text
        finally:
            for target in (root, one, two):
                target.close()
            server.end_sessions()
            server.reset()


def test_a_users_token_is_nobody_in_another_session() -> None:
    """Sessions hand out ids of their own: a user made in one session does not exist in another."""
    roq = Roq.create(seed=1)
    made = {}
    for name in ("job-a", "job-b"):
        session = roq.session(name)
        made[name] = session.as_super_admin().create_user(
            {"reference": f"ref-{name}", "email": f"{name}@example.com"}
        )["createUser"]["id"]
    assert made["job-a"] != made["job-b"]
    other = roq.session("job-b")
    assert made["job-a"] not in other.mock.store.world.users
