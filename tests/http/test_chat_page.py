"""``/chat/``, the page of ROQ's own chat UI, over HTTP: who may open it, how it is cached, and what it says
when it is not built; and ``/notification-ws``, the notification socket that UI opens beside the chat.

The page's build is swapped for two small files here (``page.BUNDLE.folder``), so these tests check roqmock's
side whether or not npm built the real page; tests/browser/test_chat_ui.py drives the real one.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
import socketio

from roqmock.config import Settings
from roqmock.http.chat import page as chat_page
from roqmock.testing import Roq, RoqServer
from roqmock.transport import RoqTransport

SECRET = "chat-page-test-secret-of-at-least-32-bytes"
CONFIG = re.compile(r'<script id="roqmock-chat" type="application/json">(.*?)</script>')


def _clear_caches() -> None:
    chat_page.BUNDLE.forget()


@pytest.fixture
def built(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A stand-in build of the chat page (the real one is npm's, and big)."""
    (tmp_path / "chat.js").write_text("console.log('chat');\n", encoding="utf-8")
    (tmp_path / "chat.css").write_text("body { color: black; }\n", encoding="utf-8")
    monkeypatch.setattr(chat_page.BUNDLE, "folder", tmp_path)
    _clear_caches()
    yield tmp_path
    _clear_caches()


@pytest.fixture
def roq() -> Roq:
    return Roq.create(seed=3, settings=Settings(token_secret=SECRET))


def client(roq: Roq) -> httpx.Client:
    return httpx.Client(transport=RoqTransport(roq.mock), base_url="http://localhost:8765")


def page_config(response: httpx.Response) -> dict[str, Any]:
    match = CONFIG.search(response.text)
    assert match is not None, response.text
    config: dict[str, Any] = json.loads(match.group(1))
    return config


def claims(token: str) -> dict[str, Any]:
    decoded: dict[str, Any] = jwt.decode(token, SECRET, algorithms=["HS256"])
    return decoded


def test_a_users_token_opens_the_page_as_that_user_with_roqmock_as_the_host(built: Path, roq: Roq) -> None:
    user = roq.world.users[0]
    token = roq.token(user)
    with client(roq) as http:
        response = http.get("/chat/", params={"token": token})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    # The page holds a token: never stored, never sent on as a referrer.
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert page_config(response) == {"host": "http://localhost:8765", "token": token}
    assets = re.findall(r'(?:src|href)="(/[^"]+)"', response.text)
    assert sorted(asset.partition("?")[0] for asset in assets) == [
        "/chat/assets/chat.css",
        "/chat/assets/chat.js",
    ]
    assert "://" not in CONFIG.sub("", response.text)  # nothing from elsewhere
    with client(roq) as http:
        for asset in assets:
            served = http.get(asset)
            assert served.status_code == 200
            assert served.headers["cache-control"] == "public, max-age=31536000, immutable"
        unstamped = http.get("/chat/assets/chat.js")
        assert unstamped.status_code == 200 and unstamped.headers["cache-control"] == "no-cache"
        assert unstamped.headers["content-type"] == "text/javascript; charset=utf-8"
        assert http.get("/chat/assets/other.js").status_code == 404


def test_no_host_header_breaks_out_of_the_pages_config(built: Path, roq: Roq) -> None:
    """The config script holds the Host header as sent: "<!--" then "<script" there would make the HTML
    parser run the config element on past its own end tag, swallowing the page's script."""
    token = roq.token(roq.world.users[0])
    for host in ("localhost:8765<!--<script>", "localhost:8765</script><script>alert(1)</script>"):
        with client(roq) as http:
            response = http.get("/chat/", params={"token": token}, headers={"host": host})
        assert response.status_code == 200, response.text
        match = CONFIG.search(response.text)
        assert match is not None
        assert "<" not in match.group(1) and ">" not in match.group(1), match.group(1)
        assert json.loads(match.group(1)) == {"host": f"http://{host}", "token": token}
        assert response.text.count("<script") == 2


def test_a_bearer_prefix_is_taken_as_roqs_ui_takes_it(built: Path, roq: Roq) -> None:
    token = roq.token(roq.world.users[1])
    with client(roq) as http:
        response = http.get("/chat/", params={"token": f"Bearer {token}"})
    assert response.status_code == 200
    assert page_config(response)["token"] == token


@pytest.mark.parametrize("wanted", ["id", "ID", "reference", "email", "EMAIL"])
def test_on_a_sandbox_server_user_mints_that_users_token(built: Path, roq: Roq, wanted: str) -> None:
    user = roq.world.users[2]
    key = {
        "id": user.id,
        "ID": user.id.upper(),  # a UUID in either case, as every id roqmock takes
        "reference": user.reference,
        "email": user.email,
        "EMAIL": user.email.upper(),
    }
    with client(roq) as http:
        response = http.get("/chat/", params={"user": key[wanted]})
    assert response.status_code == 200, response.text
    minted = claims(page_config(response)["token"])
    assert minted["roqUserId"] == user.id
    assert minted["roqEnvironmentId"] == roq.environment_id
    assert minted["exp"] > minted["iat"]


def _refusal(response: httpx.Response, status: int, code: str) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["statusCode"] == status and body["errorCode"] == code, body
    message: str = body["message"]
    return message


