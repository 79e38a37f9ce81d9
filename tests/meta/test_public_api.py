"""roqmock's public API: what ``import roqmock`` offers, that it is documented, and that it stays cheap."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import roqmock

ROOT = Path(__file__).resolve().parents[2]

API_PAGE = ROOT / "docs" / "api.md"


def _documented() -> set[str]:
    """The names docs/api.md's tables document, one row each (``| `Name`, `Other` | what it is |``)."""
    names: set[str] = set()
    for line in API_PAGE.read_text(encoding="utf-8").splitlines():
        if line.startswith("| `"):
            names.update(re.findall(r"`(\w+)`", line.split("|")[1]))
    return names


def test_exported_members() -> None:
    """As httpx's own test: every name in ``__all__`` is there and comes from roqmock, and the public API
    is exactly what docs/api.md documents (a name leaving or joining it is a decision the page records)."""
    assert set(roqmock.__all__) == _documented()
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
