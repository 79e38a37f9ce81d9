"""The figures, the targets they are held to, and the one table that shows them."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

MET, MISSED, UNMEASURED = "✓", "✗", "-"
HEADINGS = ("part", "measure", "roqmock", "against", "ratio", "target", "met")


@dataclass(frozen=True, slots=True)
class Target:
    """A bound on one figure: ``value <= limit`` (``at_most``) or ``value >= limit``.

    ``value`` None means the figure could not be measured honestly (a failed run): the target is missed.
    ``measured`` False means this run did not try (``--quick``): the target is not counted.
    """

    text: str
    limit: float
    at_most: bool
    value: float | None
    measured: bool = True
    failure: str = ""

    @classmethod
    def below(cls, text: str, value: float | None, limit: float, *, failure: str = "") -> Target:
        return cls(text, limit, True, value, failure=failure)

    @classmethod
    def above(cls, text: str, value: float | None, limit: float, *, failure: str = "") -> Target:
        return cls(text, limit, False, value, failure=failure)

    @classmethod
    def skipped(cls, text: str, limit: float, *, at_most: bool = True, reason: str) -> Target:
        return cls(text, limit, at_most, None, measured=False, failure=reason)

    @property
    def met(self) -> bool | None:
        if not self.measured:
            return None
        if self.value is None or self.failure or math.isnan(self.value):
            return False
        return self.value <= self.limit if self.at_most else self.value >= self.limit

    @property
    def mark(self) -> str:
        met = self.met
        mark = UNMEASURED if met is None else MET if met else MISSED
        return f"{mark} {self.failure}" if self.failure else mark


@dataclass(frozen=True, slots=True)
class Row:
    part: str
    measure: str
    roqmock: str
    against: str = ""
    ratio: str = ""
    target: Target | None = None

    def cells(self) -> tuple[str, ...]:
        target = self.target
        return (
            self.part,
            self.measure,
            self.roqmock,
            self.against,
            self.ratio,
            target.text if target else "",
            target.mark if target else "",
        )


@dataclass(slots=True)
class Section:
    """What one part of the benchmark found: rows for the table, figures for ``--json``, notes on method."""

    rows: list[Row] = field(default_factory=list)
    figures: dict[str, float | None] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def targets(self) -> list[Target]:
        return [row.target for row in self.rows if row.target is not None]


# ---------------------------------------------------------------- units


def duration(ns: float | None) -> str:
    """``850 ns``, ``12.3 µs``, ``4.56 ms``, ``1.20 s``: three significant digits."""
    if ns is None:
        return "failed"
    for unit, scale in (("s", 1e9), ("ms", 1e6), ("µs", 1e3)):
        if abs(ns) >= scale:
            return f"{_significant(ns / scale)} {unit}"
    return f"{_significant(ns)} ns"


def rate(per_second: float | None) -> str:
    return "failed" if per_second is None else f"{per_second:,.0f} req/s"


def ratio(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}x"


def size(count: float | None) -> str:
    """Bytes, in B below 10 KB so that a 1 KB target reads plainly, else KB or MB (1024-based)."""
    if count is None:
        return "failed"
    if abs(count) < 10 * 1024:
        return f"{count:,.0f} B"
    if abs(count) < 10 * 1024 * 1024:
        return f"{count / 1024:,.1f} KB"
    return f"{count / 1024 / 1024:,.1f} MB"


def count(value: int) -> str:
    """``1k``, ``100k``, ``1M``."""
    for suffix, scale in (("M", 1_000_000), ("k", 1_000)):
        if value >= scale and value % scale == 0:
            return f"{value // scale}{suffix}"
    return f"{value:,}"


def _significant(value: float) -> str:
    digits = 0 if abs(value) >= 100 else 1 if abs(value) >= 10 else 2
    return f"{value:.{digits}f}"


# ---------------------------------------------------------------- the table


def render(title: str, rows: Sequence[Row], notes: Iterable[str] = ()) -> str:
    """The one table: a title, aligned columns, a line under the headings, notes, and the targets met."""
    lines = [title, ""]
    table = [HEADINGS, *(row.cells() for row in rows)]
    widths = [max(len(cells[column]) for cells in table) for column in range(len(HEADINGS))]
    for index, cells in enumerate(table):
        lines.append("  ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True)).rstrip())
        if index == 0:
            lines.append("  ".join("-" * width for width in widths))
    notes = list(notes)
    if notes:
        lines.append("")
        lines.extend(f"* {note}" for note in notes)
    lines.append("")
    lines.append(summary([row.target for row in rows if row.target is not None]))
    return "\n".join(lines)


def summary(targets: Sequence[Target]) -> str:
    counted = [target for target in targets if target.met is not None]
    met = sum(1 for target in counted if target.met)
    line = f"targets met: {met}/{len(counted)}"
    unmeasured = len(targets) - len(counted)
    return line + (f" ({unmeasured} not measured in this run)" if unmeasured else "")


def as_json(figures: Mapping[str, float | None], rows: Sequence[Row]) -> dict[str, object]:
    """The figures (None: a failed measurement) and each target with the measure it bounds."""
    return {
        "figures": dict(figures),
        "targets": [
            {
                "measure": row.measure,
                "target": row.target.text,
                "value": row.target.value,
                "limit": row.target.limit,
                "met": row.target.met,
                "failure": row.target.failure or None,
            }
            for row in rows
            if row.target is not None
        ],
    }
