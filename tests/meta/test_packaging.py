"""The wheel ships the SDL, py.typed, the pytest plugin, the explorer's bundle and the chat page's, and loads
them itself."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from roqmock.http.chat import page as chat_page
from roqmock.http.explorer import page as explorer_page

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(ROOT)],
        check=True,
        timeout=300,
    )
    (built,) = out.glob("roqmock-*.whl")
    return built


def test_wheel_contents(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "roqmock/schema/roq.graphql" in names
    assert "roqmock/py.typed" in names
    assert "roqmock/pytest_plugin/plugin.py" in names
    entry_points = next(name for name in names if name.endswith("entry_points.txt"))
    text = zipfile.ZipFile(wheel).read(entry_points).decode()
    assert "[pytest11]" in text and "roqmock = roqmock.pytest_plugin.plugin" in text
    assert "roqmock = roqmock.__main__:main" in text


def test_wheel_installs_roqmock_alone_at_the_top_level(wheel: Path) -> None:
    """Only roqmock's own name in site-packages: the plugin ships inside it, as roqmock.pytest_plugin."""
    top_level = {name.split("/")[0] for name in zipfile.ZipFile(wheel).namelist()}
    assert {name for name in top_level if not name.endswith(".dist-info")} == {"roqmock"}
    assert len(top_level) == 2


def test_wheel_ships_the_explorers_bundle_and_not_its_build_tree(wheel: Path) -> None:
    """The bundle is built output (git ignores it): the build hook makes it with npm, the wheel ships it."""
    names = set(zipfile.ZipFile(wheel).namelist())
    static = {
        name.removeprefix("roqmock/http/explorer/static/") for name in names if "/explorer/static/" in name
    }
    assert static == set(explorer_page.ASSETS)
    assert not any("node_modules" in name or name.startswith("explorer/") for name in names)


def test_wheel_ships_roqs_chat_ui_and_not_its_build_tree(wheel: Path) -> None:
    """ROQ's chat UI at /chat/ is built output too (Vite, from chat/): the wheel ships the two files."""
    names = set(zipfile.ZipFile(wheel).namelist())
    static = {
        name.removeprefix("roqmock/http/chat/static/assets/") for name in names if "/chat/static/" in name
    }
    assert static == set(chat_page.ASSETS)
    assert not any(name.startswith("chat/") or "vite" in name for name in names)


def _run_from_unpacked(wheel: Path, where: Path, code: str) -> str:
    """What ``code`` prints, run with the unpacked wheel first on the path; its own checks must pass."""
    zipfile.ZipFile(wheel).extractall(where)
    probe = f"import sys; sys.path.insert(0, sys.argv[1]); {code}"
    result = subprocess.run(
        [sys.executable, "-c", probe, str(where)], capture_output=True, text=True, check=True, timeout=60
    )
    return result.stdout.strip()


def test_installed_wheel_serves_the_explorer_from_itself(wheel: Path, tmp_path: Path) -> None:
    code = (
        "from roqmock.http.explorer import page;"
        "reply = page.explorer_page(); assert reply.status == 200, reply.body;"
        "print(page.BUNDLE.folder)"
    )
    assert (
        Path(_run_from_unpacked(wheel, tmp_path, code))
        == tmp_path / "roqmock" / "http" / "explorer" / "static"
    )


def test_installed_wheel_serves_roqs_chat_ui_from_itself(wheel: Path, tmp_path: Path) -> None:
    code = (
        "from roqmock.http.chat import page;"
        "assert page.BUNDLE.stamp() is not None and 'RoqProvider' not in page.BUNDLE.asset('chat.css');"
        "print(page.BUNDLE.folder)"
    )
    assert (
        Path(_run_from_unpacked(wheel, tmp_path, code))
        == tmp_path / "roqmock" / "http" / "chat" / "static" / "assets"
    )


def test_installed_wheel_loads_its_own_schema(wheel: Path, tmp_path: Path) -> None:
    code = (
        "from roqmock.sdl import sdl_path, load_sdl;"
        "print(sdl_path()); assert 'type ConversationModel' in load_sdl()"
    )
    assert Path(_run_from_unpacked(wheel, tmp_path, code)) == tmp_path / "roqmock" / "schema" / "roq.graphql"
