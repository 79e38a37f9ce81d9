"""Secure defaults: loopback, a random token secret each, no secrets printed, CORS off, guarded control."""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import subprocess
import sys
import time
import warnings
from pathlib import Path

import httpx
import pytest

from roqmock.cli import banner, build_parser, main, make_mock
from roqmock.client import HttpSession
from roqmock.config import DEFAULT_ENVIRONMENT_ID, Settings
from roqmock.mock import RoqMock
from roqmock.testing import RoqServer, start_server, stop_process


def test_the_server_binds_loopback_unless_told_otherwise() -> None:
    assert build_parser().parse_args(["serve"]).host == "127.0.0.1"


def test_every_server_signs_tokens_with_its_own_random_secret() -> None:
    made = {Settings().token_secret for _ in range(20)}
    assert len(made) == 20 and all(len(secret) >= 32 for secret in made)
    a, b = make_mock(build_parser().parse_args(["serve"])), make_mock(build_parser().parse_args(["serve"]))
    token = a.tokens.issue(None)
    assert a.tokens.verify(token).user_id is None
    with pytest.raises(Exception, match="signature"):
        b.tokens.verify(token)


def test_secrets_given_on_the_command_line_are_not_printed() -> None:
    args = build_parser().parse_args(
        [
            "serve",
            "--api-key",
            "s3cret-api-key-value",
            "--token-secret",
            "s3cret-signing-value-of-at-least-32-bytes",
        ]
    )
    text = banner(make_mock(args), "http://127.0.0.1:4000")
    assert "s3cret-api-key-value" not in text and "s3cret-signing-value-of-at-least-32-bytes" not in text
    assert "not printed" in text


