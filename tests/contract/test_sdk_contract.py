"""roqmock's contract, as ROQ's own Node SDK (@roq/nodejs@1.0.13) sees it.

The scenarios live in ``scenarios.js`` and run through ``run.js``: once per module, in one Node process,
against the session's ``roqmock serve --empty``. Each scenario becomes one test here. A missing Node or SDK
fails the suite; it never skips.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from support.node import node

if TYPE_CHECKING:
    from roqmock.testing import RoqServer

pytestmark = pytest.mark.sdk

CONTRACT = Path(__file__).resolve().parent
RUNNER = CONTRACT / "run.js"
RUN_TIMEOUT_S = 120
MIN_SCENARIOS = 40


def _list_scenarios() -> list[str]:
    result = subprocess.run(
        [node(), str(RUNNER), "--list"],
        cwd=CONTRACT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(
            f"`node run.js --list` failed with exit status {result.returncode} "
            f"(is @roq/nodejs installed? `npm ci --prefix tests`):\n{result.stderr}{result.stdout}"
        )
    lines = result.stdout.strip().splitlines()
    names = json.loads(lines[-1]) if lines else None
    if not isinstance(names, list) or not all(isinstance(name, str) for name in names):
        raise RuntimeError(f"`node run.js --list` printed no JSON list of names:\n{result.stdout}")
    return names


def _scenarios() -> tuple[list[str], str | None]:
    """The scenarios' names, or why they cannot be listed: a missing Node fails these tests when they
    run, not the collection of the whole suite (so that ``-m "not sdk"`` runs the rest without Node)."""
    try:
        return _list_scenarios(), None
    except (RuntimeError, OSError, subprocess.SubprocessError) as error:
        return [], str(error)


SCENARIOS, UNAVAILABLE = _scenarios()


@pytest.fixture(scope="module")
def results(empty_server: RoqServer) -> dict[str, dict[str, Any]]:
    """Run every scenario once, in one Node process, and read its report."""
    if UNAVAILABLE is not None:
        pytest.fail(UNAVAILABLE, pytrace=False)
    env = {
        **os.environ,
        "ROQMOCK_URL": empty_server.url,
        "ROQMOCK_ENVIRONMENT_ID": empty_server.environment_id,
        "ROQMOCK_API_KEY": empty_server.api_key,
    }
    try:
        run = subprocess.run(
            [node(), str(RUNNER), "--all"],
            cwd=CONTRACT,
            env=env,
            capture_output=True,
            text=True,
            timeout=RUN_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        stderr = exc.stderr.decode(errors="replace") if isinstance(exc.stderr, bytes) else exc.stderr
        pytest.fail(f"`node run.js --all` did not finish within {RUN_TIMEOUT_S} s:\n{stderr}", pytrace=False)
    lines = run.stdout.strip().splitlines()
    report: Any = None
    if lines:
        try:
            report = json.loads(lines[-1])
        except ValueError:
            report = None
    if run.returncode not in (0, 1) or not isinstance(report, dict):
        pytest.fail(
            f"`node run.js --all` exited with {run.returncode} and no report:\n"
            f"stdout:\n{run.stdout}\nstderr:\n{run.stderr}",
            pytrace=False,
        )
    return report


def test_suite_has_enough_scenarios() -> None:
    assert UNAVAILABLE is None, UNAVAILABLE
    assert len(SCENARIOS) >= MIN_SCENARIOS, f"only {len(SCENARIOS)} scenarios: {SCENARIOS}"
    assert len(set(SCENARIOS)) == len(SCENARIOS)


def test_runner_reports_every_scenario(results: dict[str, dict[str, Any]]) -> None:
    assert sorted(results) == sorted(SCENARIOS)


@pytest.mark.parametrize("name", SCENARIOS or ["unavailable"])
def test_scenario(results: dict[str, dict[str, Any]], name: str) -> None:
    assert UNAVAILABLE is None, UNAVAILABLE
    assert name in results, f"run.js reported nothing for {name}"
    outcome = results[name]
    assert outcome["ok"] is True, f"{name} failed:\n{outcome['error']}"
