"""A mutation that fails at any step leaves the world exactly as it was, and says INTERNAL_ERROR.

The failure is injected: one ``World`` write method (``add_member``, ``add_tag``, ``add_user`` ...) raises on
its k-th call for the length of one mutation, k drawn by Hypothesis among the calls the same mutation makes
when nothing fails. Afterwards every record (``dump_state``), every index, the clock and the id source
are as before; the indexes still agree with the records; the caller got ROQ's INTERNAL_ERROR envelope;
and the world goes on: the same mutation then succeeds, and a reset still returns to the baseline.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from unittest import mock

from hypothesis import HealthCheck, Phase, assume, event, given, settings
from hypothesis import strategies as st
from support.graphql_documents import FILE_MUTATIONS
from support.world_snapshot import indexes

from roqmock import documents
from roqmock import strategies as roq_st
from roqmock.api.engine import GraphQLEngine
from roqmock.api.errors import INTERNAL_MESSAGE
from roqmock.client import HttpSession
from roqmock.config import Settings
from roqmock.domain import store as store_module
from roqmock.domain.roles import DEFAULT_USER_ROLE, Entity, Operation, Permission, Role, Scope
from roqmock.domain.store import World
from roqmock.seed import WorldSize
from roqmock.state import dump_world, load_world
from roqmock.testing import Roq

ENGINE = GraphQLEngine()
# Every mutation in the schema: one added later fails here until it has a strategy below.
MUTATIONS = sorted(ENGINE.schema.mutation_type.fields) if ENGINE.schema.mutation_type else []
# Without the explain phase, which reruns a failing example a hundred times: a failure reports in seconds.
PHASES = (Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink)
SETTINGS = Settings(
    roles={
        "user": DEFAULT_USER_ROLE,
        "reader": Role("reader", "Reader", (Permission(Entity.CONVERSATION, Operation.READ, Scope.ALL),)),
        "auditor": Role("auditor", "Auditor", (Permission(Entity.MESSAGE, Operation.READ, Scope.ALL),)),
    }
)
SIZE = WorldSize(users=6, conversations=4, messages=20, files=2, tenants=2)

# Every method through which the world is written.
WRITE_METHODS = (
    "add_tenant",
    "add_file_category",
    "add_user",
    "set_role_keys",
    "add_conversation",
    "add_member",
    "add_tag",
    "remove_tag",
    "add_message",
    "remove_conversation",
    "add_file",
    "change",
    "remove_file",
    "add_file_association",
    "remove_file_association",
    "put_file_bytes",
    "remove_file_bytes",
)


class InjectedFailure(RuntimeError):
    """What a patched write raises: a bug, say, between two writes of one mutation."""


# ---------------------------------------------------------------- what the world is


def snapshot(roq: Roq) -> tuple[dict[str, Any], dict[str, Any], Any, Any]:
    store = roq.mock.store
    # Whether a user in no conversation has an empty set or none is not a difference (a world rebuilt
    # from a dump has none).
    world = indexes(store.world, empty_user_sets=False)
    return dump_world(store.world), world, store.clock.snapshot(), store.ids.snapshot()


def differences(before: tuple[Any, ...], after: tuple[Any, ...]) -> list[str]:
    """Which collections of a snapshot changed: records (dump), tables and indexes, the clock, and the
    id source (so the ids after a failed mutation are those a run without it would have had)."""
    changed = [f"records.{name}" for name in before[0] if before[0][name] != after[0].get(name)]
    changed += [f"world.{name}" for name in before[1] if before[1][name] != after[1].get(name)]
    if before[2:3] != after[2:3]:
        changed.append("clock")
    if before[3:4] != after[3:4]:
        changed.append("ids")
    return changed


def assert_consistent(roq: Roq) -> None:
    """The indexes are those the records imply: rebuilt from a dump, they come out the same."""
    world = roq.mock.store.world
    # The service account's uploads name it as their creator: a state loads them.
    rebuilt = load_world(
        dump_world(world), default_roles=SETTINGS.roles, creators=(roq.mock.service_user_id,)
    )
    assert indexes(world, empty_user_sets=False) == indexes(rebuilt, empty_user_sets=False)


# ---------------------------------------------------------------- injecting a failure


@contextmanager
def counting() -> Iterator[list[tuple[str, int]]]:
    """Record the calls of every write method while the block runs: ``(method, its call number)``."""
    calls: list[tuple[str, int]] = []
    seen: Counter[str] = Counter()
    originals = {name: getattr(World, name) for name in WRITE_METHODS}

    def counted(name: str) -> Callable[..., Any]:
        original = originals[name]

        def write(self: World, *args: Any, **kwargs: Any) -> Any:
            seen[name] += 1
            calls.append((name, seen[name]))
            return original(self, *args, **kwargs)

        return write

    with _patched({name: counted(name) for name in WRITE_METHODS}):
        yield calls


@contextmanager
def failing(name: str, k: int) -> Iterator[Counter[str]]:
    """``World.<name>`` raises on its k-th call while the block runs (the earlier calls write)."""
    calls: Counter[str] = Counter()
    original = getattr(World, name)

    def write(self: World, *args: Any, **kwargs: Any) -> Any:
        calls[name] += 1
        if calls[name] == k:
            raise InjectedFailure(f"injected: {name} call {k}")
        return original(self, *args, **kwargs)

    with _patched({name: write}):
        yield calls


@contextmanager
def _patched(replacements: dict[str, Callable[..., Any]]) -> Iterator[None]:
    with mock.patch.multiple(World, **replacements):  # type: ignore[arg-type]
        yield


# ---------------------------------------------------------------- mutations


@dataclass(frozen=True)
class Mutation:
    field: str
    query: str
    variables: dict[str, Any]
    as_user: str | None  # None: the super admin


@st.composite
def mutations(draw: st.DrawFn, roq: Roq, kinds: list[str] = MUTATIONS) -> Mutation:
    world = roq.world
    people = world.users
    conversations = world.conversations
    kind = draw(st.sampled_from(kinds), label="mutation")
    as_admin = draw(st.booleans(), label="as super admin")
    if kind == "createConversation":
        dto = draw(roq_st.conversation_inputs(world, min_members=1, max_members=5), label="conversation")
        dto["tags"] = draw(roq_st.tags(max_size=5), label="tags")
        return Mutation(
            kind, documents.CREATE_CONVERSATION, {"conversation": dto}, None if as_admin else dto["ownerId"]
        )
    if kind == "createMessage":
        message = draw(roq_st.message_inputs(world), label="message")
        if world.files and draw(st.booleans(), label="with a file"):
            message["fileId"] = draw(st.sampled_from(world.files)).id
            as_admin = True  # a member may attach only files it may read: the super admin may any
        return Mutation(
            kind, documents.CREATE_MESSAGE, {"message": message}, None if as_admin else message["authorId"]
        )
    if kind == "createUser":
        user = draw(roq_st.user_inputs(), label="user")
        tenant = draw(
            st.sampled_from(["none", "new", *(["existing"] if any(u.tenant_id for u in people) else [])]),
            label="tenant",
        )
        if tenant == "new":
            user["tenantId"] = str(uuid.UUID(int=draw(st.integers(1, 2**64)), version=4))
        elif tenant == "existing":
            user["tenantId"] = next(u.tenant_id for u in people if u.tenant_id)
        user["roles"] = draw(
            st.lists(st.sampled_from(["user", "reader", "auditor"]), unique=True), label="roles"
        )
        return Mutation(kind, documents.CREATE_USER, {"user": user}, None)
    if kind in ("assignRolesToUser", "unassignRolesFromUser"):
        target = draw(st.sampled_from(people), label="user")
        keys = draw(
            st.lists(st.sampled_from(["user", "reader", "auditor"]), unique=True, min_size=1), label="roles"
        )
        query = documents.ASSIGN_ROLES if kind == "assignRolesToUser" else documents.UNASSIGN_ROLES
        return Mutation(kind, query, {"userId": target.id, "roleKeys": keys}, None)
    if kind in FILE_MUTATIONS:
        return draw(file_mutations(roq, kind, as_admin))
    assume(conversations)
    conversation = draw(st.sampled_from(conversations), label="conversation")
    owner = None if as_admin else conversation.owner_id
    if kind == "deleteConversation":
        return Mutation(kind, documents.DELETE_CONVERSATION, {"id": conversation.id}, owner)
    present = world.tags_of(conversation)
    if kind == "assignTagsToConversation":
        tags = draw(
            st.lists(st.sampled_from([*present, "x1", "x2", "x3", "x4"]), min_size=1, max_size=5),
            label="tags",
        )
        return Mutation(kind, documents.ASSIGN_TAGS, {"conversationId": conversation.id, "tags": tags}, owner)
    assert kind == "unassignTagsFromConversation", f"no strategy for the mutation {kind}"
    assume(present)
    tags = draw(st.lists(st.sampled_from([*present, "absent"]), min_size=1, max_size=5), label="tags")
    return Mutation(kind, documents.UNASSIGN_TAGS, {"conversationId": conversation.id, "tags": tags}, owner)


@st.composite
def file_mutations(draw: st.DrawFn, roq: Roq, kind: str, as_admin: bool) -> Mutation:
    """The upload flow's mutations, by a seeded file's creator (or the super admin)."""
    world = roq.world
    if kind == "createFileUpload":
        dto = draw(roq_st.file_inputs(world=world), label="createFileDto")
        caller = None if as_admin else draw(st.sampled_from(world.users), label="uploader").id
        return Mutation(kind, documents.CREATE_FILE_UPLOAD, {"createFileDto": dto}, caller)
    assume(world.files)
    file = draw(st.sampled_from(world.files), label="file")
    creator = None if as_admin else file.created_by_user_id
    if kind == "updateFileStatus":
        status = draw(st.sampled_from(["ready", "cancelled", "error", "processing"]), label="status")
        return Mutation(kind, documents.UPDATE_FILE_STATUS, {"id": file.id, "status": status}, creator)
    if kind == "updateFile":
        name = draw(st.text(alphabet="abc.-", min_size=1, max_size=8).filter(str.strip), label="name")
        return Mutation(
            kind, documents.UPDATE_FILE, {"id": file.id, "updateFileDto": {"name": name}}, creator
        )
    if kind in ("makeFilePublic", "makeFilePrivate"):
        query = documents.MAKE_FILE_PUBLIC if kind == "makeFilePublic" else documents.MAKE_FILE_PRIVATE
        return Mutation(kind, query, {"id": file.id}, creator)
    if kind == "deleteFiles":
        return Mutation(kind, documents.DELETE_FILES, {"filter": {"id": {"valueIn": [file.id]}}}, creator)
    if kind == "createFileAssociation":
        dto = {"fileId": file.id, "entityName": "invoice", "entityReference": str(uuid.uuid4())}
        return Mutation(kind, documents.CREATE_FILE_ASSOCIATION, {"createFileAssociationDto": dto}, creator)
    assert kind == "deleteFileAssociations", f"no strategy for the mutation {kind}"
    query = documents.DELETE_FILE_ASSOCIATIONS
    return Mutation(kind, query, {"filter": {"fileId": {"equalTo": file.id}}}, creator)


def over_http(roq: Roq, mutation: Mutation) -> tuple[int, dict[str, Any]]:
    """The mutation as a client sends it: ``POST /v01/server/graphql`` with a token, in process."""
    with roq.http_client() as http:
        session = HttpSession(roq.base_url, environment_id=roq.environment_id, api_key=roq.api_key, http=http)
        return session.runner(mutation.as_user)({"query": mutation.query, "variables": mutation.variables})


def assert_internal_error(status: int, answer: dict[str, Any], mutation: Mutation) -> None:
    """ROQ's envelope for an unexpected failure: HTTP 200, data null, one INTERNAL_ERROR with a 500."""
    assert status == 200, answer
    assert answer.get("data") is None, answer
    errors = answer["errors"]
    assert len(errors) == 1, errors
    error = errors[0]
    assert error["message"] == INTERNAL_MESSAGE
    assert error["path"] == [mutation.field]
    response = error["extensions"]["response"]
    assert response["statusCode"] == 500
    assert response["errorCode"] == "INTERNAL_ERROR"
    assert response["message"] == INTERNAL_MESSAGE
    assert response["error"] == "Internal Server Error"
    assert error["extensions"]["code"] == "INTERNAL_SERVER_ERROR"


