"""One test kit: :class:`Roq` (in process) and :class:`RoqServer` (a live server) are both a
:class:`RoqKit`, and the same scenario gives the same answers on each."""

from __future__ import annotations

import dataclasses
import inspect
from typing import Any

import jwt
import pytest

from roqmock import Call, Roq, RoqClient, RoqHttpError, RoqKit, RoqServer, WorldView
from roqmock.testing import _Kit

pytest_plugins = ["pytester"]

SIZES = {"users": 4, "conversations": 2, "messages": 6, "files": 1, "tenants": 1}


def _members() -> list[str]:
    return sorted(name for name in vars(RoqKit) if not name.startswith("_"))


def test_the_kit_has_the_members_the_readme_promises() -> None:
    assert {"seed", "world", "reset", "reseed", "session", "calls", "assert_called", "coverage"} <= set(
        _members()
    )


@pytest.mark.parametrize("name", _members())
def test_both_kits_have_each_member_with_one_signature(name: str) -> None:
    protocol = inspect.getattr_static(RoqKit, name)
    if isinstance(protocol, property):
        for kit in (Roq, RoqServer):
            fields = (
                {field.name for field in dataclasses.fields(kit)} if dataclasses.is_dataclass(kit) else set()
            )
            member = inspect.getattr_static(kit, name, None)
            assert name in fields or isinstance(member, property | str), (kit.__name__, name, member)
        return
    in_process, server = (inspect.getattr_static(kit, name) for kit in (Roq, RoqServer))
    expected = inspect.signature(protocol)
    for kit, member in ((Roq, in_process), (RoqServer, server)):
        assert callable(member), (kit.__name__, name)
        signature = inspect.signature(getattr(kit, name))
        assert list(signature.parameters) == list(expected.parameters), (kit.__name__, name, signature)
        for parameter, wanted in zip(
            signature.parameters.values(), expected.parameters.values(), strict=True
        ):
            assert (parameter.kind, parameter.default) == (wanted.kind, wanted.default), (kit.__name__, name)


@pytest.fixture(params=["roq", "roq_server"])
def kit(request: pytest.FixtureRequest) -> RoqKit:
    value: RoqKit = request.getfixturevalue(request.param)
    return value


def test_a_kit_is_a_roq_kit(kit: RoqKit) -> None:
    assert isinstance(kit, RoqKit)
    assert kit.server_header.startswith("Basic ") and kit.graphql_url == f"{kit.url}/v01/server/graphql"


def test_reseed_seed_and_world(kit: RoqKit) -> None:
    kit.reseed(seed=7, **SIZES)
    assert kit.seed == 7
    world = kit.world
    assert isinstance(world, WorldView)
    assert (len(world.users), len(world.conversations), len(world.messages)) == (4, 2, 6)
    with pytest.raises(RoqHttpError, match="users must be a non-negative integer"):
        kit.reseed(users=-1)
    assert kit.seed == 7 and len(kit.world.users) == 4  # a refused reseed changes nothing


def test_the_same_options_make_the_same_world_on_both(roq: Roq, roq_server: RoqServer) -> None:
    for kit in (roq, roq_server):
        kit.reseed(seed=11, **SIZES)
    in_process, served = roq.world, roq_server.world
    assert [user.id for user in in_process.users] == [user.id for user in served.users]
    assert [(m.id, m.body) for m in in_process.messages] == [(m.id, m.body) for m in served.messages]


def test_calls_and_assertions_return_call_records(kit: RoqKit) -> None:
    user = kit.world.users[0]
    client = kit.as_user(user)
    assert isinstance(client, RoqClient) and client.user_id == user.id
    total = client.conversations()["conversations"]["totalCount"]
    calls = kit.calls("conversations", as_user=user)
    assert len(calls) == 1 and isinstance(calls[0], Call)
    assert (calls[0].operation, calls[0].caller, calls[0].ok) == ("conversations", user.id, True)
    matched = kit.assert_called("conversations", times=1, as_user=user, ok=True)
    assert [call.sequence for call in matched] == [calls[0].sequence]
    kit.assert_not_called("createMessage")
    with pytest.raises(AssertionError, match="expected"):
        kit.assert_called("conversations", times=2)
    answer = kit.execute("query { conversations { totalCount } }", as_user=user)
    assert answer == {"data": {"conversations": {"totalCount": total}}}


