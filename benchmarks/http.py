"""Requests per second and latency over HTTP, in alternating rounds, same documents, same load:
``roqmock serve`` against a quick fake on Fastify + Mercurius with graphql-jit (the anchor its targets
are held to), Apollo Server with @graphql-tools/mock, and the ceiling (a bare ASGI app on roqmock's
uvicorn setup sending roqmock's own answer bytes)."""

from __future__ import annotations

import contextlib
import json
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from benchmarks import servers, table, worlds, wrk
from benchmarks.plan import Plan
from benchmarks.table import Row, Section, Target
from benchmarks.timing import median
from roqmock.auth import SERVER_HEADER, TOKEN_HEADER
from roqmock.client import HttpSession
from roqmock.config import DEFAULT_API_KEY, DEFAULT_ENVIRONMENT_ID

GRAPH = "/v01/server/graphql"
TARGET_RATIO = 1.0  # roqmock's requests/s at least Mercurius's
P99_TARGET_RATIO = 2.0  # roqmock's p99 latency at most twice Mercurius's, on every workload
TARGETS = frozenset({"conversations", "messages", "createMessage"})
ANCHOR = "mercurius"  # the fast fake the targets are held to
OTHERS = (ANCHOR, "apollo", "ceiling")
SERVERS = ("roqmock", *OTHERS)


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