# ---------------------------------------------------------------- the property


@settings(max_examples=250, deadline=None, phases=PHASES, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**16), data=st.data())
def test_a_mutation_failing_at_any_write_changes_nothing(seed: int, data: st.DataObject) -> None:
    roq = Roq.create(seed=seed, size=SIZE, settings=SETTINGS, engine=ENGINE)
    # A loaded world (PUT /__roqmock/state) records no undo for resets: a failed mutation needs its own.
    loaded = data.draw(st.booleans(), label="a loaded world, not recording")
    state = roq.mock.dump_state()

    def fresh() -> None:
        roq.reset()
        if loaded:
            roq.mock.load_state(state)
            assert roq.mock.store.world.undo_log is None

    fresh()
    baseline = snapshot(roq)
    mutation = data.draw(mutations(roq), label="mutation")

    # Once without a failure: which writes it makes (then taken back).
    with counting() as calls:
        answer = roq.execute(mutation.query, mutation.variables, as_user=mutation.as_user)
    assert "errors" not in answer, answer
    fresh()
    assert snapshot(roq) == baseline
    assume(calls)  # a mutation that writes nothing cannot fail between writes

    # any step of the mutation, each as likely: the method whose k-th call it is raises there
    name, k = data.draw(st.sampled_from(calls), label="failing write and its call number")
    event(f"{mutation.field}: {name} fails")
    before = snapshot(roq)
    with failing(name, k):
        status, answer = over_http(roq, mutation)
    assert_internal_error(status, answer, mutation)
    assert "injected" in answer["errors"][0]["extensions"]["response"]["variables"]["reason"]

    changed = differences(before, snapshot(roq))
    assert not changed, f"a failed {mutation.field} ({name} call {k} raised) changed {changed}"
    assert_consistent(roq)
    failed = roq.journal.calls(mutation.field)
    assert failed and failed[-1].error_code == "INTERNAL_ERROR" and not failed[-1].ok

    assert (roq.mock.store.world.undo_log is None) == loaded

    # The world goes on: the same mutation succeeds now, and a reset returns to the baseline.
    answer = roq.execute(mutation.query, mutation.variables, as_user=mutation.as_user)
    assert "errors" not in answer, answer
    assert_consistent(roq)
    roq.reset()
    assert not differences(baseline[:2], snapshot(roq)[:2])


