"""Shared fixtures: a real ``roqmock serve`` on a free loopback port."""

from __future__ import annotations

import base64
import contextlib
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import httpx
import pytest

TESTS = Path(__file__).resolve().parent
ENVIRONMENT_ID = "0b6f6a52-3c1e-4f1a-8d8e-2f5b7c9d1e42"
API_KEY = "contract-api-key"


@dataclass(frozen=True)
class RunningServer:
    url: str
    environment_id: str
    api_key: str
    process: subprocess.Popen[str]

    @property
    def server_header(self) -> str:
        return "Basic " + base64.b64encode(f"{self.environment_id}:{self.api_key}".encode()).decode()

    def service_token(self) -> str:
        response = httpx.post(
            f"{self.url}/v01/authorize/serviceAccount",
            json={
                "email": "project-service-account@roq.tech",
                "environmentId": self.environment_id,
                "apiKey": self.api_key,
            },
        )
        response.raise_for_status()
        token: str = response.json()["accessToken"]
        return token

    def user_token(self, user_id: str, expires_in: str | None = None) -> str:
        body = {"environmentId": self.environment_id, "apiKey": self.api_key, "userId": user_id}
        if expires_in is not None:
            body["expiresIn"] = expires_in
        response = httpx.post(
            f"{self.url}/v01/authorize",
            json=body,
            headers={"roq-platform-authorization": f"Bearer {self.service_token()}"},
        )
        response.raise_for_status()
        token: str = response.json()["accessToken"]
        return token

    def graphql(
        self, query: str, variables: dict[str, object] | None = None, *, token: str
    ) -> httpx.Response:
        return httpx.post(
            f"{self.url}/v01/server/graphql",
            json={"query": query, "variables": variables or {}},
            headers={
                "roq-platform-authorization": f"Bearer {token}",
                "roq-platform-server-authorization": self.server_header,
            },
        )


def start_server(*extra: str) -> RunningServer:
    """Start ``roqmock serve`` on a free loopback port and wait until it answers."""
    command = [
        sys.executable,
        "-m",
        "roqmock",
        "serve",
        "--port",
        "0",
        "--environment-id",
        ENVIRONMENT_ID,
        "--api-key",
        API_KEY,
        *extra,
    ]
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert process.stdout is not None
    first_line = process.stdout.readline()
    match = re.search(r"http://127\.0\.0\.1:\d+", first_line)
    if match is None:
        process.kill()
        raise RuntimeError(f"roqmock serve did not start: {first_line}{process.stdout.read()}")
    url = match.group(0)
    # Keep reading what the server prints, so a full pipe can never block it.
    threading.Thread(target=_drain, args=(process.stdout,), daemon=True).start()
    deadline = time.monotonic() + 15
    while True:
        try:
            httpx.get(f"{url}/v01/server/graphql", timeout=1)
            break
        except httpx.TransportError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                raise RuntimeError("roqmock serve did not answer within 15 s") from None
            time.sleep(0.05)
    return RunningServer(url, ENVIRONMENT_ID, API_KEY, process)


def _drain(stream: IO[str]) -> None:
    with contextlib.suppress(ValueError, OSError):
        for _ in stream:
            pass


def stop_server(server: RunningServer) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()
    if server.process.stdout is not None:
        with contextlib.suppress(ValueError, OSError):
            server.process.stdout.close()


@pytest.fixture(scope="session")
def empty_server() -> Iterator[RunningServer]:
    """``roqmock serve --empty``, once for the session: tests create what they need under unique names."""
    server = start_server("--empty")
    yield server
    stop_server(server)
