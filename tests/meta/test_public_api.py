"""roqmock's public API: what ``import roqmock`` offers, that it is documented, and that it stays cheap."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import roqmock

ROOT = Path(__file__).resolve().parents[2]

# A name leaving or joining the public API is a decision: make it here, in the README and in docs/.
PUBLIC = {
    "AsyncRoqTransport",
    "Baseline",
    "Call",
    "Conversation",
    "File",
    "GraphQLEngine",
    "HttpSession",
    "Message",
    "Roq",
    "RoqClient",
    "RoqHttpError",
    "RoqKit",
    "RoqMock",
    "RoqServer",
    "RoqTransport",
    "Settings",
    "User",
    "WorldSize",
    "WorldView",
    "__version__",
    "running_server",
    "start_server",
    "strategies",
}


def test_exported_members() -> None:
    """As httpx's own test: every name in ``__all__`` is there, and comes from roqmock."""
    assert set(roqmock.__all__) == PUBLIC
    assert sorted(dir(roqmock)) == sorted(roqmock.__all__)
    for name in roqmock.__all__:
        member = getattr(roqmock, name)
        if name == "__version__":
            assert re.fullmatch(r"\d+\.\d+\.\d+.*", member)
            continue
        home = member.__name__ if name == "strategies" else member.__module__
        assert home.startswith("roqmock."), (name, home)


def test_an_unknown_name_is_an_attribute_error() -> None:
    try:
        roqmock.NoSuchThing  # type: ignore[attr-defined]  # noqa: B018
    except AttributeError as error:
        assert "NoSuchThing" in str(error)
    else:
        raise AssertionError("roqmock.NoSuchThing did not raise")


def test_every_public_name_is_documented() -> None:
    texts = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    documented = "\n".join(path.read_text(encoding="utf-8") for path in texts if path.is_file())
    missing = [name for name in PUBLIC - {"__version__"} if f"`{name}" not in documented]
    assert not missing, f"public, but in no README or docs/ page: {missing}"


def test_importing_roqmock_loads_nothing_heavy() -> None:
    probe = (
        "import sys, roqmock; "
        "heavy = ('starlette', 'uvicorn', 'graphql', 'ariadne', 'httpx', 'faker', 'hypothesis'); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy or m.startswith('roqmock.')))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    assert loaded.stdout.strip() == "[]", loaded.stdout
