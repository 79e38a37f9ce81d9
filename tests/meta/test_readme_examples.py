"""The Python examples of the README and of every page under docs/ run as a downstream test suite, so
they cannot rot."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from support.inner_pytest import UNRELATED_PLUGINS_OFF

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def _python_blocks() -> dict[str, str]:
    """Every ``python`` block, by a module name that says where it comes from (``test_readme_0``,
    ``test_docs_pytest_plugin_2``)."""
    blocks = {}
    for page in PAGES:
        prefix = "readme" if page.parent == ROOT else "docs_" + page.stem.lower().replace("-", "_")
        text = page.read_text(encoding="utf-8")
        for index, block in enumerate(re.findall(r"```python\n(.*?)```", text, re.DOTALL)):
            blocks[f"test_{prefix}_{index}"] = block
    return blocks


def test_the_readme_and_docs_have_runnable_examples() -> None:
    blocks = _python_blocks()
    assert len(blocks) >= 8
    assert any(name.startswith("test_readme_") for name in blocks)
    assert any(name.startswith("test_docs_pytest_plugin_") for name in blocks)
    tests = sum(block.count("\ndef test_") + block.startswith("def test_") for block in blocks.values())
    assert tests >= 7


def test_readme_and_docs_examples_pass_as_a_downstream_suite(pytester: pytest.Pytester) -> None:
    blocks = _python_blocks()
    pytester.makepyfile(**blocks)
    result = pytester.runpytest_subprocess(*UNRELATED_PLUGINS_OFF, "-q")
    outcomes = result.parseoutcomes()
    assert result.ret == 0, result.stdout.str()
    assert outcomes.get("passed", 0) >= 8
    assert "failed" not in outcomes and "error" not in outcomes
