"""Permission coverage: for every permission rule, how many calls it allowed and how many it denied.

A rule is named ``Entity:operation:scope`` (``Conversation:read:own``), with two more scopes:
``super-admin`` (the service account, which may do everything) and ``none`` (no role grants it). Rules
that are not role permissions carry their own names: ``Message:create:member-author`` (a user writes as
itself, in a conversation it belongs to), ``Role:assign:super-admin``, and the live chat's
``Message:update:author``, ``Message:delete:author`` and ``Conversation:update:member`` (a non-member
may not change a conversation).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from roqmock.domain.roles import Entity, Operation, Scope, rule_name

_ROLE_RULES = [
    (Entity.CONVERSATION, Operation.CREATE, None),
    *[
        (Entity.CONVERSATION, op, scope)
        for op in (Operation.READ, Operation.UPDATE, Operation.DELETE)
        for scope in Scope
    ],
    *[
        (entity, Operation.READ, scope)
        for entity in (Entity.MESSAGE, Entity.USER, Entity.FILE)
        for scope in Scope
    ],
    (Entity.FILE, Operation.CREATE, None),
    *[(Entity.FILE, op, scope) for op in (Operation.UPDATE, Operation.DELETE) for scope in Scope],
]

KNOWN_RULES: tuple[str, ...] = (
    *(rule_name(entity, operation, scope) for entity, operation, scope in _ROLE_RULES),
    "Message:create:member-author",
    "User:create:super-admin",
    "Role:assign:super-admin",
)


@dataclass(slots=True)
class Tally:
    """How often one permission rule allowed and how often it denied."""

    allowed: int = 0
    denied: int = 0


class Coverage:
    def __init__(self) -> None:
        self._tallies: dict[str, Tally] = {}
        self._lock = threading.Lock()
        self._heard: list[tuple[str, bool]] | None = None

    def record(self, rule: str, *, allowed: bool) -> None:
        with self._lock:
            tally = self._tallies.get(rule)
            if tally is None:
                tally = self._tallies[rule] = Tally()
            if allowed:
                tally.allowed += 1
            else:
                tally.denied += 1
            if self._heard is not None:
                self._heard.append((rule, allowed))

    def listen(self) -> list[tuple[str, bool]]:
        """From now on also keep each decision, in order, in the list returned, until :meth:`stop`
        (the caller holds the world's lock: one call at a time is heard)."""
        with self._lock:
            self._heard = []
            return self._heard

    def stop(self) -> None:
        with self._lock:
            self._heard = None

    def replay(self, decisions: list[tuple[str, bool]]) -> None:
        """Count again the decisions a call made, for a call answered without making them again."""
        for rule, allowed in decisions:
            self.record(rule, allowed=allowed)

    def clear(self) -> None:
        with self._lock:
            self._tallies.clear()

    def rows(self) -> list[dict[str, object]]:
        """Every known rule (untried ones with zeros) and every other rule a call went through."""
        with self._lock:
            names = list(KNOWN_RULES) + sorted(set(self._tallies) - set(KNOWN_RULES))
            return [
                {
                    "rule": name,
                    "allowed": self._tallies.get(name, Tally()).allowed,
                    "denied": self._tallies.get(name, Tally()).denied,
                }
                for name in names
            ]

    def merge(self, rows: list[dict[str, object]]) -> None:
        """Add rows from another coverage (another process's, say)."""
        with self._lock:
            for row in rows:
                tally = self._tallies.setdefault(str(row["rule"]), Tally())
                tally.allowed += int(str(row["allowed"]))
                tally.denied += int(str(row["denied"]))