@settings(max_examples=40, deadline=None, phases=PHASES)
@given(seed=st.integers(0, 2**16), data=st.data())
def test_a_failed_mutation_in_a_session_changes_nothing_anywhere(seed: int, data: st.DataObject) -> None:
    """Sessions hold worlds of their own: a failure in one is taken back there, and others never moved."""
    roq = Roq.create(seed=seed, size=SIZE, settings=SETTINGS, engine=ENGINE)
    session = roq.session("s")
    root_before, session_before = snapshot(roq), snapshot(session)
    mutation = data.draw(mutations(session), label="mutation")
    probe_session = roq.session("probe")  # made (seeded) before the writes are counted
    with counting() as calls:
        probe = probe_session.execute(mutation.query, mutation.variables, as_user=mutation.as_user)
    assert "errors" not in probe, probe
    assume(calls)
    name, k = data.draw(st.sampled_from(calls), label="failing write and its call number")
    with failing(name, k):
        answer = session.execute(mutation.query, mutation.variables, as_user=mutation.as_user)
    assert answer["errors"][0]["extensions"]["response"]["errorCode"] == "INTERNAL_ERROR"
    assert not differences(session_before, snapshot(session)), "the failure was not taken back"
    assert not differences(root_before, snapshot(roq)), "a failure in a session changed the root"


