"""Answers to queries, kept while the world stays as it was.

A query's answer is a function of the world, the request (document, operation, variables), who asks and
the address its URLs start with. While no write has happened since (the world's ``version`` moves on at
every atomic block and every rewind, and a reset or loaded state is another world), the same request gets
the same answer, so its bytes are kept and sent again instead of executing the query again. Everything a
call does besides answering still happens on every call, in :meth:`roqmock.mock.RoqMock.handle`: faults
are drawn, the journal records it, and permission coverage counts the decisions the first call made.

Only queries are kept, and only answers that did not read the wall clock (a presigned download URL
expires, so it is made anew for every call).
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from roqmock.domain.store import World

__all__ = ["AnswerCache", "Budget", "Kept", "WatchedClock"]

MAX_ANSWERS = 256
MAX_BYTES = 32 * 1024 * 1024  # one world's
SHARED_BYTES = 64 * 1024 * 1024  # a server's, its sessions' included

Key = tuple[str, str | None, str, str | None, bool, str | None]


@dataclass(frozen=True, slots=True)
class Kept:
    """A query's answer as its first call made it."""

    status: int
    answer: dict[str, Any]
    content: bytes  # the answer's JSON bytes
    fields: tuple[str, ...]
    decisions: tuple[tuple[str, bool], ...]  # its permission decisions, for coverage


class WatchedClock:
    """The wall clock, telling whether a call read it (its answer then holds a moment of its own)."""

    __slots__ = ("_now", "read")

    def __init__(self, now: Any) -> None:
        self._now = now
        self.read = False

    def __call__(self) -> int:
        self.read = True
        value: int = self._now()
        return value


class Budget:
    """The bytes the kept answers of a server and all its sessions may hold together."""

    def __init__(self, limit: int = SHARED_BYTES) -> None:
        self.limit = limit
        self.used = 0
        self._lock = threading.Lock()

    def take(self, size: int) -> bool:
        with self._lock:
            if self.used + size > self.limit:
                return False
            self.used += size
            return True

    def give_back(self, size: int) -> None:
        with self._lock:
            self.used -= size


class AnswerCache:
    """The kept answers of one world at one version, least recently used dropped first."""

    def __init__(
        self, *, max_answers: int = MAX_ANSWERS, max_bytes: int = MAX_BYTES, budget: Budget | None = None
    ) -> None:
        self.max_answers = max_answers
        self.max_bytes = max_bytes
        self.budget = budget or Budget()
        self.hits = 0  # calls answered from a kept answer (counted by the caller that sends it)
        self._answers: OrderedDict[Key, Kept] = OrderedDict()
        self._bytes = 0
        self._world: World | None = None
        self._version = -1

    @staticmethod
    def key(body: Any, user_id: str | None, *, client_graph: bool, base_url: str | None) -> Key | None:
        """What a request's answer depends on besides the world; ``None`` for a body that is not a plain
        JSON request (it is answered, and refused where it must be, by the engine)."""
        if not isinstance(body, Mapping):
            return None
        query, variables, operation_name = body.get("query"), body.get("variables"), body.get("operationName")
        if not isinstance(query, str) or not (operation_name is None or isinstance(operation_name, str)):
            return None
        if variables is not None and not isinstance(variables, Mapping):
            return None
        try:
            values = json.dumps(variables, sort_keys=True, separators=(",", ":"), allow_nan=False)
        except (TypeError, ValueError):
            return None
        return (query, operation_name, values, user_id, client_graph, base_url)

    def get(self, world: World, key: Key) -> Kept | None:
        if world is not self._world or world.version != self._version:
            return None
        kept = self._answers.get(key)
        if kept is not None:
            self._answers.move_to_end(key)
        return kept

    def keep(self, world: World, version: int, key: Key, kept: Kept) -> None:
        """Keep ``kept``, read from ``world`` at ``version`` (nothing is kept if the world moved on)."""
        if world.version != version or len(kept.content) > self.max_bytes or not self.max_answers:
            return
        if world is not self._world or version != self._version:
            self.clear()
            self._world, self._version = world, version
        previous = self._answers.pop(key, None)
        if previous is not None:
            self._drop(previous)
        size = len(kept.content)
        while self._answers and (
            len(self._answers) >= self.max_answers or self._bytes + size > self.max_bytes
        ):
            self._drop(self._answers.popitem(last=False)[1])
        while not self.budget.take(size):
            if not self._answers:
                return  # the other worlds hold the server's budget: this one is not kept
            self._drop(self._answers.popitem(last=False)[1])
        self._answers[key] = kept
        self._bytes += size

    def _drop(self, kept: Kept) -> None:
        self._bytes -= len(kept.content)
        self.budget.give_back(len(kept.content))

    def clear(self) -> None:
        self.budget.give_back(self._bytes)
        self._answers.clear()
        self._bytes = 0
        self._world, self._version = None, -1

    def __len__(self) -> int:
        return len(self._answers)