@pytest.mark.parametrize("flag", ["--max-body-bytes", "--max-header-bytes", "--max-cost"])
def test_limits_must_be_positive(flag: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", flag, "0"]) == 2
    assert f"argument {flag}: must be at least 1" in capsys.readouterr().err


def test_cors_is_off_by_default_and_only_for_named_origins(empty_server: RoqServer) -> None:
    named = start_server(seed=1, extra_args=["--cors-origin", "https://app.example"])
    try:
        preflight = {"origin": "https://app.example", "access-control-request-method": "POST"}
        off = httpx.options(f"{empty_server.url}/v01/server/graphql", headers=preflight)
        assert off.status_code == 405 and "access-control-allow-origin" not in off.headers
        on = httpx.options(named.graphql_url, headers=preflight)
        assert on.status_code == 204
        assert on.headers["access-control-allow-origin"] == "https://app.example"
        assert "roq-platform-authorization" in on.headers["access-control-allow-headers"]
        other = httpx.options(named.graphql_url, headers={**preflight, "origin": "https://evil.example"})
        assert "access-control-allow-origin" not in other.headers
        health = httpx.get(f"{named.url}/__roqmock/health", headers={"origin": "https://app.example"})
        assert health.headers["access-control-allow-origin"] == "https://app.example"
    finally:
        named.stop()


def test_the_control_api_wants_the_server_header(empty_server: RoqServer) -> None:
    for method, path in (
        ("GET", "state"),
        ("POST", "reset"),
        ("GET", "requests"),
        ("DELETE", "sessions"),
    ):
        answer = httpx.request(method, f"{empty_server.url}/__roqmock/{path}")
        assert answer.status_code == 401, (method, path, answer.text)
        assert answer.json()["errorCode"] == "MISSING_AUTH"


@pytest.mark.parametrize("secret", ["", "short", "x" * 31, "é" * 15])
def test_a_token_secret_shorter_than_32_bytes_is_refused_at_start(
    secret: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """RFC 7518 wants HS256 keys of 32 bytes or more; PyJWT warns on each token signed with less, which a
    suite running with ``-W error`` would see as a failure on every request. Refused once, at start."""
    assert main(["serve", "--token-secret", secret, "--port", "0"]) == 2
    assert "token secret must be at least 32 bytes" in capsys.readouterr().err
    with pytest.raises(ValueError, match="at least 32 bytes"):
        Settings(token_secret=secret)


def test_a_32_byte_token_secret_signs_and_verifies_without_warnings() -> None:
    mock = RoqMock(Settings(token_secret="é" * 16))  # 32 bytes in UTF-8, 16 characters
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        token = mock.tokens.issue(None)
        assert mock.tokens.verify(token).user_id is None


def test_no_secret_reaches_the_server_log_even_at_debug_level(tmp_path: Path) -> None:
    """After traffic of every kind (tokens issued, good and bad tokens and headers, errors, the control
    API), nothing the server printed holds the api key, the token secret, a token or a server header."""
    api_key, secret = "api-key-" + secrets.token_hex(12), "token-secret-" + secrets.token_hex(24)
    log = tmp_path / "server.log"
    with log.open("w") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "roqmock", "serve", "--port", "0", "--log-level", "debug",
             "--api-key", api_key, "--token-secret", secret],
            stdout=sink, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )  # fmt: skip
    try:
        url = _served_url(log, process)
        session = HttpSession(url, environment_id=DEFAULT_ENVIRONMENT_ID, api_key=api_key)
        server = {"roq-platform-server-authorization": session.server_header}
        service_token = session.token(None)
        user_id = _first_user_id(url, {**server, "roq-platform-authorization": f"Bearer {service_token}"})
        user_token = session.token(user_id)
        query = {"query": "{ conversations { totalCount } }"}

        def as_(token: str, **headers: str) -> dict[str, str]:
            return {**server, "roq-platform-authorization": f"Bearer {token}", **headers}

        graph, client_graph = f"{url}/v01/server/graphql", f"{url}/v01/graphql"
        user_only = {"roq-platform-authorization": f"Bearer {user_token}"}
        raw_key = {"roq-platform-server-authorization": "Basic " + api_key}
        raw_secret = {"roq-platform-server-authorization": "Basic " + secret}
        json_type = {"content-type": "application/json"}
        sent = [
            httpx.post(graph, json=query, headers=as_(service_token)),
            httpx.post(client_graph, json=query, headers=user_only),
            httpx.post(graph, json=query, headers=as_(user_token + "x")),
            httpx.post(graph, json=query, headers=as_(service_token, **raw_key)),
            httpx.post(graph, content=b"{not json", headers=as_(service_token, **json_type)),
            httpx.get(f"{url}/__roqmock/requests", headers=server),
            httpx.get(f"{url}/__roqmock/state", headers=raw_secret),
        ]
        session.close()
        statuses = [answer.status_code for answer in sent]
        assert statuses == [200, 200, 401, 401, 400, 200, 401], [answer.text[:200] for answer in sent]
    finally:
        stop_process(process)
    printed = log.read_text()
    # the banner, and uvicorn's own lines, which the default level (warning) would not show
    assert "roqmock is serving" in printed and "Application startup complete" in printed
    basic = session.server_header.removeprefix("Basic ")
    for name, value in [
        ("api key", api_key),
        ("token secret", secret),
        ("service token", service_token),
        ("user token", user_token),
        ("token signature", user_token.rsplit(".", 1)[1]),
        ("server header", basic),
    ]:
        assert value not in printed, f"the server printed the {name}"


def _served_url(log: Path, process: subprocess.Popen[bytes]) -> str:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        match = re.search(r"http://127\.0\.0\.1:\d+", log.read_text())
        if match:
            for _ in range(100):
                with contextlib.suppress(httpx.TransportError):
                    if httpx.get(f"{match.group(0)}/__roqmock/health").status_code == 200:
                        return match.group(0)
                time.sleep(0.1)
        assert process.poll() is None, log.read_text()
        time.sleep(0.05)
    raise AssertionError(f"the server did not start: {log.read_text()}")


def _first_user_id(url: str, headers: dict[str, str]) -> str:
    answer = httpx.post(
        f"{url}/v01/server/graphql", json={"query": "{ users(limit: 1) { data { id } } }"}, headers=headers
    )
    user_id: str = answer.json()["data"]["users"]["data"][0]["id"]
    return user_id
