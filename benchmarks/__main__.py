"""``python -m benchmarks [--quick] [--only PART[,PART]] [--json PATH]``: one table of roqmock's figures,
each target marked met or not, and a last line ``targets met: N/M``. Always exits 0 once the table is
printed: it is a report, not a gate."""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import graphql

from benchmarks import files, http, inprocess, live, scale, seeding, startup, table
from benchmarks.plan import PARTS, Plan
from benchmarks.table import Section

MEASURES: dict[str, Callable[[Plan], Section]] = {
    "inprocess": inprocess.measure,
    "http": http.measure,
    "scale": scale.measure,
    "seed": seeding.measure,
    "live": live.measure,
    "files": files.measure,
    "startup": startup.measure,
}


def parts(values: Sequence[str] | None) -> list[str]:
    """``--only`` values, repeated or comma-separated, in the benchmark's own order."""
    if not values:
        return list(PARTS)
    chosen = {part.strip() for value in values for part in value.split(",") if part.strip()}
    unknown = chosen - set(PARTS)
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown part(s) {sorted(unknown)}: choose from {', '.join(PARTS)}")
    return [part for part in PARTS if part in chosen]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="few runs, 1 s wrk runs, no 1M world")
    parser.add_argument(
        "--only",
        action="append",
        metavar="PART",
        help=f"parts to run, repeatable or comma-separated: {PARTS}",
    )
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the figures and targets here")
    parser.add_argument("--duration", type=int, metavar="S", help="seconds per wrk run (default 5, quick 1)")
    parser.add_argument("--warmup", type=int, metavar="S", help="seconds of wrk warm-up per document")
    parser.add_argument("--rounds", type=int, metavar="N", help="HTTP rounds per server (default 3)")
    parser.add_argument("--connections", type=int, metavar="N", help="wrk connections (default 32)")
    parser.add_argument("--runs", type=int, metavar="N", help="in-process runs (default 7)")
    return parser


def make_plan(args: argparse.Namespace) -> Plan:
    plan = Plan.quick_plan() if args.quick else Plan.default()
    overrides = {
        "duration_s": args.duration,
        "warmup_s": args.warmup,
        "rounds": args.rounds,
        "connections": args.connections,
        "runs": args.runs,
    }
    for name, value in overrides.items():
        if value is not None and value < 1:
            raise SystemExit(f"benchmarks: --{name.split('_')[0]} must be at least 1")
    return dataclasses.replace(
        plan, **{name: value for name, value in overrides.items() if value is not None}
    )


def title(plan: Plan, chosen: Sequence[str]) -> str:
    run = "quick run" if plan.quick else "default run"
    # The load before starting says how quiet the machine was: other work skews every figure.
    return (
        f"roqmock benchmarks: {run}, parts {', '.join(chosen)}; Python {platform.python_version()}, "
        f"graphql-core {graphql.__version__}, {platform.machine()}, {os.cpu_count()} CPUs, "
        f"load average {os.getloadavg()[0]:.2f} at start"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        chosen = parts(args.only)
    except argparse.ArgumentTypeError as error:
        parser.error(str(error))
    plan = make_plan(args)
    heading = title(plan, chosen)
    sections: list[Section] = []
    for part in chosen:
        print(f"benchmarks: measuring {part} ...", file=sys.stderr, flush=True)
        sections.append(MEASURES[part](plan))
    rows = [row for section in sections for row in section.rows]
    notes = [note for section in sections for note in section.notes]
    print(table.render(heading, rows, notes), flush=True)
    if args.json is not None:
        figures = {key: value for section in sections for key, value in section.figures.items()}
        document = {"plan": dataclasses.asdict(plan), "parts": chosen, **table.as_json(figures, rows)}
        args.json.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
