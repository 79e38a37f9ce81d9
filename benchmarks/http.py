"""Requests per second and latency over HTTP: ``roqmock serve`` against Apollo Server with
@graphql-tools/mock on roqmock's own SDL, in alternating rounds, same documents, same load."""

from __future__ import annotations

import contextlib
import json
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from benchmarks import servers, table, worlds, wrk
from benchmarks.plan import Plan
from benchmarks.table import Row, Section, Target
from benchmarks.timing import median
from roqmock.client import SERVER_HEADER, TOKEN_HEADER, HttpSession
from roqmock.config import DEFAULT_API_KEY, DEFAULT_ENVIRONMENT_ID

GRAPH = "/v01/server/graphql"
TARGET_RATIO = 1.0
TARGETS = frozenset({"conversations", "createMessage"})
SERVERS = ("roqmock", "apollo")


@dataclass(slots=True)
class Runs:
    """One server's wrk runs of one document, across rounds."""

    results: list[wrk.WrkResult] = field(default_factory=list)

    @property
    def failure(self) -> str:
        return next((result.failure for result in self.results if result.failure), "")

    def median(self, figure: str) -> float | None:
        if self.failure or not self.results:
            return None
        return median([getattr(result, figure) for result in self.results])


def check(url: str, body: bytes, headers: Mapping[str, str]) -> bytes:
    """One request before any load: a 200 answer with data and no errors, or the benchmark stops."""
    response = httpx.post(url, content=body, headers=dict(headers), timeout=30)
    answer = response.json()
    if response.status_code != 200 or answer.get("errors") or not answer.get("data"):
        raise RuntimeError(f"{url} answered {response.status_code}: {response.text[:500]}")
    return response.content


def apollo_shape(conversations: Mapping[str, Any], messages: Mapping[str, Any]) -> dict[str, Any]:
    """What Apollo's mocks need to answer with roqmock's shape and size (see apollo/server.mjs): the same
    number of conversations, each with as many members and the same tags, the same titles and bodies."""
    conversation_page = conversations["data"]["conversations"]
    message_page = messages["data"]["messages"]
    return {
        "conversations": {
            "totalCount": conversation_page["totalCount"],
            "items": [
                {
                    "title": item["title"],
                    "isGroup": item["isGroup"],
                    "archived": item["archived"],
                    "active": item["active"],
                    "users": len(item["users"]["data"]),
                    "tags": [tag["tag"] for tag in item["tags"]["data"]],
                }
                for item in conversation_page["data"]
            ],
        },
        "messages": {
            "totalCount": message_page["totalCount"],
            "items": [
                {
                    "body": item["body"],
                    "authorId": item["authorId"] is not None,
                    "fileId": item["fileId"] is not None,
                    "messageStatusId": item["messageStatusId"] is not None,
                }
                for item in message_page["data"]
            ],
        },
    }


def measure(plan: Plan) -> Section:
    wrk_path = servers.ensure_wrk()
    servers.ensure_apollo_installed()
    layout = servers.CpuLayout.detect()
    # Seeded with the same flags, the server's world has the same ids as this one.
    operations = worlds.operations(worlds.callers(worlds.bench_mock().store.world))
    with contextlib.ExitStack() as stack:
        scratch = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="roqmock-bench-")))
        roqmock = servers.start_roqmock(worlds.serve_arguments(), layout)
        stack.callback(roqmock.stop)
        session = HttpSession(roqmock.url, environment_id=DEFAULT_ENVIRONMENT_ID, api_key=DEFAULT_API_KEY)
        stack.callback(session.close)
        control = {SERVER_HEADER: session.server_header}

        def reset_roqmock() -> None:
            httpx.post(f"{roqmock.url}/__roqmock/reset", headers=control, timeout=120).raise_for_status()

        # Both servers get the same bodies and headers; Apollo ignores the credentials.
        bodies = {op.name: json.dumps(op.body(), separators=(",", ":")) for op in operations}
        headers = {
            op.name: {
                "content-type": "application/json",
                TOKEN_HEADER: f"Bearer {session.token(op.user_id)}",
                SERVER_HEADER: session.server_header,
            }
            for op in operations
        }
        answers = {
            name: check(roqmock.url + GRAPH, body.encode(), headers[name]) for name, body in bodies.items()
        }
        reset_roqmock()
        shape = scratch / "shape.json"
        shape.write_text(
            json.dumps(apollo_shape(json.loads(answers["conversations"]), json.loads(answers["messages"])))
        )
        apollo = servers.start_apollo(shape, layout)
        stack.callback(apollo.stop)
        apollo_answers = {
            name: check(apollo.url + GRAPH, body.encode(), headers[name]) for name, body in bodies.items()
        }
        scripts = {}
        for name, body in bodies.items():
            scripts[name] = scratch / f"{name}.lua"
            scripts[name].write_text(wrk.script(body, headers[name]))
        urls = {"roqmock": roqmock.url + GRAPH, "apollo": apollo.url + GRAPH}
        timeout_s = max(plan.duration_s, plan.warmup_s) + 60

        def load(server: str, name: str, duration_s: int) -> wrk.WrkResult:
            argv = wrk.command(
                wrk_path,
                scripts[name],
                urls[server],
                threads=plan.threads,
                connections=plan.connections,
                duration_s=duration_s,
            )
            return wrk.run(argv, prefix=layout.wrk, timeout_s=timeout_s)

        for server in SERVERS:
            for name in bodies:
                load(server, name, plan.warmup_s)
        runs = {(server, name): Runs() for server in SERVERS for name in bodies}
        for _ in range(plan.rounds):
            for server in SERVERS:
                if server == "roqmock":
                    reset_roqmock()  # the last round's messages gone: every round reads the same world
                for name in bodies:
                    runs[server, name].results.append(load(server, name, plan.duration_s))
    return report(plan, runs, answers, apollo_answers, layout)


