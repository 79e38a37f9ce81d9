"""The call journal: which operations ran, as whom, with which variables, and how they ended.

Bounded in memory, by count and by the size of the variables it keeps (the oldest calls fall off), and
the base of call verification:
``verify("createMessage", times=2, as_user=alice_id, variables={...})``.
"""

from __future__ import annotations

import json
import threading
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

DEFAULT_CAPACITY = 10_000
# 10,000 calls of small variables weigh a few MB; 10,000 of 1 MB bodies would weigh 10 GB.
DEFAULT_MAX_BYTES = 32 * 1024 * 1024
SUPER_ADMIN = "super-admin"
ANONYMOUS = "anonymous"  # the caller of a call refused before it ran (a bad token or server header)
GRAPHQL, SOCKET = "graphql", "socket"


@dataclass(frozen=True, slots=True)
class Call:
    """One call the journal recorded: a GraphQL request, or an event a live chat client sent."""

    sequence: int
    operation: str  # the root field called (createMessage, conversations, ...), or the operation name
    fields: tuple[str, ...]
    caller: str  # a user id, "super-admin", or "anonymous" for a call refused before it ran
    variables: Mapping[str, Any]
    status: int
    error_code: str | None
    duration_ms: float
    timestamp: float  # seconds since the epoch; rendered only when read
    # "graphql", or "socket": an event a live chat client sent (operation: the event's name, variables:
    # its payload)
    transport: str = GRAPHQL

    @property
    def at(self) -> str:
        """When the call was answered: ISO 8601, UTC, milliseconds."""
        moment = datetime.fromtimestamp(self.timestamp, UTC)
        return moment.isoformat(timespec="milliseconds")

    @property
    def ok(self) -> bool:
        return self.error_code is None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Call:
        """A call as :meth:`as_json` wrote it (the control API's journal), read back."""
        moment = datetime.fromisoformat(str(data["at"]).replace("Z", "+00:00"))
        return cls(
            sequence=int(data["sequence"]),
            operation=str(data["operation"]),
            fields=tuple(data["fields"]),
            caller=str(data["caller"]),
            variables=data["variables"],
            status=int(data["status"]),
            error_code=data["errorCode"],
            duration_ms=float(data["durationMs"]),
            timestamp=moment.timestamp(),
            transport=str(data.get("transport") or GRAPHQL),
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "sequence": self.sequence,
            "operation": self.operation,
            "fields": list(self.fields),
            "caller": self.caller,
            "variables": self.variables,
            "status": self.status,
            "errorCode": self.error_code,
            "durationMs": self.duration_ms,
            "at": self.at,
            "transport": self.transport,
            "ok": self.ok,
        }


@dataclass(frozen=True, slots=True)
class Verification:
    """The answer to "did this run N times?", with the calls that matched and a readable account."""

    expected_times: int | None
    matched: list[Call]
    near_misses: list[Call] = field(default_factory=list)
    description: str = ""

    @property
    def ok(self) -> bool:
        return (
            len(self.matched) > 0 if self.expected_times is None else len(self.matched) == self.expected_times
        )

    def explain(self) -> str:
        wanted = "at least once" if self.expected_times is None else f"{self.expected_times} time(s)"
        lines = [f"expected {self.description} {wanted}, it ran {len(self.matched)} time(s)"]
        if self.near_misses:
            lines.append("calls of that operation that did not match:")
            lines.extend(
                f"  #{call.sequence} as {call.caller}: {_diff_hint(call)}" for call in self.near_misses
            )
        return "\n".join(lines)

    def as_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "expected": self.expected_times,
            "actual": len(self.matched),
            "matched": [call.as_json() for call in self.matched],
            "explanation": "" if self.ok else self.explain(),
        }


def _diff_hint(call: Call) -> str:
    outcome = "ok" if call.ok else call.error_code
    return f"variables {json.dumps(call.variables, sort_keys=True, default=str)} -> {outcome}"


