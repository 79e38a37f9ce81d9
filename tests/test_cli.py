"""``roqmock serve``: its banner, the demo world, --empty and role files."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from roqmock.cli import banner, bind_socket, build_parser, load_roles, main, make_mock
from roqmock.config import DEFAULT_API_KEY, DEFAULT_ENVIRONMENT_ID
from roqmock.domain.permissions import Entity, Operation, Scope


def _mock(*argv: str):  # type: ignore[no-untyped-def]
    return make_mock(build_parser().parse_args(["serve", *argv]))


def test_default_serve_starts_on_a_seeded_demo_world() -> None:
    mock = _mock()
    world = mock.store.world
    assert len(world.users) >= 5 and len(world.conversations) >= 4 and len(world.messages) >= 30
    assert any(world.tags_by_conversation.values())
    assert any(conversation.is_group for conversation in world.conversations.values())
    assert any(message.file_id for message in world.messages.values())
    text = banner(mock, "http://127.0.0.1:4000")
    assert DEFAULT_ENVIRONMENT_ID in text and DEFAULT_API_KEY in text
    assert "/v01/authorize" in text and "http://127.0.0.1:4000/v01/server/graphql" in text


def test_same_seed_gives_the_same_demo_world() -> None:
    assert _mock("--seed", "9").store.world == _mock("--seed", "9").store.world
    assert _mock("--seed", "9").store.world != _mock("--seed", "10").store.world


def test_empty_means_no_data() -> None:
    world = _mock("--empty").store.world
    assert not world.users and not world.conversations and not world.messages


def test_roles_file_adds_roles(tmp_path: Path) -> None:
    path = tmp_path / "roles.json"
    path.write_text(json.dumps({"auditor": {"name": "Auditor", "permissions": ["Conversation:read:all"]}}))
    roles = load_roles(path)
    assert set(roles) == {"user", "auditor"}
    (permission,) = roles["auditor"].permissions
    assert (permission.entity, permission.operation, permission.scope) == (
        Entity.CONVERSATION,
        Operation.READ,
        Scope.ALL,
    )


def test_bad_roles_file_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "roles.json"
    path.write_text(json.dumps({"x": {"permissions": ["Conversation:read"]}}))
    assert main(["serve", "--roles", str(path), "--port", "0"]) == 2
    assert "Conversation:read" in capsys.readouterr().err


def test_served_sockets_do_not_wait_for_delayed_acks() -> None:
    sock = bind_socket("127.0.0.1", 0)
    try:
        # asyncio turns Nagle off only on IPPROTO_TCP sockets; otherwise keep-alive answers stall 40 ms.
        assert sock.proto == socket.IPPROTO_TCP
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1
    finally:
        sock.close()


def test_the_sandbox_is_on_for_loopback_hosts_only() -> None:
    assert _mock().settings.sandbox
    assert _mock("--host", "::1").settings.sandbox
    assert not _mock("--host", "0.0.0.0").settings.sandbox
    assert _mock("--host", "0.0.0.0", "--sandbox").settings.sandbox
    assert not _mock("--no-sandbox").settings.sandbox


def test_a_disabled_sandbox_hands_out_no_credentials() -> None:
    from roqmock.endpoints import Request
    from roqmock.routes import answer

    mock = _mock("--host", "0.0.0.0", "--empty")
    for path in ("/", "/__roqmock/sandbox/config"):
        reply = answer(mock, Request("GET", path, {}))
        assert reply.status == 404
        assert reply.body["errorCode"] == "SANDBOX_DISABLED"
        assert mock.settings.api_key not in str(reply.body)
