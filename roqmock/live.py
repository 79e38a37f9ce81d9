"""What a world's live chat did, for tests and the control API: who is connected, and what the message
center sent to whom.

Per world, like the journal: a reset or a loaded state clears the events sent (the connections stay, they
are not the world's), and both are bounded. The message center (``roqmock.http.socket``) writes here at its
one sending point; nothing here knows Socket.IO.
"""

from __future__ import annotations

import json
import threading
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from roqmock.journal import DEFAULT_CAPACITY, DEFAULT_MAX_BYTES, variables_match, weight

__all__ = ["Emission", "LiveRecord", "SocketInfo", "payload_matches"]


def _iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).isoformat(timespec="milliseconds")


def _epoch(text: Any) -> float:
    return datetime.fromisoformat(str(text).replace("Z", "+00:00")).timestamp()


@dataclass(frozen=True, slots=True)
class Emission:
    """One event the message center sent to one socket."""

    sequence: int
    event: str
    to: str  # the receiving socket's user id
    sid: str
    data: Any  # the payload as sent (``exception``'s is a JSON string, as ROQ sends it)
    timestamp: float
    delay_ms: int = 0  # held back this long by a fault

    @property
    def at(self) -> str:
        return _iso(self.timestamp)

    @property
    def payload(self) -> Any:
        """The payload as an object: ``exception``'s JSON string parsed."""
        if isinstance(self.data, str):
            try:
                return json.loads(self.data)
            except ValueError:
                return self.data
        return self.data

    def as_json(self) -> dict[str, Any]:
        return {
            "sequence": self.sequence,
            "event": self.event,
            "to": self.to,
            "sid": self.sid,
            "data": self.data,
            "delayMs": self.delay_ms,
            "at": self.at,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Emission:
        return cls(
            sequence=int(data["sequence"]),
            event=str(data["event"]),
            to=str(data["to"]),
            sid=str(data["sid"]),
            data=data["data"],
            timestamp=_epoch(data["at"]),
            delay_ms=int(data.get("delayMs") or 0),
        )


def payload_matches(fields: Mapping[str, Any], emission: Emission) -> bool:
    """Every field is in the payload with an equal value (nested objects match the same way)."""
    payload = emission.payload
    return not fields or (isinstance(payload, Mapping) and variables_match(fields, payload))


@dataclass(frozen=True, slots=True)
class SocketInfo:
    """One connected socket, as ``GET /__roqmock/sockets`` lists it."""

    sid: str
    user_id: str
    email: str | None
    reference: str | None
    session: str | None  # the session's name; None: the server's own world
    since: float
    transport: str  # "websocket", "polling" or "in-process"

    def as_json(self) -> dict[str, Any]:
        return {
            "sid": self.sid,
            "userId": self.user_id,
            "email": self.email,
            "reference": self.reference,
            "session": self.session,
            "connectedSince": _iso(self.since),
            "transport": self.transport,
        }


class LiveRecord:
    """A world's connected sockets, and the last ``capacity`` events sent to them (fewer when their
    payloads weigh more than ``max_bytes`` together)."""

    def __init__(self, capacity: int = DEFAULT_CAPACITY, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.capacity = capacity
        self.max_bytes = max_bytes
        # Each event as its fields and its weight: the Emission is made when a test asks (a message to
        # 50 members is 50 records, and a frozen dataclass costs more to make than the rest of a record).
        self._emitted: deque[tuple[tuple[int, str, str, str, Any, float, int], int]] = deque()
        self._bytes = 0
        self._sequence = 0
        self._sockets: dict[str, SocketInfo] = {}
        self._lock = threading.Lock()

    # ------------------------------------------------------------ what was sent

    def record(
        self,
        event: str,
        to: str,
        sid: str,
        data: Any,
        timestamp: float,
        delay_ms: int = 0,
        size: int | None = None,
    ) -> None:
        """``size``: ``weight(data)``, when the caller has it already (one payload sent to many)."""
        size = weight(data) if size is None else size
        with self._lock:
            self._sequence += 1
            self._emitted.append(((self._sequence, event, to, sid, data, timestamp, delay_ms), size))
            self._bytes += size
            while len(self._emitted) > 1 and (
                len(self._emitted) > self.capacity or self._bytes > self.max_bytes
            ):
                self._bytes -= self._emitted.popleft()[1]

    def emitted(self, event: str | None = None, *, to: str | None = None) -> list[Emission]:
        """What was sent, oldest first: of ``event``, to ``to`` (a user id)."""
        with self._lock:
            held = [fields for fields, _ in self._emitted]
        return [
            Emission(*fields)
            for fields in held
            if (event is None or fields[1] == event) and (to is None or fields[2] == to)
        ]

    def clear(self) -> None:
        with self._lock:
            self._emitted.clear()
            self._bytes = 0

    # ------------------------------------------------------------ who is connected

    def connected(self, info: SocketInfo) -> None:
        with self._lock:
            self._sockets[info.sid] = info

    def disconnected(self, sid: str) -> None:
        with self._lock:
            self._sockets.pop(sid, None)

    def sockets(self) -> list[SocketInfo]:
        with self._lock:
            return sorted(self._sockets.values(), key=lambda info: (info.since, info.sid))