def apollo_shape(
    conversations: Mapping[str, Any], messages: Mapping[str, Any], users: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """What Apollo's mocks and Mercurius's records need to answer with roqmock's shape and size (see
    apollo/server.mjs, mercurius/server.mjs): the same number of conversations, each with as many members
    and the same tags, the same titles and bodies, the same users with their tenant and roles."""
    conversation_page = conversations["data"]["conversations"]
    message_page = messages["data"]["messages"]
    shape: dict[str, Any] = {
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
    if users is not None:
        user_page = users["data"]["users"]
        shape["users"] = {
            "totalCount": user_page["totalCount"],
            "items": [
                {
                    "fields": {
                        key: value for key, value in item.items() if key not in _GENERATED_USER_FIELDS
                    },
                    "tenant": _without(item.get("tenant"), "id", "createdAt", "updatedAt"),
                    "roles": [_without(role, "id") for role in (item.get("roles") or {}).get("data", [])],
                }
                for item in user_page["data"]
            ],
        }
    return shape


_GENERATED_USER_FIELDS = frozenset({"id", "tenantId", "tenant", "roles", "createdAt", "updatedAt"})


def _without(record: Mapping[str, Any] | None, *keys: str) -> dict[str, Any] | None:
    return None if record is None else {key: value for key, value in record.items() if key not in keys}


def measure(plan: Plan) -> Section:
    wrk_path = servers.ensure_wrk()
    servers.ensure_node_packages()
    layout = servers.CpuLayout.detect()
    # Seeded with the same flags, the server's world has the same ids as this one.
    operations = worlds.http_operations(worlds.callers(worlds.bench_mock().store.world))
    with contextlib.ExitStack() as stack:
        scratch = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="roqmock-bench-")))
        roqmock = servers.start_roqmock(worlds.serve_arguments(), layout)
        stack.callback(roqmock.stop)
        session = HttpSession(roqmock.url, environment_id=DEFAULT_ENVIRONMENT_ID, api_key=DEFAULT_API_KEY)
        stack.callback(session.close)
        control = {SERVER_HEADER: session.server_header}

        def reset_roqmock() -> None:
            httpx.post(f"{roqmock.url}/__roqmock/reset", headers=control, timeout=120).raise_for_status()

        # Every server gets the same bodies and headers; only roqmock reads the credentials.
        bodies = {op.name: json.dumps(op.body(), separators=(",", ":")) for op in operations}
        headers = {
            op.name: {
                "content-type": "application/json",
                TOKEN_HEADER: f"Bearer {session.token(op.caller)}",
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
            json.dumps(
                apollo_shape(
                    json.loads(answers["conversations"]),
                    json.loads(answers["messages"]),
                    json.loads(answers["users"]),
                )
            )
        )
        captured = scratch / "answers.json"
        captured.write_text(
            json.dumps(
                [
                    {"token": headers[name][TOKEN_HEADER], "body": body, "answer": answers[name].decode()}
                    for name, body in bodies.items()
                ]
            )
        )
        starts: dict[str, Callable[[], servers.Server]] = {
            "mercurius": lambda: servers.start_mercurius(shape, layout),
            "apollo": lambda: servers.start_apollo(shape, layout),
            "ceiling": lambda: servers.start_ceiling(captured, layout),
        }
        others: dict[str, servers.Server] = {}
        for name, start in starts.items():
            others[name] = start()
            stack.callback(others[name].stop)  # stopped even if the next one fails to start
        urls = {"roqmock": roqmock.url + GRAPH} | {name: s.url + GRAPH for name, s in others.items()}
        every_answer = {"roqmock": answers} | {
            server: {name: check(urls[server], body.encode(), headers[name]) for name, body in bodies.items()}
            for server in others
        }
        scripts = {}
        for name, body in bodies.items():
            scripts[name] = scratch / f"{name}.lua"
            scripts[name].write_text(wrk.script(body, headers[name]))
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

        for server in SERVERS if plan.warmup_s > 0 else ():
            for name in bodies:
                load(server, name, plan.warmup_s)
        runs = {(server, name): Runs() for server in SERVERS for name in bodies}
        for _ in range(plan.rounds):
            for server in SERVERS:
                if server == "roqmock":
                    reset_roqmock()  # the last round's messages gone: every round reads the same world
                for name in bodies:
                    runs[server, name].results.append(load(server, name, plan.duration_s))
    return report(plan, runs, every_answer, layout)


def _ratio(runs: Mapping[tuple[str, str], Runs], name: str, other: str, figure: str) -> float | None:
    """The median of per-round ratios roqmock / ``other`` of ``figure``; None if a run failed."""
    ours, theirs = runs["roqmock", name], runs[other, name]
    if ours.failure or theirs.failure or not ours.results:
        return None
    pairs = zip(ours.results, theirs.results, strict=True)
    return median([getattr(mine, figure) / getattr(their, figure) for mine, their in pairs])


def report(
    plan: Plan,
    runs: Mapping[tuple[str, str], Runs],
    answers: Mapping[str, Mapping[str, bytes]],
    layout: servers.CpuLayout,
) -> Section:
    """Per workload: requests/s against Mercurius (the target), Apollo and the ceiling; p50 / p99 latency
    against Mercurius's p99 (the target); the answers' sizes. ``answers`` is per server, then workload."""
    section = Section()
    for name in answers["roqmock"]:
        key = f"http.{name}"
        for server in SERVERS:
            for figure, suffix in (("requests_per_s", "rps"), ("p50_ms", "p50_ms"), ("p99_ms", "p99_ms")):
                section.figures[f"{key}.{server}.{suffix}"] = runs[server, name].median(figure)
            section.figures[f"{key}.{server}.answer_bytes"] = float(len(answers[server][name]))
        for other in OTHERS:
            section.figures[f"{key}.rps_ratio.{other}"] = _ratio(runs, name, other, "requests_per_s")
            section.figures[f"{key}.p99_ratio.{other}"] = _ratio(runs, name, other, "p99_ms")
        failure = "; ".join(
            f"{server}: {runs[server, name].failure}"
            for server in ("roqmock", ANCHOR)
            if runs[server, name].failure
        )
        failed = f"(failed: {failure})" if failure else ""
        rps_ratio = section.figures[f"{key}.rps_ratio.{ANCHOR}"]
        p99_ratio = section.figures[f"{key}.p99_ratio.{ANCHOR}"]
        throughput = None
        if name in TARGETS:
            throughput = Target.above(f"≥ {TARGET_RATIO:.2f}x", rps_ratio, TARGET_RATIO, failure=failed)
        tail = Target.below(f"p99 ≤ {P99_TARGET_RATIO:.2f}x", p99_ratio, P99_TARGET_RATIO, failure=failed)
        section.rows += [
            Row(
                "http",
                f"{name}: requests/s",
                table.rate(runs["roqmock", name].median("requests_per_s")),
                _against(runs, name, lambda r: table.rate(r.median("requests_per_s"))),
                table.ratio(rps_ratio),
                throughput,
            ),
            Row(
                "http",
                f"{name}: p50 / p99 latency",
                _latency(runs["roqmock", name]),
                _against(runs, name, _latency),
                table.ratio(p99_ratio),
                tail,
            ),
            Row(
                "http",
                f"{name}: answer size",
                table.size(len(answers["roqmock"][name])),
                " · ".join(
                    f"{server} {table.size(len(answers[server][name]))}"
                    for server in OTHERS
                    if server != "ceiling"
                ),
            ),
        ]
    section.notes.append(
        f"http: wrk {plan.wrk_flags()} --latency, {plan.rounds} alternating rounds of each server "
        f"({', '.join(SERVERS)}) after a {plan.warmup_s} s warm-up of each, medians over rounds, ratios "
        f"roqmock / {ANCHOR} (requests/s, p99) the median of per-round ratios; {layout.description}; a "
        "run with a non-2xx answer, a socket error or an answer with GraphQL errors fails its figure; "
        "mercurius: Fastify + Mercurius with graphql-jit (jit: 1) on schema/roq.graphql, trivial in-memory "
        "resolvers over records shaped from roqmock's own answers (same counts, titles, tags, bodies, "
        "users); apollo: Apollo Server with @graphql-tools/mock, mocks of the same shape; ceiling: a bare "
        "ASGI app on roqmock's uvicorn setup sending roqmock's own answer bytes, captured before the load"
    )
    return section


def _against(runs: Mapping[tuple[str, str], Runs], name: str, cell: Callable[[Runs], str]) -> str:
    return " · ".join(f"{server} {cell(runs[server, name])}" for server in OTHERS)


def _latency(runs: Runs) -> str:
    p50, p99 = runs.median("p50_ms"), runs.median("p99_ms")
    if p50 is None or p99 is None:
        return f"failed ({runs.failure})" if runs.failure else "failed"
    return f"{table.duration(p50 * 1e6)} / {table.duration(p99 * 1e6)}"
