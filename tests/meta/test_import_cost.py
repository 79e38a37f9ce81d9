"""What loading roqmock's entry points costs, checked by what they import rather than by a clock: pytest
loads the plugin in every run, so the plugin imports only pytest until a test asks for a fixture."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# roqmock/pytest_plugin is a link to pytest_plugin/, which rglob does not follow: both are read.
SOURCES = (ROOT / "roqmock", ROOT / "pytest_plugin")

HEAVY = (
    *("faker", "hypothesis", "starlette", "uvicorn", "graphql", "ariadne", "httpx", "jwt"),
    *("socketio", "aiohttp", "requests"),  # python-socketio and its clients' HTTP libraries
)


def _loaded(statement: str) -> list[str]:
    """The heavy libraries and roqmock's modules a fresh interpreter holds after ``statement``."""
    probe = (
        f"import json, sys; {statement}; "
        f"heavy = {HEAVY!r}; "
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules if m.split('.')[0] in heavy})))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    names: list[str] = json.loads(done.stdout)
    return names


def test_importing_the_plugin_loads_no_library_a_test_may_not_need() -> None:
    assert _loaded("import pytest, roqmock.pytest_plugin.plugin") == []


def test_the_default_locale_is_checked_without_faker() -> None:
    statement = (
        "from roqmock.baseline import Baseline; "
        "assert Baseline.from_options({'locale': 'en_US'}).locale == 'en_US'"
    )
    assert "faker" not in _loaded(statement)
    assert "faker" in _loaded("from roqmock.seed import is_faker_locale; assert is_faker_locale('de_DE')")


def test_the_cli_loads_no_client_library_nor_faker_before_it_seeds() -> None:
    """What ``roqmock serve`` loads before it builds its world: no Socket.IO (nor the HTTP clients it brings),
    no Faker, no package metadata (``--version`` reads it when asked)."""
    statement = "import roqmock.cli; assert 'importlib.metadata' not in sys.modules"
    assert not {"socketio", "aiohttp", "requests", "faker", "hypothesis", "httpx"} & set(_loaded(statement))
    # S3's XML errors are escaped with html, not xml.sax.saxutils, which brings urllib.request: 4-7 ms.
    _loaded("import roqmock.cli; assert 'urllib.request' not in sys.modules, 'urllib.request was loaded'")


def _is_dataclass_decorator(node: ast.expr) -> bool:
    target = node.func if isinstance(node, ast.Call) else node
    return ast.unparse(target) in ("dataclass", "dataclasses.dataclass")


def test_every_dataclass_says_what_it_is() -> None:
    """A dataclass without a docstring gets its signature as one, from inspect.signature, while its module
    loads: 0.3-0.5 ms each, 13-17 ms of making serve's dataclasses when 34 of them had none."""
    undocumented = [
        f"{path.relative_to(ROOT)}:{node.lineno} {node.name}"
        for source in SOURCES
        for path in sorted(source.rglob("*.py"))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.ClassDef)
        and any(_is_dataclass_decorator(decorator) for decorator in node.decorator_list)
        and ast.get_docstring(node) is None
    ]
    assert undocumented == []


SERVER_PROBE = """
import asyncio, json, sys
import httpx
from roqmock.http.app import SOCKET_PREFIXES, create_app
from roqmock.mock import RoqMock

app = create_app(RoqMock())
seen = {}

async def main():
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
        health = await client.get("/__roqmock/health")
        seen["health"] = health.status_code
        seen["after_health"] = "socketio" in sys.modules
        for path in ("/socket.io/", "/notification-ws/"):
            handshake = await client.get(path, params={"EIO": "4", "transport": "polling"})
            seen[path] = [handshake.status_code, handshake.text[:1]]

asyncio.run(main())
from roqmock.http.chat.notifications import NOTIFICATION_PATH
from roqmock.http.socket import SOCKET_PATH
seen["prefixes"] = list(SOCKET_PREFIXES) == [f"/{SOCKET_PATH}/", f"/{NOTIFICATION_PATH}/"]
print(json.dumps(seen))
"""


def test_the_server_loads_python_socketio_on_its_first_socket_request() -> None:
    """python-socketio brings its clients' HTTP libraries (~0.2 s of a start): the app builds its two
    Socket.IO servers when a socket first knocks, and answers on their paths as before."""
    done = subprocess.run(
        [sys.executable, "-c", SERVER_PROBE], capture_output=True, text=True, timeout=60, check=True
    )
    seen = json.loads(done.stdout)
    assert seen == {
        "health": 200,
        "after_health": False,
        "/socket.io/": [200, "0"],  # engine.io's open packet: the handshake
        "/notification-ws/": [200, "0"],
        "prefixes": True,
    }
