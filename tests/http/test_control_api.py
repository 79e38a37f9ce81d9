"""The control API under ``/__roqmock/``, over HTTP against a real ``roqmock serve`` on loopback.

One server for the module; before every test it is re-seeded to the module's world (which also empties the
journal, the faults and the coverage) and its sessions are ended, so tests never see each other.
"""

from __future__ import annotations

import base64
import copy
import json
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from support.servers import control_client

from roqmock.client import HttpSession, RoqClient, RoqHttpError
from roqmock.seed import WorldSize
from roqmock.testing import RoqServer, WorldView, running_server, start_server

SEED = 7
SIZE = WorldSize(users=5, conversations=4, messages=16, files=2, tenants=2)
WORLD_BODY = {
    "seed": SEED,
    "users": SIZE.users,
    "conversations": SIZE.conversations,
    "messages": SIZE.messages,
    "files": SIZE.files,
    "tenants": SIZE.tenants,
    "locale": "en_US",
}
SERVER_HEADER = "roq-platform-server-authorization"
SESSION_HEADER = "x-roqmock-session"
LATENCY_MS = 200
CREATE_USER = "mutation c($u: UserCreateDto!) { createUser(user: $u) { id } }"
ENVELOPE_KEYS = {"statusCode", "message", "error", "errorCode", "variables"}

# Every control route but health, which is open.
GUARDED_ROUTES = [
    ("POST", "reset"),
    ("POST", "seed"),
    ("GET", "state"),
    ("PUT", "state"),
    ("GET", "requests"),
    ("DELETE", "requests"),
    ("POST", "requests/verify"),
    ("POST", "faults"),
    ("GET", "faults"),
    ("DELETE", "faults"),
    ("GET", "sessions"),
    ("DELETE", "sessions"),
    ("GET", "coverage"),
    ("DELETE", "coverage"),
    ("GET", "sockets"),
    ("GET", "emitted"),
    ("DELETE", "emitted"),
]


# ---------------------------------------------------------------- fixtures and helpers


@pytest.fixture(scope="module")
def server() -> Iterator[RoqServer]:
    with running_server(seed=SEED, size=SIZE) as running:
        yield running


@pytest.fixture(autouse=True)
def fresh_world(server: RoqServer) -> None:
    """Back to the module's world, with no journal, faults, coverage or sessions."""
    server.reseed(**WORLD_BODY)
    server.end_sessions()


@pytest.fixture
def control(server: RoqServer) -> Iterator[httpx.Client]:
    with control_client(server) as client:
        yield client


def _error(response: httpx.Response, status: int, error_code: str) -> dict[str, Any]:
    """The error envelope of ``response``, checked to be ROQ's REST shape with this status and code."""
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert set(body) == ENVELOPE_KEYS, body
    assert (body["statusCode"], body["errorCode"]) == (status, error_code), body
    assert isinstance(body["message"], str) and body["message"], body
    return body


def _session_client(server: RoqServer, name: str) -> HttpSession:
    """Tokens and GraphQL requests that all carry ``x-roqmock-session: name``."""
    return HttpSession(
        server.url,
        environment_id=server.environment_id,
        api_key=server.api_key,
        http=httpx.Client(headers={SESSION_HEADER: name}, timeout=30),
    )


def _member_not_owner(world: WorldView) -> tuple[str, str]:
    """A user and a conversation they belong to but do not own: they may read it, not delete it."""
    for conversation in world.conversations:
        for member in world.members_of(conversation):
            if member.id != conversation.owner_id:
                return member.id, conversation.id
    raise AssertionError("the seeded world has no conversation with a member who is not its owner")


def _new_conversation(client: RoqClient, world: WorldView, title: str) -> str:
    owner, other = world.users[0], world.users[1]
    created = client.create_conversation(
        {"title": title, "ownerId": owner.id, "memberIds": [owner.id, other.id]}
    )
    conversation_id: str = created["createConversation"]["id"]
    return conversation_id


def _titles(state: dict[str, Any]) -> set[str]:
    return {conversation["title"] for conversation in state["conversations"]}


def _write_message(server: RoqServer, body: str) -> tuple[str, str]:
    """A message by a member of a seeded conversation; answers (author id, conversation id)."""
    world = server.world
    conversation = world.conversations[0]
    author = world.members_of(conversation)[0]
    message = {"authorId": author.id, "body": body, "conversationId": conversation.id, "isSystem": False}
    assert server.as_user(author.id).create_message(message) == {"createMessage": True}
    return author.id, conversation.id


def _timed(call: Any) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


# ---------------------------------------------------------------- health, auth, routing


def test_health_is_open_and_summarises_the_world(server: RoqServer) -> None:
    response = httpx.get(f"{server.url}/__roqmock/health")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "seed": SEED,
        "baseline": "seeded",
        "empty": False,
        "users": SIZE.users + 1,  # the seeded bot writes the system messages
        "conversations": SIZE.conversations,
        "messages": SIZE.messages,
        "files": SIZE.files,
    }