def test_a_forged_expired_or_service_token_is_refused_in_roqs_shape(built: Path, roq: Roq) -> None:
    user = roq.world.users[0]
    good = claims(roq.token(user))
    forged = jwt.encode(good, "another-secret-of-at-least-32-bytes!", algorithm="HS256")
    past = {**good, "exp": good["iat"] - 60, "iat": good["iat"] - 120}
    expired = jwt.encode(past, SECRET, algorithm="HS256")
    with client(roq) as http:
        for token, says in (
            (forged, "signature"),
            (expired, "expired"),
            ("not-a-jwt", "malformed"),
            (roq.token(), "service account"),
            ("", "Missing token"),
        ):
            message = _refusal(http.get("/chat/", params={"token": token}), 401, "UNAUTHORIZED_EXCEPTION")
            assert says in message, (says, message)


def test_a_token_of_a_user_who_does_not_exist_is_refused(built: Path, roq: Roq) -> None:
    good = claims(roq.token(roq.world.users[0]))
    stranger = jwt.encode(
        {**good, "roqUserId": "00000000-0000-4000-8000-000000000000"}, SECRET, algorithm="HS256"
    )
    with client(roq) as http:
        message = _refusal(http.get("/chat/", params={"token": stranger}), 401, "UNAUTHORIZED_EXCEPTION")
    assert "does not exist" in message


def test_without_token_or_user_the_page_says_how_to_open_it_and_both_are_refused(
    built: Path, roq: Roq
) -> None:
    user = roq.world.users[0]
    with client(roq) as http:
        help_page = http.get("/chat/")
        assert help_page.status_code == 200
        assert help_page.headers["content-type"] == "text/html; charset=utf-8"
        assert "/chat/?token=" in help_page.text and "/chat/?user=" in help_page.text
        assert "roqmock-chat" not in help_page.text  # no chat without a user
        both = http.get("/chat/", params={"token": roq.token(user), "user": user.id})
        _refusal(both, 400, "BAD_REQUEST")
        unknown = _refusal(http.get("/chat/", params={"user": "nobody@nowhere"}), 404, "USER_NOT_FOUND")
        assert "nobody@nowhere" in unknown


def test_user_is_refused_where_the_sandbox_is_off_and_token_still_works(built: Path) -> None:
    roq = Roq.create(seed=3, settings=Settings(token_secret=SECRET, sandbox=False))
    user = roq.world.users[0]
    with client(roq) as http:
        message = _refusal(http.get("/chat/", params={"user": user.id}), 404, "SANDBOX_DISABLED")
        assert "loopback" in message
        assert http.get("/chat/", params={"token": roq.token(user)}).status_code == 200
        help_page = http.get("/chat/").text
    assert "only where the sandbox is on" in help_page and 'href="/"' not in help_page


def test_a_session_users_token_opens_the_page_in_that_session(built: Path, roq: Roq) -> None:
    session = roq.session("chat-page")
    user = session.world.users[0]
    with client(roq) as http:
        response = http.get("/chat/", params={"token": session.token(user)})
    assert response.status_code == 200, response.text


def test_without_its_build_the_page_says_in_one_line_how_to_build_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, roq: Roq
) -> None:
    monkeypatch.setattr(chat_page.BUNDLE, "folder", tmp_path)  # an install built without npm
    _clear_caches()
    try:
        with client(roq) as http:
            page = http.get("/chat/", params={"user": roq.world.users[0].id})
            asset = http.get("/chat/assets/chat.js")
            health = http.get("/__roqmock/health")
    finally:
        _clear_caches()
    assert page.status_code == 503
    assert page.headers["content-type"] == "text/plain; charset=utf-8"
    assert page.text.count("\n") == 1
    assert "npm ci --prefix chat && npm run --prefix chat build" in page.text
    assert "npm is on the PATH" in page.text
    assert asset.status_code == 404 and asset.json()["errorCode"] == "CHAT_NOT_BUILT"
    assert health.status_code == 200


# ---------------------------------------------------------------- the notification socket


async def _notification_connect(url: str, query: str) -> tuple[bool, Any]:
    client = socketio.AsyncClient(reconnection=False)
    refusal: list[Any] = []
    client.on("connect_error", lambda data: refusal.append(data))
    try:
        await client.connect(
            f"{url}?{query}", transports=["websocket"], socketio_path="notification-ws", wait_timeout=10
        )
    except socketio.exceptions.ConnectionError:
        await client.disconnect()
        return False, refusal[0] if refusal else None
    connected = client.connected
    await client.disconnect()
    return connected, None


def test_the_notification_socket_takes_a_users_token_and_refuses_others(empty_server: RoqServer) -> None:
    user_id = empty_server.execute(
        "mutation($user: UserCreateDto!) { createUser(user: $user) { id } }",
        {"user": {"reference": "notification-socket-user", "email": "notification-socket@example.com"}},
    )["data"]["createUser"]["id"]
    token = empty_server.token(user_id)
    connected, _ = asyncio.run(_notification_connect(empty_server.url, f"token={token}"))
    assert connected
    for query, says in (
        ("", "Missing token"),
        ("token=forged", "malformed"),
        (f"token={empty_server.token()}", "service account"),
    ):
        connected, refusal = asyncio.run(_notification_connect(empty_server.url, query))
        assert not connected
        assert refusal is not None and says in refusal["message"], refusal


def test_whether_the_build_is_there_is_known_without_reading_it(tmp_path: Path) -> None:
    """roqmock serve's banner asks at start; reading and stamping megabytes waits for the first page."""
    for name in chat_page.BUNDLE.assets:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("built", encoding="utf-8")
    bundle = dataclasses.replace(chat_page.BUNDLE, folder=tmp_path, _texts={}, _stamp=None)
    assert bundle.built() and bundle._texts == {}
    assert bundle.stamp() is not None and bundle.built()
    (tmp_path / next(iter(bundle.assets))).unlink()
    fresh = dataclasses.replace(bundle, _texts={}, _stamp=None)
    assert not fresh.built() and fresh.stamp() is None