def test_tokens_and_raw_graphql(kit: RoqKit) -> None:
    user = kit.world.users[1]
    claims = jwt.decode(kit.token(user), options={"verify_signature": False})
    assert claims["roqUserId"] == user.id and claims["roqEnvironmentId"] == kit.environment_id
    service = jwt.decode(kit.token(), options={"verify_signature": False})
    assert service["roqEnvironmentId"] == kit.environment_id and service["roqUserId"] != user.id
    response = kit.post_graphql("query { conversations { totalCount } }", token="forged")
    assert response.status_code == 401
    with kit.http_client() as http:
        assert http.get("/__roqmock/health").json()["status"] == "ok"


def test_sessions(kit: RoqKit) -> None:
    user = kit.world.users[0]
    conversation = kit.world.conversations_of(user)[0]
    session = kit.session("job-a")
    session.as_user(user).create_message(
        {"authorId": user.id, "body": "only in job-a", "conversationId": conversation.id, "isSystem": False}
    )
    assert "only in job-a" in {message.body for message in session.world.messages}
    assert "only in job-a" not in {message.body for message in kit.world.messages}
    assert kit.sessions() == ["job-a"]
    kit.end_sessions()
    assert kit.sessions() == []


def test_faults_coverage_and_state(kit: RoqKit) -> None:
    fault: dict[str, Any] = kit.add_fault(operation="conversations", error={"statusCode": 500})
    assert kit.faults() == [fault]
    with pytest.raises(RoqHttpError):
        kit.as_user(kit.world.users[0]).conversations()
    kit.remove_faults()
    assert kit.faults() == []
    assert any(row["rule"].startswith("Conversation:read") for row in kit.coverage())
    state, users = kit.state(), [user.id for user in kit.world.users]
    kit.reseed(empty=True)
    assert kit.world.users == []
    kit.load_state(state)
    assert [user.id for user in kit.world.users] == users


CONTROL_CALLS: list[tuple[str, str, dict[str, Any]]] = [
    ("GET", "health", {}),
    ("POST", "faults", {"json": {"operation": "messages", "latencyMs": 5, "count": 2}}),
    ("POST", "faults", {"json": {"operation": "messages", "latencyMs": -1}}),
    ("POST", "faults", {"json": ["not", "an", "object"]}),
    ("GET", "faults", {}),
    ("POST", "seed", {"json": {"users": -1}}),
    ("POST", "seed", {"json": {"seed": 5, "users": 3, "conversations": 1, "messages": 2, "locale": "de_DE"}}),
    ("GET", "state", {}),
    ("PUT", "state", {"json": {"users": [{"id": "not a user"}]}}),
    ("GET", "coverage", {}),
    ("GET", "sessions", {}),
    ("DELETE", "faults", {}),
    ("POST", "reset", {}),
    ("GET", "health", {}),
    ("GET", "no-such-route", {}),
    ("PATCH", "reset", {}),
]


def test_in_process_control_calls_answer_as_they_do_over_the_transport() -> None:
    """Roq calls the control API's routes without httpx; a twin kit calls them through httpx and
    RoqTransport, as before: each call of the same sequence answers both the same, errors included."""
    direct, through_httpx = Roq.create(seed=3), Roq.create(seed=3)
    answers = []
    for method, path, kwargs in CONTROL_CALLS:
        mine = direct._control_answer(method, path, **dict(kwargs))
        theirs = _Kit._control_answer(through_httpx, method, path, **dict(kwargs))
        assert mine == theirs, (method, path)
        answers.append(mine[0])
    assert answers.count(200) >= 8 and {201, 400, 404, 405} <= set(answers)
    assert direct.world.users == through_httpx.world.users
    for bad in (float("nan"), "\ud800"):  # not JSON: the control API refuses it, in ROQ's shape
        with pytest.raises(RoqHttpError) as refused:
            direct.add_fault(operation="messages", probability=bad)
        assert refused.value.status_code == 400
