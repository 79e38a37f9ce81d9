"""Injected faults: latency or ROQ-shaped errors for chosen operations, by probability and count.

A fault matches a request when its ``operation`` is one of the request's root fields (or ``"*"``). Faults
draw from one seeded random source, so a run with the same seed fails the same calls.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from roqmock.api.errors import status_phrase
from roqmock.domain.errors import BadRequest, RoqError

MAX_LATENCY_MS = 60_000


@dataclass(slots=True)
class Fault:
    id: int
    operation: str
    latency_ms: int = 0
    status: int | None = None  # an error answer with this statusCode...
    error_code: str | None = None  # ...this errorCode...
    message: str | None = None  # ...and this message
    probability: float = 1.0
    remaining: int | None = None  # None: for ever
    hits: int = 0

    @property
    def injects_error(self) -> bool:
        return self.status is not None

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        return {
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
    latency_s: float = 0.0
    error: RoqError | None = None


NO_INJECTION = Injection()


def parse_fault(body: Mapping[str, Any], fault_id: int) -> Fault:
    """A fault from ``{operation, latencyMs?, error?, probability?, count?}``.

    ``error`` is ``{statusCode, errorCode?, message?}``.
    """
    known = {"operation", "latencyMs", "error", "probability", "count"}
    unknown = set(body) - known
    if unknown:
        raise BadRequest(f"unknown fault fields: {', '.join(sorted(unknown))}", error_code="INVALID_FAULT")
    operation = body.get("operation")
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
    if latency == 0 and status is None:
        raise BadRequest("a fault needs latencyMs, an error, or both", error_code="INVALID_FAULT")
    return Fault(fault_id, operation, latency, status, error_code, message, float(probability), count)


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
        with self._lock:
            for fault in self._faults:
                if fault.operation != "*" and fault.operation not in fields:
                    continue
                if fault.remaining is not None and fault.remaining <= 0:
                    continue
                if self._random.random() >= fault.probability:
                    continue
                fault.hits += 1
                if fault.remaining is not None:
                    fault.remaining -= 1
                return Injection(fault.latency_ms / 1000, fault.error() if fault.injects_error else None)
            return NO_INJECTION
