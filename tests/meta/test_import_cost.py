"""What loading roqmock's entry points costs, checked by what they import rather than by a clock: pytest
loads the plugin in every run, so the plugin imports only pytest until a test asks for a fixture."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("faker", "hypothesis", "starlette", "uvicorn", "graphql", "ariadne", "httpx", "socketio", "jwt")


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