def variables_match(expected: Mapping[str, Any], actual: Mapping[str, Any]) -> bool:
    """Every expected key is in ``actual`` with an equal value; nested objects match the same way."""
    for key, value in expected.items():
        if key not in actual:
            return False
        if isinstance(value, Mapping) and isinstance(actual[key], Mapping):
            if not variables_match(value, actual[key]):
                return False
        elif actual[key] != value:
            return False
    return True


def weight(value: Any) -> int:
    """About how many bytes a JSON value holds: its strings' lengths, and a word for anything else."""
    total = 0
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            total += 8 + len(item)
        elif isinstance(item, dict):
            total += 8
            pending.extend(item)
            pending.extend(item.values())
        elif isinstance(item, list | tuple):
            total += 8
            pending.extend(item)
        else:
            total += 8
    return total


class Journal:
    """The last ``capacity`` calls, fewer when their variables weigh more than ``max_bytes`` together
    (the newest call is always kept)."""

    def __init__(self, capacity: int = DEFAULT_CAPACITY, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.capacity = capacity
        self.max_bytes = max_bytes
        # Each call as its fields: the Call is made when a test reads the journal, not on every request
        # (a frozen dataclass of ten fields costs more to make than the rest of a record).
        self._calls: deque[tuple[Any, ...]] = deque()
        self._weights: deque[int] = deque()
        self._bytes = 0
        self._sequence = 0
        self._lock = threading.Lock()

    def record(
        self,
        *,
        operation: str,
        fields: tuple[str, ...],
        caller: str,
        variables: Mapping[str, Any],
        status: int,
        error_code: str | None,
        duration_ms: float,
        timestamp: float,
        transport: str = GRAPHQL,
    ) -> None:
        size = weight(variables)
        with self._lock:
            self._sequence += 1
            call = (
                self._sequence,
                operation,
                fields,
                caller,
                variables,
                status,
                error_code,
                duration_ms,
                timestamp,
                transport,
            )
            self._calls.append(call)
            self._weights.append(size)
            self._bytes += size
            while len(self._calls) > 1 and (len(self._calls) > self.capacity or self._bytes > self.max_bytes):
                self._calls.popleft()
                self._bytes -= self._weights.popleft()

    @property
    def bytes_held(self) -> int:
        """The weight of the variables held (see :func:`weight`)."""
        return self._bytes

    def clear(self) -> None:
        with self._lock:
            self._calls.clear()
            self._weights.clear()
            self._bytes = 0

    def calls(
        self,
        operation: str | None = None,
        *,
        caller: str | None = None,
        ok: bool | None = None,
        transport: str | None = None,
    ) -> list[Call]:
        with self._lock:
            held = list(self._calls)
        # Filtered on the fields, so that only the calls asked for are made.
        return [
            Call(*fields)
            for fields in held
            if (operation is None or operation == fields[1] or operation in fields[2])
            and (caller is None or fields[3] == caller)
            and (ok is None or (fields[6] is None) == ok)
            and (transport is None or fields[9] == transport)
        ]

    def verify(
        self,
        operation: str,
        *,
        times: int | None = None,
        as_user: str | None = None,
        variables: Mapping[str, Any] | None = None,
        ok: bool | None = None,
        transport: str | None = None,
    ) -> Verification:
        candidates = self.calls(operation, ok=ok, transport=transport)
        matched = [
            call
            for call in candidates
            if (as_user is None or call.caller == as_user)
            and (variables is None or variables_match(variables, call.variables))
        ]
        description = operation
        if as_user is not None:
            description += f" as {as_user}"
        if transport is not None:
            description += f" over {transport}"
        if variables is not None:
            description += f" with variables {json.dumps(variables, sort_keys=True, default=str)}"
        near = [call for call in candidates if call not in matched]
        return Verification(times, matched, near, description)

    def __len__(self) -> int:
        return len(self._calls)
