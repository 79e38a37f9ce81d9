"""``python -m benchmarks``: a quick real run, wrk's output as wrk prints it, the Lua script through a real
wrk, the table, Apollo's mocks shaped like roqmock's answers, and the worlds the benchmark builds."""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from benchmarks import http, servers, table, worlds, wrk
from benchmarks.__main__ import parts
from benchmarks.plan import Plan
from benchmarks.table import Row, Target
from roqmock import documents
from roqmock.testing import Roq

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "benchmarks" / "samples"


# ---------------------------------------------------------------- a real quick run


def test_quick_run_reports_every_figure_and_target(tmp_path: Path) -> None:
    report = tmp_path / "figures.json"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks",
            "--quick",
            "--only",
            "inprocess,seed,startup",
            "--json",
            str(report),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    document = json.loads(report.read_text(encoding="utf-8"))
    assert document["parts"] == ["inprocess", "seed", "startup"]
    expected = {
        f"inprocess.{name}.{figure}"
        for name in ("conversations", "messages", "createMessage")
        for figure in ("roqmock_ns", "floor_ns", "ratio")
    } | {
        "seed.seeding_s",
        "seed.reset_demo_ns",
        "seed.reset_large_ns",
        "seed.memory_bytes_per_message",
        "seed.memory_bytes_per_message_own_body",
        "startup.serve_s",
        "startup.python_s",
        "startup.plugin_import_s",
        "startup.pytest_import_s",
    }
    figures = document["figures"]
    assert set(figures) == expected
    for name, value in figures.items():
        assert isinstance(value, float) and math.isfinite(value) and value > 0, (name, value)

    targets = document["targets"]
    assert [target["target"] for target in targets] == [
        "≤ 0.30x",
        "≤ 1 s",
        "≤ 1 ms",
        "≤ 1 ms",
        "≤ 1 KB",
        "≤ 0.5 s",
        "≤ 0.2 s",
    ]
    assert all(isinstance(target["met"], bool) for target in targets)

    lines = result.stdout.rstrip("\n").splitlines()
    for target in targets:
        row = next(
            line
            for line in lines
            if line.startswith(("in-process", "seed", "startup")) and target["measure"] in line
        )
        mark = table.MET if target["met"] else table.MISSED
        assert re.search(rf"{re.escape(target['target'])} +{mark}$", row), row
    met = sum(target["met"] for target in targets)
    assert lines[-1] == f"targets met: {met}/7"


# ---------------------------------------------------------------- wrk's output


def _sample(name: str) -> str:
    return (SAMPLES / f"wrk-{name}.txt").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("name", "rate", "p50_ms", "p99_ms", "requests", "failure"),
    [
        ("ok", 742.99, 41.58, 52.91, 818, ""),
        ("slow", 5.32, 1210.0, 1220.0, 16, ""),
        ("unauthorized", 4256.53, 6.76, 38.27, 4286, "4286 non-2xx"),
        ("forbidden", 1729.23, 16.48, 73.38, 1732, "1732 GraphQL errors"),
        ("timeouts", 2.66, 0.0, 0.0, 8, "8 socket errors"),
        (
            "socket-errors",
            0.0,
            0.0,
            0.0,
            0,
            "no requests completed, 14679 socket errors, no count of GraphQL errors",
        ),
    ],
)
def test_wrk_output_is_read_as_wrk_prints_it(
    name: str, rate: float, p50_ms: float, p99_ms: float, requests: int, failure: str
) -> None:
    result = wrk.parse(_sample(name))
    assert result.requests_per_s == pytest.approx(rate)
    assert result.p50_ms == pytest.approx(p50_ms)
    assert result.p99_ms == pytest.approx(p99_ms)
    assert result.requests == requests
    assert result.failure == failure


def test_output_without_latency_percentiles_is_refused() -> None:
    without = "\n".join(line for line in _sample("ok").splitlines() if "%" not in line or "Stdev" in line)
    with pytest.raises(wrk.WrkOutputError, match="--latency"):
        wrk.parse(without)


@dataclass
class Recorder:
    answer: bytes
    requests: list[tuple[dict[str, str], bytes]] = field(default_factory=list)


@pytest.fixture
def echo_server() -> Iterator[tuple[str, Recorder]]:
    recorder = Recorder(b'{"data":{"ok":true}}')

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["content-length"]))
            if len(recorder.requests) < 5:
                recorder.requests.append(({k.lower(): v for k, v in self.headers.items()}, body))
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(recorder.answer)))
            self.end_headers()
            self.wfile.write(recorder.answer)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v01/server/graphql", recorder
    server.shutdown()
    server.server_close()
    thread.join()


def _load(url: str, tmp_path: Path, body: str, headers: dict[str, str]) -> wrk.WrkResult:
    script = tmp_path / "load.lua"
    script.write_text(wrk.script(body, headers), encoding="utf-8")
    argv = wrk.command(servers.ensure_wrk(), script, url, threads=1, connections=2, duration_s=1)
    return wrk.run(argv, timeout_s=30)


