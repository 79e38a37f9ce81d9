"""Injected faults: latency or ROQ-shaped errors for chosen operations, by probability and count.

A fault matches a request when its ``operation`` is one of the request's root fields (or ``"*"``). A socket
fault names an ``event`` of the live chat's message center instead: it delays or drops what the server
sends (``direction: "toClient"``, the default), or delays or refuses what a client sends
(``"fromClient"``), optionally for one ``user``. Faults draw from one seeded random source, so a run with
the same seed fails the same calls.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from roqmock.api.errors import status_phrase
from roqmock.domain.clock import is_uuid
from roqmock.domain.errors import BadRequest, RoqError

MAX_LATENCY_MS = 60_000
TO_CLIENT, FROM_CLIENT = "toClient", "fromClient"


@dataclass(slots=True)
class Fault:
    """A fault to inject on a GraphQL operation (latency, an error answer, or both) or on a socket event."""

    id: int
    operation: str | None  # None: a socket fault (``event``)
    latency_ms: int = 0
    status: int | None = None  # an error answer with this statusCode...
    error_code: str | None = None  # ...this errorCode...
    message: str | None = None  # ...and this message
    probability: float = 1.0
    remaining: int | None = None  # None: for ever
    hits: int = 0
    event: str | None = None  # a socket event's name, or "*"
    user: str | None = None  # the socket's user (its receiver, or its sender): None, anyone's
    direction: str = TO_CLIENT
    drop: bool = False  # a server event never sent

    @property
    def injects_error(self) -> bool:
        return self.status is not None

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        answer = {
            "id": data["id"],
            "operation": data["operation"],
            "latencyMs": data["latency_ms"],
            "error": None
            if self.status is None
            else {"statusCode": self.status, "errorCode": self.error_code, "message": self.message},
            "probability": data["probability"],
            "remaining": data["remaining"],
            "hits": data["hits"],
        }
        if self.event is not None:
            answer.update(event=self.event, user=self.user, direction=self.direction, drop=self.drop)
        return answer

    def error(self) -> RoqError:
        assert self.status is not None
        phrase = status_phrase(self.status)  # 499, 522...: HTTPStatus raises on statuses it does not know
        return RoqError(
            self.message or f"Injected fault: {phrase}",
            error_code=self.error_code or phrase.upper().replace(" ", "_"),
            injectedFault=self.id,
        ).with_status(self.status)


@dataclass(frozen=True, slots=True)
class Injection:
    """What the faults drew for one GraphQL call: a delay, an error, both, or neither."""

    latency_s: float = 0.0
    error: RoqError | None = None


NO_INJECTION = Injection()


@dataclass(frozen=True, slots=True)
class SocketInjection:
    """What the faults drew for one socket event: a delay, a drop, an error, or none."""

    latency_s: float = 0.0
    drop: bool = False
    error: RoqError | None = None


NO_SOCKET_INJECTION = SocketInjection()


def parse_fault(body: Mapping[str, Any], fault_id: int) -> Fault:
    """A fault from ``{operation, latencyMs?, error?, probability?, count?}``, or a socket fault from
    ``{event, user?, direction?, latencyMs?, drop?, error?, probability?, count?}``.

    ``error`` is ``{statusCode, errorCode?, message?}``.
    """
    known = {"operation", "latencyMs", "error", "probability", "count"}
    if "event" in body:
        known = (known - {"operation"}) | {"event", "user", "direction", "drop"}
    unknown = set(body) - known
    if unknown:
        raise BadRequest(f"unknown fault fields: {', '.join(sorted(unknown))}", error_code="INVALID_FAULT")
    operation = body.get("operation")
    if "event" in body:
        operation = "-"  # checked below, as a socket fault
    if not isinstance(operation, str) or not operation:
        raise BadRequest(
            "operation is required (a root field such as createMessage, or *)", error_code="INVALID_FAULT"
        )
    latency = body.get("latencyMs", 0)
    if not _is_int(latency) or not 0 <= latency <= MAX_LATENCY_MS:
        raise BadRequest(
            f"latencyMs must be an integer from 0 to {MAX_LATENCY_MS}", error_code="INVALID_FAULT"
        )
    probability = body.get("probability", 1.0)
    if isinstance(probability, bool) or not isinstance(probability, int | float) or not 0 <= probability <= 1:
        raise BadRequest("probability must be a number from 0 to 1", error_code="INVALID_FAULT")
    count = body.get("count")
    if count is not None and (not _is_int(count) or count < 1):
        raise BadRequest("count must be a positive integer", error_code="INVALID_FAULT")
    error = body.get("error")
    status = error_code = message = None
    if error is not None:
        if not isinstance(error, Mapping):
            raise BadRequest(
                "error must be an object {statusCode, errorCode?, message?}", error_code="INVALID_FAULT"
            )
        status = error.get("statusCode")
        if not isinstance(status, int) or isinstance(status, bool) or not 400 <= status <= 599:
            raise BadRequest(
                "error.statusCode must be an HTTP error status (400-599)", error_code="INVALID_FAULT"
            )
        error_code, message = error.get("errorCode"), error.get("message")
        for name, value in (("errorCode", error_code), ("message", message)):
            if value is not None and not isinstance(value, str):
                raise BadRequest(f"error.{name} must be a string", error_code="INVALID_FAULT")
    if "event" in body:
        fault = Fault(fault_id, None, latency, status, error_code, message, probability, count)
        return _socket_fault(body, fault)
    if latency == 0 and status is None:
        raise BadRequest("a fault needs latencyMs, an error, or both", error_code="INVALID_FAULT")
    return Fault(fault_id, operation, latency, status, error_code, message, float(probability), count)


def _socket_fault(body: Mapping[str, Any], fault: Fault) -> Fault:
    event, user = body.get("event"), body.get("user")
    direction, drop = body.get("direction", TO_CLIENT), body.get("drop", False)
    if not isinstance(event, str) or not event:
        raise BadRequest("event must be a socket event's name, or *", error_code="INVALID_FAULT")
    if user is not None and (not isinstance(user, str) or not is_uuid(user)):
        raise BadRequest("user must be a user id (a UUID)", error_code="INVALID_FAULT")
    if user is not None:
        user = user.lower()  # as the sockets carry it
    if direction not in (TO_CLIENT, FROM_CLIENT):
        raise BadRequest(f"direction must be {TO_CLIENT} or {FROM_CLIENT}", error_code="INVALID_FAULT")
    if not isinstance(drop, bool):
        raise BadRequest("drop must be true or false", error_code="INVALID_FAULT")
    if direction == TO_CLIENT and fault.status is not None:
        raise BadRequest(
            "a server event can be delayed or dropped; an error refuses a client event (fromClient)",
            error_code="INVALID_FAULT",
        )
    if direction == FROM_CLIENT and drop:
        raise BadRequest(
            "a client event can be delayed or refused with an error, not dropped", error_code="INVALID_FAULT"
        )
    if fault.latency_ms == 0 and fault.status is None and not drop:
        wanted = "latencyMs, drop, or both" if direction == TO_CLIENT else "latencyMs, an error, or both"
        raise BadRequest(f"a socket fault needs {wanted}", error_code="INVALID_FAULT")
    fault.probability = float(fault.probability)
    fault.event, fault.user, fault.direction, fault.drop = event, user, direction, drop
    return fault


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


class Faults:
    def __init__(self, seed: int | None = None) -> None:
        self._faults: list[Fault] = []
        self._random = random.Random(seed)
        self._next_id = 1
        self._lock = threading.Lock()

    def add(self, body: Mapping[str, Any]) -> Fault:
        with self._lock:
            fault = parse_fault(body, self._next_id)
            self._next_id += 1
            self._faults.append(fault)
            return fault

    def remove(self, fault_id: int | None = None) -> int:
        """Remove one fault, or every fault; answers how many were removed."""
        with self._lock:
            before = len(self._faults)
            self._faults = [f for f in self._faults if fault_id is not None and f.id != fault_id]
            return before - len(self._faults)

    def list(self) -> list[Fault]:
        with self._lock:
            return list(self._faults)

    def draw(self, fields: tuple[str, ...]) -> Injection:
        """What to inject into a request selecting ``fields``: the first matching fault that fires."""
        if not self._faults:
            return NO_INJECTION  # the usual case, without the lock
        with self._lock:
            for fault in self._faults:
                if fault.operation is None or (fault.operation != "*" and fault.operation not in fields):
                    continue
                if not self._fires(fault):
                    continue
                return Injection(fault.latency_ms / 1000, fault.error() if fault.injects_error else None)
            return NO_INJECTION

    def draw_socket(self, event: str, user_id: str, direction: str) -> SocketInjection:
        """What to do to one socket event (``direction``: who sends it): the first matching fault that
        fires."""
        if not self._faults:
            return NO_SOCKET_INJECTION  # the usual case, without the lock: once per socket an event reaches
        with self._lock:
            for fault in self._faults:
                if fault.event is None or fault.direction != direction or fault.event not in ("*", event):
                    continue
                if fault.user is not None and fault.user != user_id:
                    continue
                if not self._fires(fault):
                    continue
                error = fault.error() if fault.injects_error else None
                return SocketInjection(fault.latency_ms / 1000, fault.drop, error)
            return NO_SOCKET_INJECTION

    def _fires(self, fault: Fault) -> bool:
        """Whether ``fault`` applies this time (counted if so); under the lock."""
        if fault.remaining is not None and fault.remaining <= 0:
            return False
        if self._random.random() >= fault.probability:
            return False
        fault.hits += 1
        if fault.remaining is not None:
            fault.remaining -= 1
        return True
