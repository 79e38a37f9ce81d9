"""Shared fixtures: a real ``roqmock serve`` on a free loopback port."""

from __future__ import annotations

import base64
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from hypothesis import settings

import roqmock.testing as roqmock_testing

# Hypothesis's deadline times each example: on a shared 2-core machine running the suite in parallel a
# slow example is load, not a bug. Speed lives in benchmarks/, never in a timed test.
settings.register_profile("roqmock-suite", deadline=None)
settings.load_profile("roqmock-suite")

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
    """Start ``roqmock serve`` on a free loopback port and wait until it is healthy."""
    server = roqmock_testing.start_server(
        size=None,
        environment_id=ENVIRONMENT_ID,
        api_key=API_KEY,
        extra_args=[a for a in extra if a != "--empty"],
    )
    assert server.process is not None
    return RunningServer(server.url, ENVIRONMENT_ID, API_KEY, server.process)


def stop_server(server: RunningServer) -> None:
    roqmock_testing.stop_process(server.process)


@pytest.fixture(scope="session")
def empty_server() -> Iterator[RunningServer]:
    """``roqmock serve --empty``, once for the session: tests create what they need under unique names."""
    server = start_server("--empty")
    yield server
    stop_server(server)
