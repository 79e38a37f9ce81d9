"""The live chat through the control API, over HTTP against a real ``roqmock serve``: who is connected
(``GET /__roqmock/sockets``), what was sent (``/__roqmock/emitted``), socket events in the journal, and
socket faults (``POST /__roqmock/faults`` with an ``event``)."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from support.servers import control_client

from roqmock.client import HttpSession
from roqmock.live_kit import NetworkSocket, SocketRefused
from roqmock.seed import WorldSize
from roqmock.testing import RoqServer, running_server

SERVER_HEADER = "roq-platform-server-authorization"
SIZE = WorldSize(users=3, conversations=1, messages=2, files=0, tenants=1)


@pytest.fixture(scope="module")
def server() -> Iterator[RoqServer]:
    with running_server(seed=3, size=SIZE) as running:
        yield running


@pytest.fixture(autouse=True)
def fresh_world(server: RoqServer) -> Iterator[None]:
    server.reset()
    server.end_sessions()
    yield
    server.close_sockets()


@pytest.fixture
def control(server: RoqServer) -> Iterator[httpx.Client]:
    with control_client(server) as client:
        yield client


def _basic(environment_id: str, api_key: str) -> str:
    return "Basic " + base64.b64encode(f"{environment_id}:{api_key}".encode()).decode()


def _pair(kit: RoqServer) -> tuple[str, str, str]:
    tag = uuid.uuid4().hex[:8]
    ids = []
    for name in ("alice", "bob"):
        user = {"reference": f"{name}-{tag}", "email": f"{name}-{tag}@example.com", "firstName": name}
        ids.append(kit.as_super_admin().create_user(user)["createUser"]["id"])
    conversation = {"title": "Pair", "ownerId": ids[0], "memberIds": ids}
    conversation_id = kit.as_super_admin().create_conversation(conversation)["createConversation"]["id"]
    return ids[0], ids[1], conversation_id


def _say(kit: RoqServer, author: str, conversation: str, body: str) -> None:
    message = {"authorId": author, "body": body, "conversationId": conversation, "isSystem": False}
    kit.as_user(author).create_message(message)


# ---------------------------------------------------------------- GET /__roqmock/sockets


def test_sockets_lists_who_is_connected(server: RoqServer, control: httpx.Client) -> None:
    assert control.get("sockets").json() == {"sockets": [], "count": 0}
    alice, _, _ = _pair(server)
    socket = server.socket(alice)
    answer = control.get("sockets").json()
    assert answer["count"] == 1
    (entry,) = answer["sockets"]
    assert set(entry) == {"sid", "userId", "email", "reference", "session", "connectedSince", "transport"}
    assert (entry["userId"], entry["session"], entry["transport"]) == (alice, None, "websocket")
    assert entry["email"].startswith("alice-") and entry["reference"].startswith("alice-")
    assert entry["connectedSince"].endswith("+00:00")
    socket.close()
    assert control.get("sockets").json()["count"] == 0


def test_sockets_needs_the_server_header(server: RoqServer) -> None:
    for method, path in (("GET", "sockets"), ("GET", "emitted"), ("DELETE", "emitted")):
        response = httpx.request(method, f"{server.url}/__roqmock/{path}")
        assert response.status_code == 401, (path, response.text)


def test_sockets_honours_sessions(server: RoqServer, control: httpx.Client) -> None:
    session = server.session("sockets-a")
    alice, _, _ = _pair(session)
    session.socket(alice)
    assert control.get("sockets").json()["count"] == 0  # the default world has none
    in_session = control.get("sockets", headers={"x-roqmock-session": "sockets-a"}).json()["sockets"]
    assert [(entry["userId"], entry["session"]) for entry in in_session] == [(alice, "sockets-a")]
    every = control.get("sockets", params={"all": "true"}).json()["sockets"]
    assert [(entry["userId"], entry["session"]) for entry in every] == [(alice, "sockets-a")]
    # Another environment's credentials see their own world alone.
    other = {SERVER_HEADER: _basic(str(uuid.uuid4()), server.api_key)}
    assert control.get("sockets", headers=other).json()["count"] == 0
    refused = control.get("sockets", headers=other, params={"all": "true"})
    assert (refused.status_code, refused.json()["errorCode"]) == (403, "FORBIDDEN")
    assert control.get("sockets", params={"all": "yes"}).status_code == 400


# ---------------------------------------------------------------- /__roqmock/emitted


def test_emitted_lists_what_was_sent_to_whom(server: RoqServer, control: httpx.Client) -> None:
    alice, bob, conversation = _pair(server)
    with server.socket(bob) as socket:
        socket.emit("userConnected", {"userId": bob})
        _say(server, alice, conversation, "over graphql")
        socket.wait_for("messageReceived")
    answer = control.get("emitted", params={"event": "messageReceived", "to": bob}).json()
    assert answer["count"] == 1
    (emission,) = answer["emitted"]
    assert set(emission) == {"sequence", "event", "to", "sid", "data", "delayMs", "at"}
    assert (emission["event"], emission["to"], emission["data"]["body"], emission["delayMs"]) == (
        "messageReceived",
        bob,
        "over graphql",
        0,
    )
    assert control.get("emitted", params={"to": bob.upper()}).json()["count"] == 1
    assert control.get("emitted", params={"to": alice}).json()["count"] == 0
    assert control.delete("emitted").json() == {"count": 0}
    assert control.get("emitted").json()["count"] == 0


def test_emitted_refuses_a_recipient_that_is_not_a_user_id(control: httpx.Client) -> None:
    answer = control.get("emitted", params={"to": "bob"})
    assert answer.status_code == 400
    assert answer.json()["errorCode"] == "BAD_REQUEST"
    assert "to must be a user id" in answer.json()["message"]


# ---------------------------------------------------------------- the journal


def test_socket_events_are_journaled_with_their_transport(server: RoqServer, control: httpx.Client) -> None:
    alice, _, conversation = _pair(server)
    with server.socket(alice) as socket:
        socket.emit("sendMessage", {"conversationId": conversation, "body": "hi"})
        socket.emit("conversationDetails", {"conversationId": str(uuid.uuid4())})
        socket.emit("noSuchEvent", {"what": "ever"})
    calls = control.get("requests", params={"transport": "socket"}).json()["calls"]
    assert [(c["operation"], c["caller"], c["ok"], c["errorCode"]) for c in calls] == [
        ("sendMessage", alice, True, None),
        ("conversationDetails", alice, False, "CONVERSATION_NOT_FOUND"),
        ("noSuchEvent", alice, False, "EVENT_NOT_SERVED"),
    ]
    assert calls[2]["variables"] == {"what": "ever"}
    assert calls[0]["transport"] == "socket" and calls[0]["variables"]["body"] == "hi"
    assert calls[0]["fields"] == ["sendMessage"] and calls[1]["status"] == 404
    graphql = control.get("requests", params={"transport": "graphql"}).json()["calls"]
    assert graphql and {c["transport"] for c in graphql} == {"graphql"}
    verified = control.post(
        "requests/verify",
        json={"operation": "sendMessage", "times": 1, "asUser": alice, "transport": "socket"},
    ).json()
    assert verified["ok"] is True
    assert control.get("requests", params={"transport": "pigeon"}).status_code == 400


# ---------------------------------------------------------------- faults


@pytest.mark.parametrize(
    ("fault", "message"),
    [
        ({"event": "messageReceived"}, "latencyMs, drop, or both"),
        ({"event": "sendMessage", "direction": "fromClient"}, "latencyMs, an error, or both"),
        ({"event": "sendMessage", "direction": "fromClient", "drop": True}, "not dropped"),
        ({"event": "messageReceived", "error": {"statusCode": 500}}, "refuses a client event"),
        ({"event": "messageReceived", "drop": "yes"}, "drop must be true or false"),
        ({"event": "messageReceived", "drop": True, "direction": "sideways"}, "direction must be"),
        ({"event": "", "drop": True}, "event must be"),
        ({"event": "messageReceived", "drop": True, "user": 3}, "user must be"),
        ({"event": "messageReceived", "drop": True, "user": "bob"}, "user must be a user id"),
        (
            {"event": "messageReceived", "drop": True, "operation": "messages"},
            "unknown fault fields: operation",
        ),
    ],
)
def test_a_bad_socket_fault_is_a_400(control: httpx.Client, fault: dict[str, Any], message: str) -> None:
    response = control.post("faults", json=fault)
    assert (response.status_code, response.json()["errorCode"]) == (400, "INVALID_FAULT")
    assert message in response.json()["message"]


def test_a_socket_faults_user_is_any_case_of_its_id(server: RoqServer, control: httpx.Client) -> None:
    """User ids are UUIDs, compared as the sockets carry them (lower case): an upper-case id still hits."""
    alice, bob, conversation = _pair(server)
    fault = control.post("faults", json={"event": "messageReceived", "user": bob.upper(), "drop": True})
    assert fault.status_code == 201 and fault.json()["user"] == bob
    with server.socket(bob) as socket:
        _say(server, alice, conversation, "lost")
        _say(server, bob, conversation, "mine")  # also dropped: every messageReceived to bob is
        socket.emit("userConnected", {"userId": bob})
    assert control.get("emitted", params={"event": "messageReceived", "to": bob}).json()["count"] == 0
    control.delete("faults")


def test_socket_faults_drop_and_delay_server_events(server: RoqServer, control: httpx.Client) -> None:
    alice, bob, conversation = _pair(server)
    dropped = control.post("faults", json={"event": "messageReceived", "user": bob, "drop": True, "count": 1})
    assert dropped.status_code == 201
    assert dropped.json() == {
        "id": dropped.json()["id"],
        "operation": None,
        "event": "messageReceived",
        "user": bob,
        "direction": "toClient",
        "drop": True,
        "latencyMs": 0,
        "error": None,
        "probability": 1.0,
        "remaining": 1,
        "hits": 0,
    }
    control.post("faults", json={"event": "messageReceived", "latencyMs": 120, "count": 1})
    with server.socket(bob) as socket:
        _say(server, alice, conversation, "never seen")  # dropped for bob
        _say(server, alice, conversation, "seen late")  # delayed by the second fault
        _say(server, alice, conversation, "seen")
        assert socket.wait_for("messageReceived", lambda m: m["body"] == "seen")
        socket.wait_for("messageReceived", lambda m: m["body"] == "seen late")
        assert "never seen" not in [m["body"] for m in socket.named("messageReceived")]
    sent = control.get("emitted", params={"event": "messageReceived"}).json()["emitted"]
    assert [(e["data"]["body"], e["delayMs"]) for e in sent] == [("seen late", 120), ("seen", 0)]
    assert [(f["hits"], f["remaining"]) for f in control.get("faults").json()["faults"]] == [(1, 0), (1, 0)]


def test_socket_and_graphql_faults_never_cross(server: RoqServer, control: httpx.Client) -> None:
    alice, bob, conversation = _pair(server)
    control.post("faults", json={"event": "*", "direction": "fromClient", "error": {"statusCode": 503}})
    _say(server, alice, conversation, "graphql is untouched")  # raises if it failed
    control.delete("faults")
    control.post("faults", json={"operation": "*", "error": {"statusCode": 503}})
    with server.socket(bob) as socket:
        assert (
            socket.emit("sendMessage", {"conversationId": conversation, "body": "socket untouched"}) is None
        )
        socket.wait_for("messageReceived", lambda m: m["body"] == "socket untouched")


def test_a_socket_fault_refuses_a_client_event(server: RoqServer, control: httpx.Client) -> None:
    alice, _, conversation = _pair(server)
    error = {"statusCode": 429, "errorCode": "SLOW_DOWN"}
    control.post("faults", json={"event": "sendMessage", "direction": "fromClient", "error": error})
    with server.socket(alice) as socket:
        answer = socket.emit("sendMessage", {"conversationId": conversation, "body": "refused"})
        assert answer["error"]["errorCode"] == "SLOW_DOWN"
        assert json.loads(socket.wait_for("exception"))["errorCode"] == "SLOW_DOWN"
    (call,) = control.get("requests", params={"operation": "sendMessage"}).json()["calls"]
    assert (call["status"], call["errorCode"], call["transport"]) == (429, "SLOW_DOWN", "socket")


def test_a_socket_picks_its_world_as_http_does(server: RoqServer, control: httpx.Client) -> None:
    """The session a connect names (``?x-roqmock-session=``), else its token's environment's world; a token
    of another environment than the server's or the session's is refused, as over HTTP."""
    user = server.world.users[0].id  # seeded: in every session too
    job = HttpSession(server.url, environment_id="job-x", api_key=server.api_key)
    job_token = job.token(user)
    with NetworkSocket(server.url, job_token, user, timeout=10):
        (entry,) = control.get("sockets", params={"all": "true"}).json()["sockets"]
        assert entry["session"] == "job-x"
    with NetworkSocket(server.url, server.token(user), user, session="job-y", timeout=10):
        (entry,) = control.get("sockets", params={"all": "true"}).json()["sockets"]
        assert entry["session"] == "job-y"
    with pytest.raises(SocketRefused) as refused:
        NetworkSocket(server.url, job_token, user, session="job-y", timeout=10)
    assert refused.value.data["message"] == "The token belongs to another environment"
    with pytest.raises(SocketRefused, match="INVALID_SESSION"):
        NetworkSocket(server.url, server.token(user), user, session="no spaces allowed", timeout=10)
    job.close()
