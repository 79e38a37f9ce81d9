"""The README's Python examples are run as a downstream test suite, so they cannot rot."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from inner_pytest import UNRELATED_PLUGINS_OFF

pytest_plugins = ["pytester"]

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def _python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README, re.DOTALL)


def test_the_readme_has_runnable_examples() -> None:
    blocks = _python_blocks()
    assert len(blocks) >= 6
    assert sum(block.count("\ndef test_") + block.startswith("def test_") for block in blocks) >= 5


def test_readme_examples_pass_as_a_downstream_suite(pytester: pytest.Pytester) -> None:
    for index, block in enumerate(_python_blocks()):
        pytester.makepyfile(**{f"test_readme_{index}": block})
    result = pytester.runpytest_subprocess(*UNRELATED_PLUGINS_OFF, "-q")
    outcomes = result.parseoutcomes()
    assert result.ret == 0, result.stdout.str()
    assert outcomes.get("passed", 0) >= 6
    assert "failed" not in outcomes and "error" not in outcomes
