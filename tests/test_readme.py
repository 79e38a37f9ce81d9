"""The promises of the README and of the pages under docs/ that code can check: the two commands, the
defaults and options they quote."""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path

from roqmock.cli import build_parser
from roqmock.config import DEFAULT_API_KEY, DEFAULT_ENVIRONMENT_ID

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
SERVER_PAGE = (ROOT / "docs" / "server.md").read_text(encoding="utf-8")
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def _shell_blocks() -> list[str]:
    return [block.strip() for block in re.findall(r"```sh\n(.*?)```", README, re.DOTALL)]


def test_ci_runs_exactly_the_readme_test_command() -> None:
    install_and_serve, install_and_test = _shell_blocks()[:2]
    assert install_and_serve.endswith("roqmock serve")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").strip().splitlines()
    assert install_and_test in ci, "CI runs the README's test command verbatim, on a line of its own"
    assert "python -m pytest" in install_and_test


def test_readme_and_the_server_page_quote_the_real_defaults() -> None:
    args = build_parser().parse_args(["serve"])
    assert DEFAULT_ENVIRONMENT_ID in README and DEFAULT_API_KEY in README
    assert f"ROQMOCK=${{ROQMOCK:-http://{args.host}:{args.port}}}" in README
    assert DEFAULT_ENVIRONMENT_ID in SERVER_PAGE and DEFAULT_API_KEY in SERVER_PAGE
    assert f"`{args.host}`, `{args.port}`" in SERVER_PAGE
    assert f"| {args.users}, {args.conversations}, {args.messages} |" in SERVER_PAGE
    assert f"| {args.files}, {args.tenants}, `{args.locale}` |" in SERVER_PAGE
    assert f"| {args.max_limit} |" in SERVER_PAGE and f"| {args.max_depth} |" in SERVER_PAGE
    assert f"| {args.max_cost} |" in SERVER_PAGE and f"`{args.log_level}` |" in SERVER_PAGE


def _options(parser: argparse.ArgumentParser) -> set[str]:
    return {
        option
        for action in parser._actions
        for option in action.option_strings
        if option.startswith("--") and option != "--help"
    }


def test_the_server_page_names_every_option_of_serve_and_export() -> None:
    parser = build_parser()
    (commands,) = (a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    options = _options(parser) | _options(commands.choices["serve"]) | _options(commands.choices["export"])
    assert {"--port", "--state", "--sandbox", "--no-sandbox", "--output", "--version"} <= options
    missing = sorted(o for o in options if not re.search(rf"(?<![\w-]){re.escape(o)}(?![\w-])", SERVER_PAGE))
    assert not missing, f"docs/server.md does not name {missing}"


def test_not_sdk_deselects_the_sdk_tests_on_a_machine_without_node(tmp_path: Path) -> None:
    """``-m "not sdk"`` runs the rest of the suite where Node is missing: no collection error."""
    fake_node = tmp_path / "node"
    fake_node.write_text("#!/bin/sh\necho 'node: not found' >&2\nexit 127\n", encoding="utf-8")
    fake_node.chmod(0o755)
    env = {**os.environ, "PATH": f"{tmp_path}{os.pathsep}{os.environ['PATH']}"}
    collect = [sys.executable, "-m", "pytest", "--collect-only", "-q", "-n", "0", "-p", "no:schemathesis"]
    targets = ["tests/contract", "tests/test_sdk_documents.py", "tests/test_compat.py"]
    run = subprocess.run(
        [*collect, "-m", "not sdk", *targets], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stdout + run.stderr
    collected = [line for line in run.stdout.splitlines() if "::" in line]
    assert collected and all(line.startswith("tests/test_compat.py::") for line in collected), run.stdout
    # Without the marker the SDK's tests are there, and fail when run: they never skip.
    run = subprocess.run([*collect, *targets], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "tests/contract/test_sdk_contract.py::test_scenario[unavailable]" in run.stdout