@pytest.mark.parametrize(("method", "path"), GUARDED_ROUTES, ids=[f"{m} {p}" for m, p in GUARDED_ROUTES])
def test_every_other_endpoint_needs_the_server_header(server: RoqServer, method: str, path: str) -> None:
    url = f"{server.url}/__roqmock/{path}"
    missing = httpx.request(method, url, json={})
    body = _error(missing, 401, "MISSING_AUTH")
    assert SERVER_HEADER in body["message"]
    wrong = base64.b64encode(f"{server.environment_id}:not-the-key".encode()).decode()
    refused = httpx.request(method, url, json={}, headers={SERVER_HEADER: f"Basic {wrong}"})
    _error(refused, 401, "INVALID_API_KEY")


def test_a_malformed_server_header_is_refused(control: httpx.Client) -> None:
    response = control.get("state", headers={SERVER_HEADER: "Bearer not-basic"})
    body = _error(response, 401, "INVALID_AUTH_HEADER")
    assert "Basic base64(environmentId:apiKey)" in body["message"]


def test_an_unknown_route_is_404(control: httpx.Client) -> None:
    body = _error(control.get("nowhere"), 404, "NOT_FOUND")
    assert "/__roqmock/nowhere" in body["message"]


@pytest.mark.parametrize(("method", "path"), [("GET", "reset"), ("PATCH", "state"), ("PUT", "health")])
def test_a_wrong_method_is_405(control: httpx.Client, method: str, path: str) -> None:
    body = _error(control.request(method, path), 405, "METHOD_NOT_ALLOWED")
    assert method in body["message"] and path in body["message"]
    assert body["error"] == "Method Not Allowed"


# ---------------------------------------------------------------- reset and seed


def test_reset_returns_to_the_seeded_baseline(server: RoqServer, control: httpx.Client) -> None:
    baseline = control.get("state").json()
    admin = server.as_super_admin()
    _new_conversation(admin, server.world, "created before the reset")
    assert "created before the reset" in _titles(control.get("state").json())
    assert control.get("requests").json()["count"] == 1

    response = control.post("reset")
    assert response.status_code == 200
    assert response.json()["conversations"] == SIZE.conversations
    assert control.get("state").json() == baseline
    assert control.get("requests").json()["count"] == 0


def test_reset_empty_makes_the_empty_world_the_baseline(control: httpx.Client) -> None:
    response = control.post("reset", json={"empty": True})
    assert response.status_code == 200
    summary = response.json()
    assert summary["empty"] is True
    assert (summary["users"], summary["conversations"], summary["messages"], summary["files"]) == (0, 0, 0, 0)
    again = control.post("reset").json()
    assert (again["empty"], again["users"], again["conversations"]) == (True, 0, 0)


def test_reset_refuses_a_body_that_is_not_json(control: httpx.Client) -> None:
    body = _error(control.post("reset", content=b"{not json"), 400, "BAD_REQUEST")
    assert "JSON" in body["message"]


def test_seed_with_sizes_gives_those_counts(server: RoqServer, control: httpx.Client) -> None:
    sizes = {"users": 3, "conversations": 2, "messages": 7, "files": 1, "tenants": 1}
    response = control.post("seed", json={"seed": 21, **sizes})
    assert response.status_code == 200
    assert response.json() == {
        "seed": 21,
        "baseline": "seeded",
        "empty": False,
        "users": 4,  # three people and the bot
        "conversations": 2,
        "messages": 7,
        "files": 1,
    }
    state = control.get("state").json()
    assert (len(state["tenants"]), len(state["files"]), len(state["messages"])) == (1, 1, 7)
    assert len(server.world.users) == 3 and server.world.bot is not None


def test_the_same_seed_gives_identical_state(control: httpx.Client) -> None:
    body = {"seed": 33, "users": 4, "conversations": 3, "messages": 9}
    assert control.post("seed", json=body).status_code == 200
    first = control.get("state")
    assert control.post("seed", json={**body, "seed": 34}).status_code == 200
    other = control.get("state")
    assert control.post("seed", json=body).status_code == 200
    second = control.get("state")
    assert first.text == second.text
    assert first.json() != other.json()


def test_seed_empty_gives_an_empty_world(control: httpx.Client) -> None:
    summary = control.post("seed", json={"seed": 5, "empty": True}).json()
    assert summary == {
        "seed": 5,
        "baseline": "empty",
        "empty": True,
        "users": 0,
        "conversations": 0,
        "messages": 0,
        "files": 0,
    }


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"seed": -1}, "seed must be a non-negative integer"),
        ({"users": "many"}, "users must be a non-negative integer"),
        ({"messages": True}, "messages must be a non-negative integer"),
        ({"planets": 3}, "unknown fields: planets"),
        ({"locale": 42}, "locale must be a Faker locale such as en_US, not 42"),
        ({"users": 1, "conversations": 2}, "conversations need at least two users"),
        ([1, 2], "The request body must be a JSON object"),
    ],
    ids=[
        "negative-seed",
        "string-size",
        "boolean-size",
        "unknown-field",
        "locale-type",
        "too-few-users",
        "list",
    ],
)
def test_seed_refuses_bad_bodies_and_changes_nothing(control: httpx.Client, body: Any, message: str) -> None:
    before = control.get("state").json()
    response = control.post("seed", json=body)
    assert _error(response, 400, "BAD_REQUEST")["message"] == message
    assert control.get("state").json() == before


