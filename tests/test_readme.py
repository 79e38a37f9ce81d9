"""The README's promises that code can check: the two commands, the defaults it quotes."""

from __future__ import annotations

import re
from pathlib import Path

from roqmock.cli import build_parser
from roqmock.config import DEFAULT_API_KEY, DEFAULT_ENVIRONMENT_ID

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _shell_blocks() -> list[str]:
    return [block.strip() for block in re.findall(r"```sh\n(.*?)```", README, re.DOTALL)]


def test_ci_runs_exactly_the_readme_test_command() -> None:
    install_and_serve, install_and_test = _shell_blocks()[:2]
    assert install_and_serve.endswith("roqmock serve")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").strip().splitlines()
    assert ci[-1] == install_and_test
    assert "python -m pytest" in install_and_test


def test_readme_quotes_the_real_defaults() -> None:
    assert DEFAULT_ENVIRONMENT_ID in README and DEFAULT_API_KEY in README
    args = build_parser().parse_args(["serve"])
    assert f"`{args.host}`, `{args.port}`" in README
    assert f"| {args.users}, {args.conversations}, {args.messages} |" in README
