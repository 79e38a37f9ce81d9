"""``roqmock serve --file-categories FILE``: categories added or replaced by key, and clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from roqmock.cli import build_parser, main, make_mock


def test_a_categories_file_adds_and_replaces_by_key(tmp_path: Path) -> None:
    path = tmp_path / "categories.json"
    path.write_text(
        json.dumps(
            {
                "CHAT_FILES": {"maxSize": 1024, "contentTypes": ["text/plain"]},
                "INVOICES": {"name": "Invoices", "maxSize": 2048, "contentTypes": ["application/pdf"]},
            }
        )
    )
    mock = make_mock(build_parser().parse_args(["serve", "--empty", "--file-categories", str(path)]))
    categories = {c.key: c for c in mock.store.world.file_categories.values()}
    assert set(categories) == {"CHAT_FILES", "USER_FILES", "USER_AVATAR_FILES", "INVOICES"}
    assert categories["CHAT_FILES"].max_size == 1024 and categories["CHAT_FILES"].content_types == [
        "text/plain"
    ]
    assert categories["INVOICES"].name == "Invoices"
    mock.reset()  # a reset keeps them: every world has them
    assert "INVOICES" in {c.key for c in mock.store.world.file_categories.values()}


@pytest.mark.parametrize(
    ("content", "says"),
    [
        ('{"X": {"maxSize": 0}}', "maxSize"),
        ('{"X": {"maxSize": 1, "contentTypes": ["png"]}}', "contentTypes"),
        ('["CHAT_FILES"]', "JSON object"),
        ('{"X": ', "not JSON"),
    ],
)
def test_a_bad_categories_file_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, says: str
) -> None:
    path = tmp_path / "categories.json"
    path.write_text(content)
    assert main(["serve", "--file-categories", str(path), "--port", "0"]) == 2
    err = capsys.readouterr().err
    assert "--file-categories" in err and says in err, err