def test_seed_with_an_unknown_locale_is_400_and_changes_nothing(
    server: RoqServer, control: httpx.Client
) -> None:
    before = control.get("state").json()
    body = _error(control.post("seed", json={"locale": "xx_YY"}), 400, "BAD_REQUEST")
    assert "xx_YY" in body["message"]
    assert control.get("state").json() == before, "a refused seed emptied the world"
    with httpx.Client(headers={SERVER_HEADER: server.server_header}) as fresh:
        reset = fresh.post(f"{server.url}/__roqmock/reset")
        assert reset.status_code == 200, reset.text
        assert fresh.get(f"{server.url}/__roqmock/state").json() == before


# ---------------------------------------------------------------- state


def test_get_state_then_put_state_round_trips_exactly(server: RoqServer, control: httpx.Client) -> None:
    _new_conversation(server.as_super_admin(), server.world, "kept in the saved state")
    _write_message(server, "kept too")
    saved = control.get("state")
    assert "kept in the saved state" in _titles(saved.json())

    assert control.post("reset").status_code == 200
    assert "kept in the saved state" not in _titles(control.get("state").json())

    put = control.put("state", content=saved.content, headers={"content-type": "application/json"})
    assert put.status_code == 200
    assert put.json()["conversations"] == SIZE.conversations + 1
    assert put.json()["messages"] == SIZE.messages + 1
    again = control.get("state")
    assert again.json() == saved.json()
    assert again.text == saved.text


def test_put_state_without_baseline_is_undone_by_reset(control: httpx.Client) -> None:
    baseline = control.get("state").json()
    changed = copy.deepcopy(baseline)
    changed["conversations"][0]["title"] = "renamed by a PUT"
    assert control.put("state", json=changed).status_code == 200
    assert control.get("state").json() == changed
    assert control.post("reset").status_code == 200
    assert control.get("state").json() == baseline


def test_put_state_as_baseline_is_where_reset_returns(server: RoqServer, control: httpx.Client) -> None:
    scenario = copy.deepcopy(control.get("state").json())
    scenario["conversations"][0]["title"] = "the scenario's own title"
    scenario["messages"] = scenario["messages"][:-2]
    response = control.put("state", params={"baseline": "true"}, json=scenario)
    assert response.status_code == 200
    assert response.json()["messages"] == SIZE.messages - 2

    _new_conversation(server.as_super_admin(), server.world, "made after the PUT")
    assert "made after the PUT" in _titles(control.get("state").json())
    assert control.post("reset").status_code == 200
    assert control.get("state").json() == scenario


def test_a_state_baseline_reports_the_seed_it_names(control: httpx.Client) -> None:
    state = {**control.get("state").json(), "seed": 77}
    assert control.put("state", params={"baseline": "true"}, json=state).json()["seed"] == 77
    assert control.get("health").json()["seed"] == 77
    assert control.post("reset").json()["seed"] == 77
    # Without ?baseline=true a state is no baseline, and the baseline's seed stays.
    assert control.put("state", json={**state, "seed": 5}).json()["seed"] == 77


def test_a_state_baseline_is_not_reported_as_empty(control: httpx.Client) -> None:
    state = control.get("state").json()
    summary = control.put("state", params={"baseline": "true"}, json=state).json()
    assert summary["users"] == SIZE.users + 1
    assert summary["empty"] is False, summary
    assert control.get("health").json()["empty"] is False


def _dangling(state: dict[str, Any]) -> dict[str, Any]:
    state["messages"][0]["conversationId"] = str(uuid.UUID(int=1))
    return state


def _bad_uuid(state: dict[str, Any]) -> dict[str, Any]:
    state["users"][0]["id"] = "not-a-uuid"
    return state


def _unknown_key(state: dict[str, Any]) -> dict[str, Any]:
    state["planets"] = []
    return state


def _not_an_object(state: dict[str, Any]) -> Any:
    return [state]


@pytest.mark.parametrize(
    ("spoil", "words"),
    [
        (_dangling, ["messages", "unknown conversation", str(uuid.UUID(int=1))]),
        (_bad_uuid, ["users", "not-a-uuid", "UUID"]),
        (_unknown_key, ["unknown state keys", "planets"]),
        (_not_an_object, ["JSON object"]),
    ],
    ids=["dangling-reference", "bad-uuid", "unknown-key", "not-an-object"],
)
def test_put_an_invalid_state_is_400_and_changes_nothing(
    server: RoqServer, control: httpx.Client, spoil: Any, words: list[str]
) -> None:
    _new_conversation(server.as_super_admin(), server.world, "here before the bad PUT")
    before = control.get("state").json()
    response = control.put("state", json=spoil(copy.deepcopy(before)))
    body = _error(response, 400, "INVALID_STATE")
    assert body["message"].startswith("invalid state: ")
    for word in words:
        assert word in body["message"], body["message"]
    assert control.get("state").json() == before


def test_put_state_refuses_what_is_not_json_or_a_bad_flag(control: httpx.Client) -> None:
    before = control.get("state").json()
    _error(control.put("state", content=b"{"), 400, "BAD_REQUEST")
    flag = _error(control.put("state", params={"baseline": "yes"}, json=before), 400, "BAD_REQUEST")
    assert flag["message"] == "baseline must be true or false"
    assert control.get("state").json() == before


# ---------------------------------------------------------------- the journal


