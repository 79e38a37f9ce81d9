"""How much to measure: the default run, and ``--quick`` for smoke tests."""

from __future__ import annotations

from dataclasses import dataclass

PARTS = ("inprocess", "http", "scale", "seed", "startup", "live", "files")


@dataclass(frozen=True, slots=True)
class Plan:
    quick: bool = False
    # in process: ``runs`` batches of calls, each about ``batch_ms`` long
    runs: int = 7
    batch_ms: float = 100.0
    # over HTTP: ``rounds`` of each server, alternated; wrk's load and durations in seconds
    rounds: int = 3
    duration_s: int = 5
    warmup_s: int = 2
    connections: int = 32
    threads: int = 1
    # at scale: stored-message counts, and how long to keep repeating one page
    scale_sizes: tuple[int, ...] = (1_000, 100_000, 1_000_000)
    scale_runs: tuple[int, int] = (5, 30)  # (at least, at most)
    scale_budget_s: float = 4.0
    # seeding, resets and memory
    seed_runs: int = 3
    reset_runs: tuple[int, int] = (5, 200)
    reset_budget_s: float = 20.0
    memory_messages: int = 20_000
    # the live chat: messages timed one at a time (after unmeasured ones), messages in flight for messages/s
    live_messages: int = 300
    live_warmup: int = 30
    live_window: int = 8

    @classmethod
    def default(cls) -> Plan:
        return cls()

    @classmethod
    def quick_plan(cls) -> Plan:
        return cls(
            quick=True,
            runs=3,
            batch_ms=20.0,
            rounds=1,
            duration_s=1,
            warmup_s=1,
            scale_sizes=(1_000, 100_000),
            scale_runs=(2, 5),
            scale_budget_s=0.5,
            seed_runs=1,
            reset_runs=(1, 20),
            reset_budget_s=1.0,
            memory_messages=2_000,
            live_messages=40,
            live_warmup=5,
        )

    def wrk_flags(self) -> str:
        return f"-t{self.threads} -c{self.connections} -d{self.duration_s}s"