def test_the_script_sends_the_body_and_headers_verbatim(
    echo_server: tuple[str, Recorder], tmp_path: Path
) -> None:
    url, recorder = echo_server
    body = json.dumps({"query": 'query { a(b: "c\\"]]") }', "variables": {"x": "line\nbreak \\ ]==]"}})
    headers = {"content-type": "application/json", "roq-platform-authorization": 'Bearer "quoted"'}
    result = _load(url, tmp_path, body, headers)
    assert result.failure == "" and result.requests > 0
    sent_headers, sent_body = recorder.requests[0]
    assert sent_body.decode() == body
    assert sent_headers["roq-platform-authorization"] == 'Bearer "quoted"'


def test_answers_with_graphql_errors_fail_the_run(echo_server: tuple[str, Recorder], tmp_path: Path) -> None:
    url, recorder = echo_server
    recorder.answer = b'{"errors":[{"message":"Forbidden"}],"data":null}'
    result = _load(url, tmp_path, "{}", {"content-type": "application/json"})
    assert result.requests > 0 and result.graphql_errors == result.requests
    assert result.failure == f"{result.requests} GraphQL errors"


# ---------------------------------------------------------------- the table


def test_units_read_plainly() -> None:
    assert [table.duration(ns) for ns in (850, 12_345, 4_560_000, 1.2e9)] == [
        "850 ns",
        "12.3 µs",
        "4.56 ms",
        "1.20 s",
    ]
    assert [table.size(n) for n in (292, 1024, 22_016, 20 * 1024 * 1024)] == [
        "292 B",
        "1,024 B",
        "21.5 KB",
        "20.0 MB",
    ]
    assert [table.count(n) for n in (1_000, 100_000, 1_000_000, 1_500)] == ["1k", "100k", "1M", "1,500"]
    assert table.rate(1234.4) == "1,234 req/s" and table.ratio(0.256) == "0.26x"
    assert table.duration(None) == "failed" and table.rate(None) == "failed"


def test_targets_are_met_missed_failed_or_not_measured() -> None:
    assert Target.below("≤ 1 ms", 0.5e6, 1e6).met is True
    assert Target.below("≤ 1 ms", 2e6, 1e6).met is False
    assert Target.above("≥ 1.00x", 1.0, 1.0).met is True
    assert Target.above("≥ 1.00x", 0.4, 1.0).met is False
    assert Target.above("≥ 1.00x", 5.0, 1.0, failure="(failed: 3 non-2xx)").met is False
    assert Target.below("≤ 2.00x", None, 2.0).met is False
    assert Target.below("≤ 2.00x", math.nan, 2.0).met is False
    skipped = Target.skipped("≤ 2.00x", 2.0, reason="(--quick)")
    assert skipped.met is None and skipped.mark == "- (--quick)"


def test_the_table_aligns_its_columns_and_counts_targets() -> None:
    rows = [
        Row(
            "in-process",
            "conversations",
            "512 µs",
            "graphql-core 2.1 ms",
            "0.24x",
            Target.below("≤ 0.30x", 0.24, 0.3),
        ),
        Row(
            "http",
            "createMessage: requests/s",
            "930 req/s",
            "apollo 3,766 req/s",
            "0.25x",
            Target.above("≥ 1.00x", 0.25, 1),
        ),
        Row("http", "createMessage: answer size", "31 B", "apollo 32 B"),
        Row(
            "scale", "messages, 1M stored", "skipped", target=Target.skipped("≤ 2.00x", 2, reason="(--quick)")
        ),
    ]
    text = table.render("title", rows, ["how it was measured"])
    lines = text.splitlines()
    assert lines[0] == "title"
    heading, rule = lines[2], lines[3]
    assert heading.split() == list(table.HEADINGS)
    starts = [match.start() for match in re.finditer(r"-+", rule)]
    for line in lines[4:8]:
        for start in starts[1:]:
            assert start > len(line) or line[start - 2 : start] == "  ", (line, start)
    assert lines[4].endswith("≤ 0.30x  ✓") and lines[5].endswith("≥ 1.00x  ✗")
    assert lines[7].endswith("≤ 2.00x  - (--quick)")
    assert "* how it was measured" in lines
    assert lines[-1] == "targets met: 1/2 (1 not measured in this run)"


def _runs(*results: wrk.WrkResult) -> http.Runs:
    return http.Runs(list(results))