def test_the_journal_records_who_called_what_and_how_it_ended(
    server: RoqServer, control: httpx.Client
) -> None:
    world = server.world
    user_id, conversation_id = _member_not_owner(world)
    user = server.as_user(user_id)
    user.conversations(limit=2)
    with pytest.raises(RoqHttpError):
        user.delete_conversation(conversation_id)
    server.as_super_admin().users(limit=1)

    answer = control.get("requests").json()
    assert answer["count"] == 3
    reads, refused, admin = answer["calls"]
    assert (reads["operation"], reads["caller"], reads["status"], reads["ok"]) == (
        "conversations",
        user_id,
        200,
        True,
    )
    assert reads["variables"]["limit"] == 2
    assert (refused["operation"], refused["caller"], refused["ok"]) == ("deleteConversation", user_id, False)
    assert refused["variables"] == {"id": conversation_id}
    assert (admin["operation"], admin["caller"], admin["ok"]) == ("users", "super-admin", True)
    assert reads["sequence"] < refused["sequence"] < admin["sequence"]

    def operations(**query: str) -> list[str]:
        answer = control.get("requests", params=query).json()
        assert answer["count"] == len(answer["calls"])
        return [call["operation"] for call in answer["calls"]]

    assert operations(operation="deleteConversation") == ["deleteConversation"]
    assert operations(caller=user_id) == ["conversations", "deleteConversation"]
    assert operations(caller="super-admin") == ["users"]
    assert operations(ok="false") == ["deleteConversation"]
    assert operations(ok="true") == ["conversations", "users"]
    assert operations(operation="conversations", caller="super-admin") == []


def test_the_journal_records_error_codes_and_durations(server: RoqServer, control: httpx.Client) -> None:
    user_id, conversation_id = _member_not_owner(server.world)
    with pytest.raises(RoqHttpError):
        server.as_user(user_id).delete_conversation(conversation_id)
    server.as_user(user_id).conversations()
    refused, read = control.get("requests").json()["calls"]
    assert refused.get("errorCode") == "FORBIDDEN", refused
    assert read.get("errorCode", "absent") is None, read
    for call in (refused, read):
        assert isinstance(call.get("durationMs"), int | float) and call["durationMs"] >= 0, call


def test_the_journal_status_is_the_http_status_answered(server: RoqServer, control: httpx.Client) -> None:
    user_id, conversation_id = _member_not_owner(server.world)
    response = server.http.post(
        server.graphql_url,
        json={
            "query": "mutation($id: ID!) { deleteConversation(id: $id) }",
            "variables": {"id": conversation_id},
        },
        headers={
            "roq-platform-authorization": f"Bearer {server.token(user_id)}",
            SERVER_HEADER: server.server_header,
        },
    )
    (call,) = control.get("requests").json()["calls"]
    assert call["status"] == response.status_code


def test_delete_requests_empties_the_journal(server: RoqServer, control: httpx.Client) -> None:
    server.as_super_admin().conversations()
    assert control.get("requests").json()["count"] == 1
    assert control.delete("requests").json() == {"count": 0}
    assert control.get("requests").json() == {"calls": [], "count": 0}


def test_requests_refuses_a_bad_ok_filter(control: httpx.Client) -> None:
    body = _error(control.get("requests", params={"ok": "maybe"}), 400, "BAD_REQUEST")
    assert body["message"] == "ok must be true or false"


# ---------------------------------------------------------------- verify


def test_verify_answers_ok_when_the_call_matches(server: RoqServer, control: httpx.Client) -> None:
    author_id, conversation_id = _write_message(server, "verify me")
    answer = control.post(
        "requests/verify",
        json={
            "operation": "createMessage",
            "times": 1,
            "asUser": author_id,
            "variables": {"message": {"body": "verify me", "conversationId": conversation_id}},
            "ok": True,
        },
    ).json()
    assert (answer["ok"], answer["expected"], answer["actual"], answer["explanation"]) == (True, 1, 1, "")
    (matched,) = answer["matched"]
    assert (matched["operation"], matched["caller"]) == ("createMessage", author_id)

    never = {"operation": "deleteConversation", "times": 0}
    assert control.post("requests/verify", json=never).json()["ok"] is True
    at_least_once = control.post("requests/verify", json={"operation": "createMessage"}).json()
    assert (at_least_once["ok"], at_least_once["expected"], at_least_once["actual"]) == (True, None, 1)


