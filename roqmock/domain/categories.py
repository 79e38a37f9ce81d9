"""File categories: the keys ROQ's UI uploads under, each with a size bound and the content types it takes.

Every world holds the configured categories (``Settings.file_categories``, ``--file-categories FILE``);
by default ROQ UI's three: ``CHAT_FILES`` (what the chat sends), ``USER_FILES`` and ``USER_AVATAR_FILES``.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from roqmock.domain.clock import BUILT_IN_SINCE
from roqmock.domain.models import FileCategory

__all__ = [
    "DEFAULT_FILE_CATEGORIES",
    "CategorySpec",
    "category_from_json",
    "category_record",
    "content_type_allowed",
    "parse_categories",
]

MB = 1024 * 1024
# Categories exist from the start of every world: their ids and moments come from their keys alone.
_NAMESPACE = uuid.UUID("8d6f1c2a-4b3e-4f5a-9c7d-2e1b0a9f8e7d")


@dataclass(frozen=True, slots=True)
class CategorySpec:
    """How a file category every world holds is configured: its limits and defaults."""

    key: str
    name: str
    max_size: int
    content_types: tuple[str, ...] = ("*/*",)
    is_public_by_default: bool = False


DEFAULT_FILE_CATEGORIES: Mapping[str, CategorySpec] = {
    spec.key: spec
    for spec in (
        CategorySpec(
            "CHAT_FILES",
            "Chat files",
            10 * MB,
            ("image/*", "video/*", "audio/*", "text/*", "application/*"),
        ),
        CategorySpec(
            "USER_FILES",
            "User files",
            10 * MB,
            ("image/*", "video/*", "audio/*", "text/*", "application/*"),
        ),
        CategorySpec("USER_AVATAR_FILES", "User avatars", 2 * MB, ("image/*",), is_public_by_default=True),
    )
}


def content_type_allowed(patterns: Iterable[str], content_type: str) -> bool:
    """Whether ``content_type`` (parameters ignored, any case) is one of ``patterns``: ``image/png``,
    a family ``image/*``, or ``*/*``."""
    wanted = content_type.split(";", 1)[0].strip().lower()
    family, slash, subtype = wanted.partition("/")
    if not slash or not family or not subtype:
        return False
    for pattern in patterns:
        pattern = pattern.lower()
        if pattern in ("*/*", wanted) or pattern == f"{family}/*":
            return True
    return False


def category_record(spec: CategorySpec) -> FileCategory:
    """The category as a world holds it; the same record, id included, in every world."""
    return FileCategory(
        id=str(uuid.uuid5(_NAMESPACE, spec.key)),
        key=spec.key,
        name=spec.name,
        created_at=BUILT_IN_SINCE,
        updated_at=BUILT_IN_SINCE,
        is_public_by_default=spec.is_public_by_default,
        max_size=float(spec.max_size),
        content_types=list(spec.content_types),
    )


def category_from_json(key: str, spec: Any) -> CategorySpec:
    """A category from its JSON (``{"name", "maxSize", "contentTypes", "isPublicByDefault"}``; ``maxSize``
    is required); a ``ValueError`` says what is wrong with it."""
    if not key or not isinstance(key, str):
        raise ValueError("a category's key must be a non-empty string")
    if not isinstance(spec, Mapping):
        raise ValueError(f"category {key!r} must be a JSON object")
    unknown = set(spec) - {"name", "maxSize", "contentTypes", "isPublicByDefault"}
    if unknown:
        raise ValueError(f"category {key!r}: unknown fields {', '.join(sorted(unknown))}")
    max_size = spec.get("maxSize")
    if not isinstance(max_size, int) or isinstance(max_size, bool) or max_size < 1:
        raise ValueError(f"category {key!r}: maxSize must be a positive whole number of bytes")
    name = spec.get("name", key)
    if not isinstance(name, str):
        raise ValueError(f"category {key!r}: name must be a string")
    types = spec.get("contentTypes", ["*/*"])
    if (
        not isinstance(types, list)
        or not types
        or not all(isinstance(t, str) and t.count("/") == 1 and "" not in t.split("/") for t in types)
    ):
        raise ValueError(
            f'category {key!r}: contentTypes must be a non-empty list such as ["image/*", "text/plain"]'
        )
    public = spec.get("isPublicByDefault", False)
    if not isinstance(public, bool):
        raise ValueError(f"category {key!r}: isPublicByDefault must be true or false")
    return CategorySpec(key, name, max_size, tuple(types), public)


def parse_categories(data: Any) -> dict[str, CategorySpec]:
    """``{"KEY": {...}, ...}``, as ``--file-categories`` reads it."""
    if not isinstance(data, Mapping) or not data:
        raise ValueError('file categories must be a JSON object such as {"CHAT_FILES": {"maxSize": 1048576}}')
    return {key: category_from_json(key, spec) for key, spec in data.items()}
