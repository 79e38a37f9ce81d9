"""Watching Python's cyclic collector while something is made: which collections start meanwhile."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Callable, Iterator
from typing import Any


class Collections:
    """The generations of the collections that start while a watched function runs, and what it made."""

    def __init__(self) -> None:
        self.making = False
        self.while_making: list[int] = []
        self.made: list[Any] = []

    def heard(self, phase: str, info: dict[str, int]) -> None:
        if self.making and phase == "start":
            self.while_making.append(info["generation"])

    def watch(self, make: Callable[..., Any]) -> Callable[..., Any]:
        def watched(*args: Any, **kwargs: Any) -> Any:
            self.making = True
            try:
                made = make(*args, **kwargs)
            finally:
                self.making = False
            self.made.append(made)
            return made

        return watched


@contextlib.contextmanager
def listening(collections: Collections) -> Iterator[Collections]:
    """The collector on, with a collection every few new objects and ``collections`` hearing each; then
    the collector, its thresholds, its hooks (any added meanwhile too) and frozen objects as they were
    (nothing is frozen after)."""
    threshold, enabled, hooks = gc.get_threshold(), gc.isenabled(), len(gc.callbacks)
    gc.callbacks.append(collections.heard)
    gc.unfreeze()
    gc.enable()
    gc.set_threshold(10)
    try:
        yield collections
    finally:
        gc.set_threshold(*threshold)
        del gc.callbacks[hooks:]
        gc.unfreeze()
        (gc.enable if enabled else gc.disable)()