def test_verify_explains_the_near_misses(server: RoqServer, control: httpx.Client) -> None:
    author_id, _ = _write_message(server, "the real body")
    someone_else = next(user.id for user in server.world.users if user.id != author_id)

    as_other = control.post("requests/verify", json={"operation": "createMessage", "asUser": someone_else})
    answer = as_other.json()
    assert (answer["ok"], answer["expected"], answer["actual"], answer["matched"]) == (False, None, 0, [])
    explanation = answer["explanation"]
    assert f"expected createMessage as {someone_else} at least once, it ran 0 time(s)" in explanation
    assert f"as {author_id}" in explanation and "the real body" in explanation

    wrong_body = {
        "operation": "createMessage",
        "times": 1,
        "variables": {"message": {"body": "another body"}},
    }
    answer = control.post("requests/verify", json=wrong_body).json()
    assert (answer["ok"], answer["expected"], answer["actual"]) == (False, 1, 0)
    assert "another body" in answer["explanation"] and "the real body" in answer["explanation"]

    twice = control.post("requests/verify", json={"operation": "createMessage", "times": 2}).json()
    assert (twice["ok"], twice["actual"]) == (False, 1)
    assert "2 time(s), it ran 1 time(s)" in twice["explanation"]

    only_failures = {"operation": "createMessage", "ok": False}
    assert control.post("requests/verify", json=only_failures).json()["ok"] is False


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "operation is required"),
        ({"operation": 3}, "operation is required"),
        ({"operation": "createMessage", "times": -1}, "times must be a non-negative integer"),
        ({"operation": "createMessage", "times": "2"}, "times must be a non-negative integer"),
        ({"operation": "createMessage", "variables": ["body"]}, "variables must be an object"),
    ],
    ids=["no-operation", "operation-type", "negative-times", "string-times", "variables-list"],
)
def test_verify_refuses_bad_bodies(control: httpx.Client, body: dict[str, Any], message: str) -> None:
    assert _error(control.post("requests/verify", json=body), 400, "BAD_REQUEST")["message"] == message


# ---------------------------------------------------------------- faults


def test_a_latency_fault_delays_only_its_operation(server: RoqServer, control: httpx.Client) -> None:
    client = server.as_super_admin()
    client.conversations(limit=1)  # the token is fetched here, not in the timed calls
    response = control.post("faults", json={"operation": "conversations", "latencyMs": LATENCY_MS})
    assert response.status_code == 201
    assert response.json()["latencyMs"] == LATENCY_MS

    faulted = _timed(lambda: client.conversations(limit=1))
    unfaulted = _timed(lambda: client.messages(limit=1))
    assert faulted >= LATENCY_MS / 1000
    assert unfaulted < LATENCY_MS / 1000
    (call,) = control.get("requests", params={"operation": "conversations"}).json()["calls"][-1:]
    assert call["ok"] is True


def test_an_error_fault_answers_in_roqs_envelope(server: RoqServer, control: httpx.Client) -> None:
    fault = {
        "operation": "createMessage",
        "error": {"statusCode": 503, "errorCode": "ROQ_IS_DOWN", "message": "try later"},
    }
    created = control.post("faults", json=fault).json()
    assert created["error"] == fault["error"]
    with pytest.raises(RoqHttpError) as caught:
        _write_message(server, "never stored")
    error = caught.value
    assert (error.status_code, error.error_code, error.message) == (503, "ROQ_IS_DOWN", "try later")
    response = error.answer["errors"][0]["extensions"]["response"]
    assert set(response) == ENVELOPE_KEYS
    assert (response["statusCode"], response["errorCode"]) == (503, "ROQ_IS_DOWN")
    assert error.answer["data"] is None
    assert "never stored" not in {message["body"] for message in control.get("state").json()["messages"]}
    assert server.as_super_admin().conversations(limit=1)["conversations"]["totalCount"] == SIZE.conversations


def test_an_error_fault_without_a_code_is_named_after_its_status(
    server: RoqServer, control: httpx.Client
) -> None:
    control.post("faults", json={"operation": "conversations", "error": {"statusCode": 429}})
    with pytest.raises(RoqHttpError) as caught:
        server.as_super_admin().conversations()
    assert (caught.value.status_code, caught.value.error_code) == (429, "TOO_MANY_REQUESTS")


def test_a_fault_of_every_accepted_status_answers_it_and_is_journaled(
    server: RoqServer, control: httpx.Client
) -> None:
    """Every status the control API accepts (400-599, registered or not: 499, 509, 522...) is honoured."""
    url = f"{server.url}/v01/server/graphql"
    headers = {
        SERVER_HEADER: server.server_header,
        "roq-platform-authorization": f"Bearer {server.token()}",
    }
    with httpx.Client(headers=headers, timeout=30) as graph:
        for status in range(400, 600):
            assert (
                control.post(
                    "faults", json={"operation": "users", "error": {"statusCode": status}}
                ).status_code
                == 201
            )
            response = graph.post(url, json={"query": "{ users { totalCount } }"})
            # Injected as an error raised while executing: HTTP 200, but 401 and 413 as ROQ answers them.
            assert response.status_code == (status if status in (401, 413) else 200), (status, response.text)
            body = response.json()
            assert body["data"] is None, body
            answered = body["errors"][0]["extensions"]["response"]
            assert set(answered) == ENVELOPE_KEYS and answered["statusCode"] == status, answered
            assert answered["error"] and answered["errorCode"] == answered["error"].upper().replace(" ", "_")
            (call,) = control.get("requests").json()["calls"][-1:]
            assert (call["operation"], call["status"], call["errorCode"], call["ok"]) == (
                "users",
                response.status_code,
                answered["errorCode"],
                False,
            ), (status, call)
            control.delete("faults").raise_for_status()
    assert control.get("requests").json()["count"] == 200


