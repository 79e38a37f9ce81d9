"""The world a reset returns to, and the one way to make it from options.

The control API (``POST /__roqmock/seed``), the CLI's flags, the pytest marker and the server fixture all
name a world with the same options (``seed``, the sizes of :class:`~roqmock.seed.WorldSize`, ``locale``,
``empty``); :meth:`Baseline.from_options` reads them for all four, and :meth:`Baseline.options` writes
them back.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from roqmock.seed import DEMO, SIZE_NAMES, WorldSize, is_faker_locale

__all__ = ["WORLD_OPTIONS", "Baseline", "OptionError"]

WORLD_OPTIONS = frozenset({"seed", *SIZE_NAMES, "locale", "empty"})


class OptionError(ValueError):
    """An option that makes no world; ``option`` names it (``None``: options that do not fit together)."""

    def __init__(self, message: str, option: str | None = None) -> None:
        super().__init__(message)
        self.option = option


@dataclass(frozen=True, slots=True)
class Baseline:
    """The world a reset returns to: a saved state, a seeded world of a given size, or an empty one."""

    seed: int | None = None
    size: WorldSize | None = None
    locale: str = "en_US"
    state: Mapping[str, Any] | None = None  # a saved world (GET /__roqmock/state, roqmock export)

    @classmethod
    def from_options(cls, options: Mapping[str, Any], current: Baseline | None = None) -> Baseline:
        """The baseline ``options`` name; an option left out (or ``None``) keeps ``current``'s (by default:
        seed 0, the demo world's sizes, ``en_US``). Raises :class:`OptionError`."""
        current = current or cls(seed=0, size=DEMO)
        unknown = set(options) - WORLD_OPTIONS
        if unknown:
            raise OptionError(f"unknown fields: {', '.join(sorted(unknown))}")
        for name in ("seed", *SIZE_NAMES):
            value = options.get(name)
            if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
                raise OptionError(f"{name} must be a non-negative integer", name)
        seed = current.seed if options.get("seed") is None else options["seed"]
        locale = current.locale if options.get("locale") is None else options["locale"]
        if not isinstance(locale, str) or not is_faker_locale(locale):
            raise OptionError(f"locale must be a Faker locale such as en_US, not {locale!r}", "locale")
        empty = options.get("empty")
        if empty is not None and not isinstance(empty, bool):
            raise OptionError(f"empty must be true or false, not {empty!r}", "empty")
        if empty:
            return cls(seed=seed, size=None, locale=locale)
        default = current.size or DEMO
        sizes = {
            name: getattr(default, name) if options.get(name) is None else options[name]
            for name in SIZE_NAMES
        }
        try:
            size = WorldSize(**sizes)
        except ValueError as error:  # sizes that do not fit together, such as conversations with one user
            raise OptionError(str(error)) from None
        return cls(seed=seed, size=size, locale=locale)

    def options(self) -> dict[str, Any]:
        """The options :meth:`from_options` makes this baseline from (a saved state has none)."""
        if self.size is None:
            return {"seed": self.seed, "locale": self.locale, "empty": True}
        return {
            "seed": self.seed,
            "locale": self.locale,
            **{name: getattr(self.size, name) for name in SIZE_NAMES},
        }