def report(
    plan: Plan,
    runs: Mapping[tuple[str, str], Runs],
    answers: Mapping[str, bytes],
    apollo_answers: Mapping[str, bytes],
    layout: servers.CpuLayout,
) -> Section:
    section = Section()
    for name in answers:
        ours, theirs = runs["roqmock", name], runs["apollo", name]
        failure = "; ".join(
            f"{server}: {runs[server, name].failure}" for server in SERVERS if runs[server, name].failure
        )
        ratio = None
        if not failure:
            pairs = zip(ours.results, theirs.results, strict=True)
            ratio = median([mine.requests_per_s / other.requests_per_s for mine, other in pairs])
        key = f"http.{name}"
        for server in SERVERS:
            for figure, suffix in (("requests_per_s", "rps"), ("p50_ms", "p50_ms"), ("p99_ms", "p99_ms")):
                section.figures[f"{key}.{server}.{suffix}"] = runs[server, name].median(figure)
        section.figures[f"{key}.ratio"] = ratio
        section.figures[f"{key}.roqmock.answer_bytes"] = float(len(answers[name]))
        section.figures[f"{key}.apollo.answer_bytes"] = float(len(apollo_answers[name]))
        target = None
        if name in TARGETS:
            target = Target.above(
                f"≥ {TARGET_RATIO:.2f}x",
                ratio,
                TARGET_RATIO,
                failure=f"(failed: {failure})" if failure else "",
            )
        section.rows += [
            Row(
                "http",
                f"{name}: requests/s",
                table.rate(ours.median("requests_per_s")),
                f"apollo {table.rate(theirs.median('requests_per_s'))}",
                table.ratio(ratio),
                target,
            ),
            Row("http", f"{name}: p50 / p99 latency", _latency(ours), f"apollo {_latency(theirs)}"),
            Row(
                "http",
                f"{name}: answer size",
                table.size(len(answers[name])),
                f"apollo {table.size(len(apollo_answers[name]))}",
            ),
        ]
    section.notes.append(
        f"http: wrk {plan.wrk_flags()} --latency, {plan.rounds} alternating rounds per server (roqmock, "
        f"apollo, ...) after a {plan.warmup_s} s warm-up of each, medians over rounds, the ratio the median "
        f"of per-round ratios; {layout.description}; a run with a non-2xx answer, a socket error or an "
        "answer with GraphQL errors fails its figure; Apollo Server with @graphql-tools/mock on "
        "schema/roq.graphql, mocks shaped from roqmock's own answers (same counts, titles, tags, bodies)"
    )
    return section


def _latency(runs: Runs) -> str:
    p50, p99 = runs.median("p50_ms"), runs.median("p99_ms")
    if p50 is None or p99 is None:
        return f"failed ({runs.failure})" if runs.failure else "failed"
    return f"{table.duration(p50 * 1e6)} / {table.duration(p99 * 1e6)}"