def test_a_fault_with_count_one_fires_once(server: RoqServer, control: httpx.Client) -> None:
    fault = control.post(
        "faults", json={"operation": "conversations", "error": {"statusCode": 500}, "count": 1}
    ).json()
    assert fault["remaining"] == 1
    client = server.as_super_admin()
    with pytest.raises(RoqHttpError):
        client.conversations()
    client.conversations()
    client.conversations()
    (listed,) = control.get("faults").json()["faults"]
    assert (listed["id"], listed["hits"], listed["remaining"]) == (fault["id"], 1, 0)


def test_a_fault_with_probability_zero_never_fires(server: RoqServer, control: httpx.Client) -> None:
    control.post("faults", json={"operation": "*", "error": {"statusCode": 500}, "probability": 0})
    client = server.as_super_admin()
    for _ in range(5):
        client.conversations(limit=1)
    (listed,) = control.get("faults").json()["faults"]
    assert (listed["probability"], listed["hits"]) == (0.0, 0)


def test_faults_are_listed_and_removed_by_id_or_all(control: httpx.Client) -> None:
    first = control.post("faults", json={"operation": "conversations", "latencyMs": 5}).json()
    second = control.post("faults", json={"operation": "messages", "error": {"statusCode": 500}}).json()
    third = control.post("faults", json={"operation": "*", "latencyMs": 5, "count": 2}).json()
    assert first["id"] != second["id"] != third["id"]
    listed = control.get("faults").json()["faults"]
    assert [fault["id"] for fault in listed] == [first["id"], second["id"], third["id"]]
    assert listed[0] == {**first, "hits": 0}

    assert control.delete("faults", params={"id": str(second["id"])}).json() == {"removed": 1}
    assert [fault["id"] for fault in control.get("faults").json()["faults"]] == [first["id"], third["id"]]
    assert control.delete("faults", params={"id": "999"}).json() == {"removed": 0}
    assert control.delete("faults").json() == {"removed": 2}
    assert control.get("faults").json() == {"faults": []}
    _error(control.delete("faults", params={"id": "first"}), 400, "BAD_REQUEST")


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"latencyMs": 10}, "operation is required"),
        ({"operation": ""}, "operation is required"),
        ({"operation": "conversations"}, "needs latencyMs, an error, or both"),
        ({"operation": "conversations", "latencyMs": -1}, "latencyMs must be an integer"),
        ({"operation": "conversations", "latencyMs": 60_001}, "latencyMs must be an integer from 0 to 60000"),
        ({"operation": "conversations", "latencyMs": 1.5}, "latencyMs must be an integer"),
        ({"operation": "conversations", "error": {"statusCode": 200}}, "error.statusCode"),
        ({"operation": "conversations", "error": "boom"}, "error must be an object"),
        ({"operation": "conversations", "error": {"statusCode": 500, "errorCode": 5}}, "error.errorCode"),
        ({"operation": "conversations", "latencyMs": 5, "probability": 1.5}, "probability must be a number"),
        ({"operation": "conversations", "latencyMs": 5, "count": 0}, "count must be a positive integer"),
        ({"operation": "conversations", "latencyMs": 5, "when": "now"}, "unknown fault fields: when"),
    ],
    ids=[
        "no-operation",
        "empty-operation",
        "nothing-to-inject",
        "negative-latency",
        "latency-too-long",
        "fractional-latency",
        "status-not-an-error",
        "error-not-object",
        "error-code-type",
        "probability-above-one",
        "count-zero",
        "unknown-field",
    ],
)
def test_invalid_faults_are_400(control: httpx.Client, body: dict[str, Any], words: str) -> None:
    assert words in _error(control.post("faults", json=body), 400, "INVALID_FAULT")["message"]
    assert control.get("faults").json() == {"faults": []}


def test_reset_removes_faults(control: httpx.Client) -> None:
    control.post("faults", json={"operation": "*", "latencyMs": 5})
    control.post("reset")
    assert control.get("faults").json() == {"faults": []}


# ---------------------------------------------------------------- sessions


def test_sessions_see_separate_worlds(server: RoqServer, control: httpx.Client) -> None:
    world = server.world
    alpha, beta = _session_client(server, "ci-job.alpha_1"), _session_client(server, "ci-job-beta")
    try:
        _new_conversation(alpha.as_super_admin(), world, "only in alpha")
        _new_conversation(beta.as_super_admin(), world, "only in beta")

        def titles(session: str | None) -> set[str]:
            headers = {SESSION_HEADER: session} if session else {}
            return _titles(control.get("state", headers=headers).json())

        assert "only in alpha" in titles("ci-job.alpha_1") and "only in beta" not in titles("ci-job.alpha_1")
        assert "only in beta" in titles("ci-job-beta") and "only in alpha" not in titles("ci-job-beta")
        assert not {"only in alpha", "only in beta"} & titles(None)
        assert control.get("requests").json()["count"] == 0
        in_alpha = control.get("requests", headers={SESSION_HEADER: "ci-job.alpha_1"}).json()
        assert [call["operation"] for call in in_alpha["calls"]] == ["createConversation"]

        assert control.get("sessions").json() == {"sessions": ["ci-job-beta", "ci-job.alpha_1"]}
        assert control.delete("sessions", params={"name": "ci-job.alpha_1"}).json() == {"ended": 1}
        assert control.get("sessions").json() == {"sessions": ["ci-job-beta"]}
        assert control.delete("sessions", params={"name": "ci-job.alpha_1"}).json() == {"ended": 0}
        assert "only in alpha" not in titles("ci-job.alpha_1")  # a new session, from the baseline
        assert control.delete("sessions").json() == {"ended": 2}
        assert control.get("sessions").json() == {"sessions": []}
    finally:
        alpha.close()
        beta.close()


