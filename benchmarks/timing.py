"""Timing primitives: perf_counter_ns, the collector off while timing, medians."""

from __future__ import annotations

import contextlib
import gc
import statistics
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic garbage collection inside a timed stretch: a collection that happens to land in one run
    would be charged to that run alone. Each stretch starts from a fresh collection."""
    was_enabled = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def batch_ns(call: Callable[[], Any], count: int) -> float:
    """The mean time of one call over ``count`` calls in a row, in nanoseconds."""
    with collector_paused():
        started = time.perf_counter_ns()
        for _ in range(count):
            call()
        elapsed = time.perf_counter_ns() - started
    return elapsed / count


def batch_size(call: Callable[[], Any], target_ms: float) -> int:
    """How many calls make a batch of about ``target_ms``, from a warm-up batch (which it runs)."""
    per_call = batch_ns(call, 5)
    return max(3, round(target_ms * 1e6 / max(per_call, 1.0)))


def call_ns(call: Callable[[], Any]) -> int:
    with collector_paused():
        started = time.perf_counter_ns()
        call()
        return time.perf_counter_ns() - started


def repeat_ns(
    call: Callable[[], Any],
    *,
    runs: tuple[int, int],
    budget_s: float,
    before: Callable[[], Any] | None = None,
) -> list[int]:
    """Time ``call`` alone, again and again: at least ``runs[0]`` times, then until ``runs[1]`` times or
    ``budget_s`` seconds have passed. ``before`` runs untimed before each call."""
    least, most = runs
    samples: list[int] = []
    deadline = time.monotonic() + budget_s
    while len(samples) < most and (len(samples) < least or time.monotonic() < deadline):
        if before is not None:
            before()
        samples.append(call_ns(call))
    return samples


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values))