# ---------------------------------------------------------------- a failure inside one write

# The ordered-index helpers the write methods call after they have changed a table: a failure there is a
# failure half-way through one write (add_conversation, add_message, remove_conversation).
HELPERS = ("_insert_ordered", "_remove_ordered")


@contextmanager
def helper_failing(k: int | None) -> Iterator[Counter[str]]:
    """Count the helpers' calls; with ``k``, the k-th call of either raises instead."""
    calls: Counter[str] = Counter()
    originals = {name: getattr(store_module, name) for name in HELPERS}

    def wrapped(name: str) -> Callable[..., Any]:
        def helper(*args: Any, **kwargs: Any) -> Any:
            calls[name] += 1
            if k is not None and calls.total() == k:
                raise InjectedFailure(f"injected: {name}, helper call {k}")
            return originals[name](*args, **kwargs)

        return helper

    with mock.patch.multiple(store_module, **{name: wrapped(name) for name in HELPERS}):
        yield calls


@settings(max_examples=60, deadline=None, phases=PHASES, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**16), data=st.data())
def test_a_mutation_failing_inside_a_write_changes_nothing(seed: int, data: st.DataObject) -> None:
    """Half-way through one write method, not between two: the world must still be as it was.

    Beyond the brief of "between writes": a bug inside remove_conversation (say) raises after the
    conversation left its table but before the write registered its undo.
    """
    roq = Roq.create(seed=seed, size=SIZE, settings=SETTINGS, engine=ENGINE)
    baseline = snapshot(roq)
    # The file mutations write no ordered index: they have no helper to fail in.
    chat = [kind for kind in MUTATIONS if kind not in FILE_MUTATIONS]
    mutation = data.draw(mutations(roq, chat), label="mutation")
    with helper_failing(None) as calls:
        answer = roq.execute(mutation.query, mutation.variables, as_user=mutation.as_user)
    assert "errors" not in answer, answer
    roq.reset()
    assume(calls)
    k = data.draw(st.integers(1, calls.total()), label="failing helper call")
    with helper_failing(k):
        status, answer = over_http(roq, mutation)
    assert_internal_error(status, answer, mutation)
    changed = differences(baseline, snapshot(roq))
    assert not changed, f"a failed {mutation.field} (helper call {k} raised) left part of a write: {changed}"
    roq.reset()
    changed = differences(baseline[:2], snapshot(roq)[:2])
    assert not changed, f"a reset does not repair what the failed write left: {changed}"