@pytest.mark.parametrize("name", ["has space", "a/b", "x" * 65, "ünïcode"])
def test_a_bad_session_name_is_400(server: RoqServer, control: httpx.Client, name: str) -> None:
    response = httpx.get(
        f"{server.url}/__roqmock/state",
        headers=[(SERVER_HEADER, server.server_header), (SESSION_HEADER, name.encode())],
    )
    body = _error(response, 400, "INVALID_SESSION")
    assert SESSION_HEADER in body["message"]
    assert control.get("sessions").json() == {"sessions": []}


def _basic(environment_id: str, api_key: str) -> str:
    return "Basic " + base64.b64encode(f"{environment_id}:{api_key}".encode()).decode()


def test_an_environment_id_names_a_world_of_its_own(server: RoqServer, control: httpx.Client) -> None:
    """What ROQ's SDK sends (no x-roqmock-session) reaches a session: one world per environment id."""
    environment = str(uuid.uuid4())
    basic = {SERVER_HEADER: _basic(environment, server.api_key)}
    graph = f"{server.url}/v01/server/graphql"
    credentials = {"environmentId": environment, "apiKey": server.api_key}
    # A wrong api key makes no world.
    wrong = httpx.post(f"{server.url}/v01/authorize/serviceAccount", json={**credentials, "apiKey": "wrong"})
    _error(wrong, 401, "INVALID_API_KEY")
    assert control.get("sessions").json() == {"sessions": []}

    service = httpx.post(f"{server.url}/v01/authorize/serviceAccount", json=credentials).json()["accessToken"]
    assert jwt.decode(service, options={"verify_signature": False})["roqEnvironmentId"] == environment
    as_admin = {**basic, "roq-platform-authorization": f"Bearer {service}"}
    made = httpx.post(
        graph,
        json={
            "query": CREATE_USER,
            "variables": {"u": {"reference": "env-only", "email": "env@example.com"}},
        },
        headers=as_admin,
    ).json()
    user_id = made["data"]["createUser"]["id"]
    user = httpx.post(
        f"{server.url}/v01/authorize",
        json={**credentials, "userId": user_id},
        headers={"roq-platform-authorization": f"Bearer {service}"},
    ).json()["accessToken"]
    assert jwt.decode(user, options={"verify_signature": False})["roqEnvironmentId"] == environment
    for path, headers in ((graph, basic), (f"{server.url}/v01/graphql", {})):
        mine = httpx.post(
            path,
            json={"query": "{ users { totalCount data { id } } }"},
            headers={**headers, "roq-platform-authorization": f"Bearer {user}"},
        )
        assert mine.status_code == 200, mine.text
        assert user_id in {row["id"] for row in mine.json()["data"]["users"]["data"]}

    # Only that world holds the user; its control API and journal are its own.
    assert control.get("sessions").json() == {"sessions": [environment]}
    assert "env@example.com" not in {row["email"] for row in control.get("state").json()["users"]}
    own_state = httpx.get(f"{server.url}/__roqmock/state", headers=basic).json()
    assert "env@example.com" in {row["email"] for row in own_state["users"]}
    journal = httpx.get(f"{server.url}/__roqmock/requests", headers=basic).json()["calls"]
    assert [call["operation"] for call in journal] == ["createUser", "users", "users"]
    assert control.get("requests").json()["count"] == 0
    # x-roqmock-session with the environment id is the same world.
    same = control.get("state", headers={SESSION_HEADER: environment}).json()
    assert "env@example.com" in {row["email"] for row in same["users"]}

    # A token acts in its own environment's world only.
    default_admin = server.token()
    crossed = [
        httpx.post(graph, json={"query": "{ users { totalCount } }"}, headers=headers)
        for headers in (
            {SERVER_HEADER: server.server_header, "roq-platform-authorization": f"Bearer {user}"},
            {**basic, "roq-platform-authorization": f"Bearer {default_admin}"},
            {**basic, "roq-platform-authorization": f"Bearer {user}", SESSION_HEADER: "elsewhere"},
        )
    ]
    assert [response.status_code for response in crossed] == [401, 401, 401]
    assert _error_code(crossed[0]) == "UNAUTHORIZED_EXCEPTION"
    assert _error_code(crossed[1]) == "INVALID_API_KEY"
    assert control.get("sessions").json() == {"sessions": [environment]}
    assert control.delete("sessions", params={"name": environment}).json() == {"ended": 1}


def _error_code(response: httpx.Response) -> str:
    code: str = response.json()["errors"][0]["extensions"]["response"]["errorCode"]
    return code


def test_a_stranger_cannot_make_an_environment_world(server: RoqServer, control: httpx.Client) -> None:
    environment = str(uuid.uuid4())
    graph = f"{server.url}/v01/server/graphql"
    for headers in (
        {SERVER_HEADER: _basic(environment, "wrong-key")},
        {SERVER_HEADER: "Basic !!!"},
        {"roq-platform-authorization": "Bearer forged"},
    ):
        response = httpx.post(graph, json={"query": "{ users { totalCount } }"}, headers=headers)
        assert response.status_code == 401
    _error(
        httpx.get(f"{server.url}/__roqmock/state", headers={SERVER_HEADER: _basic(environment, "x")}),
        401,
        "INVALID_API_KEY",
    )
    assert control.get("sessions").json() == {"sessions": []}