def test_an_http_run_with_errors_is_reported_failed_not_fast() -> None:
    fast_but_broken = wrk.WrkResult(9000.0, 1.0, 2.0, 45_000, non_2xx=45_000, graphql_errors=0)
    fine = wrk.WrkResult(900.0, 30.0, 40.0, 4_500, graphql_errors=0)
    runs = {
        ("roqmock", "createMessage"): _runs(fine, fast_but_broken),
        ("apollo", "createMessage"): _runs(fine, fine),
    }
    section = http.report(
        Plan.quick_plan(), runs, {"createMessage": b"{}"}, {"createMessage": b"{}"}, servers.CpuLayout()
    )
    assert section.figures["http.createMessage.roqmock.rps"] is None
    assert section.figures["http.createMessage.ratio"] is None
    assert section.figures["http.createMessage.apollo.rps"] == 900.0
    [target] = section.targets
    assert target.met is False and "45000 non-2xx" in target.mark
    assert section.rows[0].roqmock == "failed"


# ---------------------------------------------------------------- options


def test_only_takes_repeated_or_comma_separated_parts_in_the_benchmarks_order() -> None:
    assert parts(None) == ["inprocess", "http", "scale", "seed", "startup"]
    assert parts(["seed,inprocess"]) == ["inprocess", "seed"]
    assert parts(["seed", "http"]) == ["http", "seed"]
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--only", "inprocess,speed"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2 and "speed" in result.stderr


# ---------------------------------------------------------------- worlds and Apollo's shape


@pytest.fixture(scope="module")
def bench_roq() -> Roq:
    return Roq(worlds.bench_mock())


def test_the_operations_send_the_sdk_documents_as_their_callers(bench_roq: Roq) -> None:
    world = bench_roq.mock.store.world
    who = worlds.callers(world)
    assert len(world.conversations_by_user[who.reader_id]) >= worlds.CONVERSATIONS_PAGE
    assert who.member_id in world.members_by_conversation[who.conversation_id]
    bodies = {operation.name: operation.body() for operation in worlds.operations(who)}
    assert bodies["conversations"] == {
        "query": documents.CONVERSATIONS,
        "variables": {"limit": 20, "withUsers": True, "withTags": True},
    }
    assert bodies["messages"]["query"] == documents.MESSAGES
    assert bodies["messages"]["variables"]["filter"] == {"conversationId": {"equalTo": who.conversation_id}}
    assert bodies["createMessage"]["variables"]["message"]["authorId"] == who.member_id


def test_apollo_answers_with_roqmock_s_shape_and_size(bench_roq: Roq, tmp_path: Path) -> None:
    servers.ensure_apollo_installed()
    operations = worlds.operations(worlds.callers(bench_roq.mock.store.world))
    answers = {
        op.name: bench_roq.as_user(op.user_id).execute(op.body()["query"], op.body()["variables"])
        for op in operations
        if not op.writes
    }
    shape = tmp_path / "shape.json"
    shape.write_text(json.dumps(http.apollo_shape(answers["conversations"], answers["messages"])))
    apollo = servers.start_apollo(shape, servers.CpuLayout())
    try:
        for op in operations:
            response = httpx.post(apollo.url + http.GRAPH, json=op.body(), timeout=30)
            assert response.status_code == 200, response.text
            theirs = response.json()
            assert "errors" not in theirs
            if op.writes:
                assert theirs == {"data": {"createMessage": True}}
                continue
            ours = answers[op.name]
            page, their_page = ours["data"][op.name], theirs["data"][op.name]
            assert their_page["totalCount"] == page["totalCount"]
            assert len(their_page["data"]) == len(page["data"])
            ours_size = len(json.dumps(ours, separators=(",", ":")))
            assert abs(len(response.content) - ours_size) / ours_size < 0.02
            if op.name == "conversations":
                for mine, their in zip(page["data"], their_page["data"], strict=True):
                    assert len(their["users"]["data"]) == len(mine["users"]["data"])
                    assert [t["tag"] for t in their["tags"]["data"]] == [
                        t["tag"] for t in mine["tags"]["data"]
                    ]
    finally:
        apollo.stop()


def test_the_growing_world_keeps_a_full_busy_page_and_creation_order() -> None:
    grown = worlds.GrowingWorld()
    grown.grow_to(1_000)
    world = grown.mock.store.world
    busy = world.messages_by_conversation[grown.busy_conversation_id]
    assert len(world.messages) == 1_000 and len(busy) >= worlds.MESSAGES_PAGE
    grown.grow_to(3_000)
    assert len(world.messages) == 3_000
    for messages in world.messages_by_conversation.values():
        assert [m.created_at for m in messages] == sorted(m.created_at for m in messages)
    assert all(
        m.author_id in world.members_by_conversation[m.conversation_id] for m in world.messages.values()
    )
    roq = Roq(grown.mock)
    page = roq.as_super_admin().messages(limit=50)["messages"]
    assert page["totalCount"] == 3_000 and len(page["data"]) == 50
    member_page = roq.as_user(grown.busy_member_id).messages(
        filter={"conversationId": {"equalTo": grown.busy_conversation_id}}, limit=50
    )["messages"]
    assert member_page["totalCount"] == len(busy) and len(member_page["data"]) == 50
