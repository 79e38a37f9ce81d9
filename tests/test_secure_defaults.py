"""Secure defaults: loopback, a random token secret each, no secrets printed, CORS off, guarded control."""

from __future__ import annotations

import warnings

import httpx
import pytest

from roqmock.cli import banner, build_parser, main, make_mock
from roqmock.config import Settings
from roqmock.mock import RoqMock
from roqmock.testing import start_server


def test_the_server_binds_loopback_unless_told_otherwise() -> None:
    assert build_parser().parse_args(["serve"]).host == "127.0.0.1"


def test_every_server_signs_tokens_with_its_own_random_secret() -> None:
    secrets = {Settings().token_secret for _ in range(20)}
    assert len(secrets) == 20 and all(len(secret) >= 32 for secret in secrets)
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
    assert f"{flag} must be at least 1" in capsys.readouterr().err


def test_cors_is_off_by_default_and_only_for_named_origins() -> None:
    plain = start_server(seed=1)
    named = start_server(seed=1, extra_args=["--cors-origin", "https://app.example"])
    try:
        preflight = {"origin": "https://app.example", "access-control-request-method": "POST"}
        off = httpx.options(plain.graphql_url, headers=preflight)
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
        plain.stop()
        named.stop()


def test_the_control_api_wants_the_server_header() -> None:
    server = start_server(seed=1)
    try:
        for method, path in (
            ("GET", "state"),
            ("POST", "reset"),
            ("GET", "requests"),
            ("DELETE", "sessions"),
        ):
            answer = httpx.request(method, f"{server.url}/__roqmock/{path}")
            assert answer.status_code == 401, (method, path, answer.text)
            assert answer.json()["errorCode"] == "MISSING_AUTH"
    finally:
        server.stop()


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
