"""The test suite's own shape: folders that say what they hold, helpers in ``tests/support``, fixtures in
conftest files that nothing imports.

pytest imports the suite in its default ``prepend`` mode: a test folder without ``__init__.py`` goes on
``sys.path`` and its modules are imported by their bare names, so two test modules of one name in two
folders would collide, and ``tests/`` (where the top conftest sits) is what makes ``support`` importable.
"""

from __future__ import annotations

import ast
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TESTS = ROOT / "tests"
SUPPORT = TESTS / "support"


def _suite_files(pattern: str) -> list[Path]:
    found = TESTS.rglob(pattern)
    return sorted(path for path in found if "node_modules" not in path.relative_to(TESTS).parts)


def _imported_names(tree: ast.AST) -> list[str]:
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names += [node.module or "", *(alias.name for alias in node.names)]
    return names


def conftest_imports(source: str) -> list[str]:
    """The names in ``source``'s imports that reach into a conftest module."""
    return [name for name in _imported_names(ast.parse(source)) if "conftest" in name.split(".")]


def test_no_module_of_the_suite_imports_a_conftest() -> None:
    found = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in _suite_files("*.py")
        for name in conftest_imports(path.read_text(encoding="utf-8"))
    ]
    assert not found, "helpers go to tests/support, fixtures stay in conftest files:\n" + "\n".join(found)


def test_the_conftest_check_finds_each_way_of_importing_one() -> None:
    source = "import conftest\nfrom conftest import a\nfrom api.conftest import b\nfrom . import conftest\n"
    assert conftest_imports(source) == ["conftest", "conftest", "api.conftest", "conftest"]
    assert conftest_imports("from support.servers import serve\nimport pytest\n") == []


def test_test_modules_sit_in_folders_and_have_names_of_their_own() -> None:
    modules = _suite_files("test_*.py")
    assert modules, "no test module found under tests/"
    loose = [str(path.relative_to(ROOT)) for path in modules if path.parent == TESTS]
    assert not loose, f"every test module belongs in a folder that says what it holds: {loose}"
    twice = sorted(name for name, count in Counter(path.name for path in modules).items() if count > 1)
    assert not twice, f"test module names used in more than one folder: {twice}"


def test_only_the_support_package_is_a_package() -> None:
    markers = [str(path.relative_to(ROOT)) for path in _suite_files("__init__.py") if path.parent != SUPPORT]
    assert not markers, f"test folders stay plain folders (prepend import mode): {markers}"


def test_helper_modules_live_in_support() -> None:
    """Any other Python file is a test module, a conftest, or the soak script its test runs."""
    helpers = [
        str(path.relative_to(ROOT))
        for path in _suite_files("*.py")
        if path.parent != SUPPORT
        and not path.name.startswith("test_")
        and path.name not in {"conftest.py", "__init__.py"}
        and path != TESTS / "guarantees" / "soak.py"
    ]
    assert not helpers, f"shared helpers belong in tests/support: {helpers}"
