"""The promises of the README and of the pages under docs/ that code can check: the two commands, the
defaults and options they quote, the quick start's commands and replies, the links between the pages."""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from roqmock.cli import build_parser
from roqmock.config import DEFAULT_API_KEY, DEFAULT_ENVIRONMENT_ID
from roqmock.testing import running_server

ROOT = Path(__file__).resolve().parents[2]
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
    targets = ["tests/contract", "tests/api/test_sdk_documents.py", "tests/api/test_compat.py"]
    run = subprocess.run(
        [*collect, "-m", "not sdk", *targets], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stdout + run.stderr
    collected = [line for line in run.stdout.splitlines() if "::" in line]
    assert collected and all(line.startswith("tests/api/test_compat.py::") for line in collected), run.stdout
    # Without the marker the SDK's tests are there, and fail when run: they never skip.
    run = subprocess.run([*collect, *targets], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "tests/contract/test_sdk_contract.py::test_scenario[unavailable]" in run.stdout


# ---------------------------------------------------------------- the quick start, run with curl

# A timing and a wall-clock time: no run repeats them, so only their type is checked.
VARYING_KEYS = {"durationMs", "at"}
BLOCK_END = "@@readme-block-end@@"


def _fenced_blocks(text: str) -> list[tuple[str, str, str]]:
    """``(language, body, text before the block since the previous one)`` for each fenced block."""
    blocks, last = [], 0
    for match in re.finditer(r"^```(\w*)\n(.*?)^```", text, re.DOTALL | re.MULTILINE):
        blocks.append((match.group(1), match.group(2), text[last : match.start()]))
        last = match.end()
    return blocks


def _commands_and_replies() -> list[tuple[str, str | None]]:
    """Each ``bash`` block of the README with the ``json`` block right after it (None: it prints nothing)."""
    blocks = _fenced_blocks(README)
    pairs: list[tuple[str, str | None]] = []
    for index, (language, body, _) in enumerate(blocks):
        if language != "bash":
            continue
        after = blocks[index + 1] if index + 1 < len(blocks) else None
        shown = after[1] if after is not None and after[0] == "json" and not after[2].strip() else None
        pairs.append((body, shown))
    return pairs


def _mismatches(shown: Any, real: Any, where: str = "reply") -> list[str]:
    """Where ``real`` differs from what the README shows: the same keys everywhere, the same values, but a
    string shown ending in ``...`` is a prefix and the VARYING_KEYS only keep their type."""
    if isinstance(shown, dict):
        if not isinstance(real, dict) or shown.keys() != real.keys():
            return [f"{where}: the README shows keys {sorted(shown)}, the server answered {real!r}"]
        found = []
        for key, value in shown.items():
            if key in VARYING_KEYS:
                if type(real[key]) is not type(value):
                    found.append(f"{where}.{key}: {real[key]!r} is not a {type(value).__name__}")
            else:
                found += _mismatches(value, real[key], f"{where}.{key}")
        return found
    if isinstance(shown, list):
        if not isinstance(real, list) or len(shown) != len(real):
            return [f"{where}: the README shows {len(shown)} items, the server answered {real!r}"]
        return [
            m
            for i, (s, r) in enumerate(zip(shown, real, strict=True))
            for m in _mismatches(s, r, f"{where}[{i}]")
        ]
    if isinstance(shown, str) and shown.endswith("..."):
        if isinstance(real, str) and real.startswith(shown[:-3]) and len(real) > len(shown) - 3:
            return []
        return [f"{where}: {real!r} does not go on from {shown!r}"]
    if type(shown) is not type(real) or shown != real:
        return [f"{where}: the README shows {shown!r}, the server answered {real!r}"]
    return []


def test_mismatches_sees_every_difference_the_quick_start_could_hide() -> None:
    shown = {"a": [1, {"b": "eyJ..."}], "durationMs": 1.5, "c": True}
    assert _mismatches(shown, {"a": [1, {"b": "eyJhbG"}], "durationMs": 9.25, "c": True}) == []
    for real in (
        {"a": [1, {"b": "eyJhbG"}], "durationMs": 9.25},  # a key missing
        {"a": [1, {"b": "eyJhbG"}], "durationMs": 9.25, "c": True, "d": 0},  # a key too many
        {"a": [1], "durationMs": 9.25, "c": True},  # an item missing
        {"a": [2, {"b": "eyJhbG"}], "durationMs": 9.25, "c": True},  # another value
        {"a": [1, {"b": "xyz"}], "durationMs": 9.25, "c": True},  # not the prefix
        {"a": [1, {"b": "eyJ"}], "durationMs": 9.25, "c": True},  # only the prefix
        {"a": [1, {"b": "eyJhbG"}], "durationMs": "9", "c": True},  # a varying value of another type
        {"a": [1, {"b": "eyJhbG"}], "durationMs": 9.25, "c": 1},  # 1 is not True
    ):
        assert _mismatches(shown, real), real


def test_the_quick_start_runs_with_curl_and_answers_as_the_readme_shows(tmp_path: Path) -> None:
    """Every ``bash`` block of the README runs, in order in one shell, against a fresh ``roqmock serve``
    on its defaults (seed 1, the demo world), pointed at by ``$ROQMOCK``; each prints the reply shown in
    the ``json`` block after it, or nothing where none is shown."""
    for tool in ("bash", "curl"):
        assert shutil.which(tool), f"the README's quick start needs {tool} on PATH"
    pairs = _commands_and_replies()
    assert len(pairs) >= 5 and sum(shown is not None for _, shown in pairs) >= 5
    commands = "\n".join(f"{body}\nprintf '\\n%s\\n' '{BLOCK_END}'" for body, _ in pairs)
    proxies = {"http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"}
    env = {key: value for key, value in os.environ.items() if key not in proxies}
    with running_server(seed=1) as server:
        run = subprocess.run(
            ["bash", "-c", f"set -eo pipefail\n{commands}"],
            cwd=tmp_path,
            env={**env, "ROQMOCK": server.url},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert run.returncode == 0 and not run.stderr, run.stdout + run.stderr
    outputs = run.stdout.split(f"\n{BLOCK_END}\n")
    assert outputs[-1] == "" and len(outputs) == len(pairs) + 1, run.stdout
    for (body, shown), output in zip(pairs, outputs, strict=False):
        if shown is None:
            assert output.strip() == "", f"{body}\nprinted {output!r}, and the README shows no reply"
            continue
        mismatches = _mismatches(json.loads(shown), json.loads(output))
        assert not mismatches, f"{body}\nanswered {output}\n" + "\n".join(mismatches)


# ---------------------------------------------------------------- links between the pages


def _slug(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces as hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def _anchors(page: Path) -> set[str]:
    text = re.sub(r"^```.*?^```", "", page.read_text(encoding="utf-8"), flags=re.DOTALL | re.MULTILINE)
    return {_slug(heading) for heading in re.findall(r"^#{1,6} (.+)$", text, re.MULTILINE)}


def _relative_links(page: Path) -> list[str]:
    text = re.sub(r"^```.*?^```", "", page.read_text(encoding="utf-8"), flags=re.DOTALL | re.MULTILINE)
    links = re.findall(r"\]\(([^)\s]+)\)", text)
    return [link for link in links if not re.match(r"[a-z]+:", link)]


def test_every_relative_link_in_the_readme_and_docs_leads_somewhere() -> None:
    assert (ROOT / "docs" / "README.md") in PAGES and len(PAGES) >= 8
    broken = []
    for page in PAGES:
        for link in _relative_links(page):
            path, _, anchor = link.partition("#")
            target = (page.parent / path).resolve() if path else page
            if not target.exists():
                broken.append(f"{page.relative_to(ROOT)}: {link} (no such file)")
            elif anchor and target.suffix == ".md" and anchor not in _anchors(target):
                broken.append(f"{page.relative_to(ROOT)}: {link} (no such heading)")
    assert not broken, "\n".join(broken)


def test_every_page_under_docs_is_reachable_from_the_readme_through_the_index() -> None:
    index_links = {
        (ROOT / "docs" / link.partition("#")[0]).resolve()
        for link in _relative_links(ROOT / "docs" / "README.md")
    }
    pages = {page.resolve() for page in (ROOT / "docs").glob("*.md") if page.name != "README.md"}
    assert pages and pages <= index_links, sorted(str(page) for page in pages - index_links)
    assert "docs/README.md" in _relative_links(ROOT / "README.md")
