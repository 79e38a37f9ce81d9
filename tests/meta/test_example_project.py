"""The downstream example (examples/chat_client) passes its suite from a fresh install of roqmock's wheel.

A new virtual environment, without this machine's site packages, gets the wheel built from this checkout
and the example with its ``test`` extra (roqmock's own dependencies come from the package index). The
example's suite then runs in a copy of the example outside the repository, so the only roqmock it can
import is the installed wheel, and its fixtures come from the ``pytest11`` entry point alone.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "chat_client"
# The example's suite has this many tests today; more may come, fewer means some stopped being collected.
EXAMPLE_TESTS = 21
PYTEST = ["-m", "pytest", "-q", "-p", "no:cacheprovider"]
LEAKS = ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "VIRTUAL_ENV", "PIP_USER", "PIP_REQUIRE_VIRTUALENV")


def _run(
    command: list[str], *, cwd: Path, timeout: float, env: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


def _failure(step: str, result: subprocess.CompletedProcess[str]) -> str | None:
    if result.returncode == 0:
        return None
    return (
        f"{step} failed with exit code {result.returncode}\n"
        f"--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"
    )


@dataclass(frozen=True)
class FreshInstall:
    """A virtual environment with roqmock's wheel and the example installed, or why it could not be built."""

    python: Path
    project: Path  # the copy of the example the suite runs in
    env: dict[str, str]
    problem: str | None = None

    def run(self, *args: str, timeout: float, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
        if self.problem is not None:
            pytest.fail(self.problem, pytrace=False)
        return _run([str(self.python), *args], cwd=cwd or self.project, timeout=timeout, env=self.env)


def _build(base: Path) -> FreshInstall:
    # Nothing of this interpreter or of this pytest run may leak into the fresh one.
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in LEAKS and not name.startswith(("PYTEST_", "COV_CORE_"))
    }
    project = base / "chat_client"
    shutil.copytree(
        EXAMPLE,
        project,
        ignore=shutil.ignore_patterns("__pycache__", ".hypothesis", ".benchmarks", "*.egg-info"),
    )
    environment = base / "venv"
    python = environment / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    wheels = base / "wheels"

    steps = [
        (
            "building roqmock's wheel",
            [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(ROOT)],
            300,
        ),
        # A plain venv: without --system-site-packages, so nothing installed on this machine is visible.
        ("creating the virtual environment", [sys.executable, "-m", "venv", str(environment)], 300),
    ]
    for step, command, timeout in steps:
        problem = _failure(step, _run(command, cwd=base, timeout=timeout, env=env))
        if problem is not None:
            return FreshInstall(python, project, env, problem)

    (wheel,) = wheels.glob("roqmock-*.whl")
    # The example as a path (absolute, so that pip cannot take it for a name on the index) with its extra.
    install = [str(python), "-m", "pip", "install", "--no-input", str(wheel), f"{project}[test]"]
    problem = _failure(
        "pip install of the wheel and the example", _run(install, cwd=base, timeout=600, env=env)
    )
    return FreshInstall(python, project, env, problem)


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> FreshInstall:
    return _build(tmp_path_factory.mktemp("fresh-install"))


@pytest.fixture(scope="module")
def suite(fresh: FreshInstall) -> subprocess.CompletedProcess[str]:
    """The example's whole suite, run once with the fresh environment's python."""
    return fresh.run(*PYTEST, timeout=600)


def _summary(output: str) -> dict[str, int]:
    """pytest's closing line, ``18 passed, 1 failed in 3.2s``, as ``{"passed": 18, "failed": 1}``."""
    lines = [line.strip("= ") for line in output.strip().splitlines() if re.search(r"\bin [\d.]+s\b", line)]
    assert lines, f"no pytest summary line in:\n{output}"
    counts = re.findall(
        r"(\d+) (passed|failed|errors?|skipped|xfailed|xpassed|warnings?|deselected)", lines[-1]
    )
    return {word.rstrip("s") if word.startswith(("error", "warning")) else word: int(n) for n, word in counts}


PROBE = """
import importlib.metadata, sys
import roqmock, roqmock.pytest_plugin.plugin, roq_chat
print(sys.prefix)
for module in (roqmock, roqmock.pytest_plugin.plugin, roq_chat):
    print(module.__file__)
print(importlib.metadata.version("roq-chat-client"))
"""


def test_both_projects_are_installed_in_the_fresh_environment_only(fresh: FreshInstall) -> None:
    # From outside the example's copy, so that roq_chat too must come from the environment.
    probe = fresh.run("-c", PROBE, timeout=60, cwd=fresh.project.parent)
    assert probe.returncode == 0, probe.stdout + probe.stderr
    prefix, *modules, version = probe.stdout.split()
    assert version == "0.1.0"
    assert Path(prefix) != Path(sys.prefix)
    for module in map(Path, modules):
        assert module.is_relative_to(prefix), f"{module} is not inside the fresh environment {prefix}"
        assert not module.is_relative_to(ROOT), f"{module} comes from this checkout"


def test_the_example_collects_its_tests_through_the_entry_point(fresh: FreshInstall) -> None:
    # -q and -v cancel out: the header shows, and with it the plugin's line, loaded from its entry point.
    collected = fresh.run(*PYTEST, "-v", "--collect-only", timeout=300)
    assert collected.returncode == 0, collected.stdout + collected.stderr
    assert re.search(r"^roqmock: seed \d+", collected.stdout, re.MULTILINE), collected.stdout
    assert not list(fresh.project.rglob("conftest.py")), "the example must need no conftest.py"
    match = re.search(r"(\d+) tests? collected", collected.stdout)
    assert match, collected.stdout
    assert int(match.group(1)) >= EXAMPLE_TESTS, collected.stdout


def test_the_example_suite_passes(suite: subprocess.CompletedProcess[str]) -> None:
    output = suite.stdout + suite.stderr
    assert suite.returncode == 0, output
    counts = _summary(suite.stdout)
    assert counts.get("passed", 0) >= EXAMPLE_TESTS, output
    for bad in ("failed", "error", "skipped", "xfailed", "xpassed", "warning"):
        assert counts.get(bad, 0) == 0, f"{counts.get(bad)} {bad}:\n{output}"