def test_an_environment_controls_its_own_world_only(server: RoqServer, control: httpx.Client) -> None:
    """Parallel jobs, each with its own environment id, never see nor end each other's worlds."""
    job_a, job_b = str(uuid.uuid4()), str(uuid.uuid4())
    as_a = {SERVER_HEADER: _basic(job_a, server.api_key)}
    as_b = {SERVER_HEADER: _basic(job_b, server.api_key)}
    for headers in (as_a, as_b):
        assert control.post("reset", headers=headers).status_code == 200  # makes each job's world
    assert control.get("sessions").json() == {"sessions": sorted([job_a, job_b])}

    # A's credentials cannot reach B's world through the session header.
    for method, path in (("GET", "state"), ("POST", "reset"), ("GET", "requests"), ("GET", "faults")):
        refused = control.request(method, path, headers={**as_a, SESSION_HEADER: job_b})
        _error(refused, 401, "INVALID_API_KEY")
    # A sees and ends its own world only; the server's credentials see every one.
    assert control.get("sessions", headers=as_a).json() == {"sessions": [job_a]}
    _error(control.delete("sessions", headers=as_a, params={"name": job_b}), 403, "FORBIDDEN")
    assert control.delete("sessions", headers=as_a).json() == {"ended": 1}
    assert control.get("sessions").json() == {"sessions": [job_b]}


def test_environment_worlds_count_towards_the_session_limit() -> None:
    from roqmock.http.exchange import Request
    from roqmock.http.routing import answer
    from roqmock.mock import MAX_SESSIONS, RoqMock

    mock = RoqMock()

    def token_for(environment: str) -> int:
        body = json.dumps({"environmentId": environment, "apiKey": mock.settings.api_key}).encode()
        request = Request("POST", "/v01/authorize/serviceAccount", {"content-type": "application/json"}, body)
        return answer(mock, request).status

    assert all(token_for(f"env-{index}") == 200 for index in range(MAX_SESSIONS))
    assert token_for("one-too-many") == 429
    assert token_for("env-0") == 200  # a world made before still answers
    assert len(mock.session_names()) == MAX_SESSIONS


# ---------------------------------------------------------------- coverage


def test_coverage_counts_allowed_and_denied_rules(server: RoqServer, control: httpx.Client) -> None:
    untouched = control.get("coverage").json()
    assert all(row["allowed"] == row["denied"] == 0 for row in untouched["rules"])
    assert untouched["untried"] == [row["rule"] for row in untouched["rules"]]

    user_id, conversation_id = _member_not_owner(server.world)
    user = server.as_user(user_id)
    user.conversations()
    with pytest.raises(RoqHttpError) as caught:
        user.delete_conversation(conversation_id)
    assert (caught.value.status_code, caught.value.error_code) == (403, "FORBIDDEN")

    coverage = control.get("coverage").json()
    rows = {row["rule"]: row for row in coverage["rules"]}
    assert rows["Conversation:read:own"]["allowed"] >= 1
    assert rows["Conversation:delete:own"]["denied"] >= 1
    tried = {rule for rule, row in rows.items() if row["allowed"] or row["denied"]}
    assert set(coverage["untried"]) == set(rows) - tried
    assert "Conversation:read:own" not in coverage["untried"]
    assert "Conversation:delete:own" not in coverage["untried"]
    assert "Role:assign:super-admin" in coverage["untried"]

    cleared = control.delete("coverage")
    assert cleared.status_code == 200
    assert all(row["allowed"] == row["denied"] == 0 for row in cleared.json()["rules"])
    after = control.get("coverage").json()
    assert "Conversation:read:own" in after["untried"] and "Conversation:delete:own" in after["untried"]


# ---------------------------------------------------------------- serve --state


def test_serve_state_starts_on_exactly_the_exported_world(tmp_path: Path) -> None:
    scenario = tmp_path / "scenario.json"
    sizes = ["--users", "3", "--conversations", "2", "--messages", "6"]
    export = [sys.executable, "-m", "roqmock", "export", "--seed", "13", *sizes, "-o", str(scenario)]
    subprocess.run(export, check=True, timeout=60)
    exported = json.loads(scenario.read_text(encoding="utf-8"))
    started = start_server(seed=99, extra_args=["--state", str(scenario)])
    try:
        with httpx.Client(
            base_url=f"{started.url}/__roqmock", headers={SERVER_HEADER: started.server_header}
        ) as client:
            assert exported.pop("seed") == 13  # GET state is the world alone, without the seed
            assert client.get("state").json() == exported
            health = client.get("health").json()
            assert (health["users"], health["conversations"], health["messages"]) == (4, 2, 6)
            assert health["seed"] == 13  # the state's, not the --seed 99 the server was started with
            _new_conversation(started.as_super_admin(), started.world, "made in the job")
            assert client.post("reset").status_code == 200
            assert client.get("state").json() == exported
    finally:
        started.stop()
