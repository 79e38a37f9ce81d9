"""Time and identity: a clock that never repeats a timestamp, and UUIDs from a seedable source."""

from __future__ import annotations

import random
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

TICK = timedelta(milliseconds=1)
# When ROQ's built-in records were made (file categories, the UI's translation keys): fixed, so that
# every world and every seed dates them alike.
BUILT_IN_SINCE = datetime(2024, 1, 1, tzinfo=UTC)


_time_ns = time.time_ns  # the system clock, by a name of this module's that tests can replace


def _wall_now() -> datetime:
    """The wall clock's time to the millisecond: ``truncate(datetime.now(UTC))`` at a third of its cost
    (every write takes one). A count of milliseconds over 1,000 is a float within half a microsecond of
    it until the year 2106, and ``fromtimestamp`` rounds to the nearest microsecond."""
    return datetime.fromtimestamp(_time_ns() // 1_000_000 / 1000, UTC)


def truncate(moment: datetime) -> datetime:
    """Timestamps keep milliseconds, as ROQ's ISO strings do."""
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


class Clock:
    """Hands out strictly increasing millisecond timestamps, so creation order is always recoverable.

    With ``start`` it is virtual: it begins there and advances one millisecond a call, which makes
    worlds reproducible byte for byte. Without it, it follows the wall clock.
    """

    def __init__(self, start: datetime | None = None, *, now: Callable[[], datetime] | None = None) -> None:
        self._virtual = start is not None
        self._now = now or _wall_now
        self._last = truncate(start) - TICK if start is not None else datetime.min.replace(tzinfo=UTC)

    def now(self) -> datetime:
        if self._virtual:
            candidate = self._last + TICK
        elif self._now is _wall_now:
            candidate = _wall_now()  # already to the millisecond
        else:
            candidate = truncate(self._now())
        if candidate <= self._last:
            candidate = self._last + TICK
        self._last = candidate
        return candidate

    def snapshot(self) -> datetime:
        return self._last

    def restore(self, snapshot: datetime) -> None:
        self._last = snapshot

    def observe(self, moment: datetime) -> None:
        """Keep later timestamps after one that was set explicitly (a seeded record, say)."""
        self._last = max(self._last, truncate(moment))


_CLEAR_VERSION = ~((0xF000 << 64) | (0xC000 << 48))
_VERSION_4 = (0x4000 << 64) | (0x8000 << 48)


class IdSource:
    """UUID4s from one seedable random source: the same seed gives the same ids.

    Ids are drawn a block at a time, so that where the source stands is the block's starting state and
    a position in it: a snapshot costs nothing, and every mutation takes one (a failed one puts it back).
    """

    BLOCK = 64

    def __init__(self, seed: int | str | None = None) -> None:
        self._random = random.Random(seed)
        self._fill()

    def _fill(self) -> None:
        self._origin = self._random.getstate()
        draw = self._random.getrandbits
        self._block = [_uuid4_text(draw(128)) for _ in range(self.BLOCK)]
        self._next = 0

    def new(self) -> str:
        if self._next == self.BLOCK:
            self._fill()
        text = self._block[self._next]
        self._next += 1
        return text

    def snapshot(self) -> tuple[tuple[Any, ...], int]:
        return self._origin, self._next

    def restore(self, snapshot: tuple[tuple[Any, ...], int]) -> None:
        origin, position = snapshot
        if origin is not self._origin:
            self._random.setstate(origin)
            self._fill()
            self._origin = origin  # the same object again: snapshots taken before compare as identical
        self._next = position


def _uuid4_text(bits: int) -> str:
    # uuid.UUID(int=..., version=4), formatted without building the object: seeding makes many. The
    # bytes' hex() is quicker than formatting the int with :032x (105,000 ids: 122 against 159 ms).
    text = ((bits & _CLEAR_VERSION) | _VERSION_4).to_bytes(16, "big").hex()
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


# Both cases spelt out: the same matches as IGNORECASE (no other letter folds into a-f), at half the cost.
_HEX = "[0-9a-fA-F]"
_UUID = re.compile(f"{_HEX}{{8}}-{_HEX}{{4}}-{_HEX}{{4}}-{_HEX}{{4}}-{_HEX}{{12}}")


def is_uuid(value: object) -> bool:
    """Any UUID in its canonical 8-4-4-4-12 form, as ROQ's validator (IsUUID "all") accepts."""
    return isinstance(value, str) and _UUID.fullmatch(value) is not None


def to_iso(moment: datetime) -> str:
    """The ISO-8601 form ROQ answers with: UTC, milliseconds, a trailing Z."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def parse_iso(value: str) -> datetime:
    """Read an ISO-8601 date or date-time; a naive one is taken as UTC. ``ValueError`` when it is not one,
    or when it falls outside the years 1 to 9999 once in UTC (``0001-01-01T00:00+01:00``)."""
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        raise ValueError(f"{value!r} is out of the range of dates") from None
