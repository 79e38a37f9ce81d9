"""``python -m benchmarks``: a quick real run (in process, seeding, and HTTP against Mercurius, Apollo and the
ceiling), wrk's output as wrk prints it, the Lua script through a real wrk, the table, the Node servers
shaped like roqmock's answers, the ceiling's captured bytes, and the worlds the benchmark builds."""

from __future__ import annotations

import ast
import dataclasses
import itertools
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
from typing import Any

import httpx
import pytest

from benchmarks import files, http, layers, live, servers, table, worlds, wrk
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
        for name in (
            "conversations",
            "messages",
            "createMessage",
            "conversations.executed",  # the reads again, with nothing kept
            "messages.executed",
        )
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
        "≤ 0.10x",  # conversations
        "≤ 0.30x",  # messages
        "≤ 0.30x",  # createMessage
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
    assert lines[-1] == f"targets met: {met}/9"


def test_the_http_part_measures_every_server_on_every_workload() -> None:
    """A real, short run of the HTTP part: four servers up, each checked, loaded and reported."""
    plan = dataclasses.replace(Plan.quick_plan(), warmup_s=0, connections=4)
    section = http.measure(plan)
    workloads = ("conversations", "messages", "users", "messagesAsSuperAdmin", "createMessage")
    for name in workloads:
        for server in ("roqmock", "mercurius", "apollo", "ceiling"):
            for figure in ("rps", "p50_ms", "p99_ms", "answer_bytes"):
                value = section.figures[f"http.{name}.{server}.{figure}"]
                assert value is not None and value > 0, (name, server, figure)
        for other in ("mercurius", "apollo", "ceiling"):
            assert section.figures[f"http.{name}.rps_ratio.{other}"] is not None, (name, other)
        # The ceiling sends roqmock's own bytes; the fakes answer with the same shape and size.
        assert (
            section.figures[f"http.{name}.ceiling.answer_bytes"]
            == section.figures[f"http.{name}.roqmock.answer_bytes"]
        )
    assert [target.failure for target in section.targets] == [""] * 8


LIVE_FIGURES = (
    {
        f"live.fanout.{server}.{figure}"
        for server in ("roqmock", "socketio", "python_socketio")
        for figure in ("p50_ms", "p99_ms", "max_ms", "cpu")
    }
    | {
        f"live.send.{server}.{figure}"
        for server in ("roqmock", "socketio", "python_socketio")
        for figure in ("messages_per_s", "deliveries_per_s", "cpu")
    }
    | {"live.send.ratio", "live.send.ratio.python_socketio", "live.message_bytes"}
)
FILES_FIGURES = {
    f"files.download.{server}.{figure}"
    for server in ("roqmock", "ceiling")
    for figure in ("rps", "bytes_per_s", "p99_ms")
} | {
    "files.download.ratio",
    *(
        f"files.upload.{which}.{figure}"
        for which in ("near_limit", "over_limit")
        for figure in ("bytes", "peak_bytes")
    ),
}


def test_quick_run_of_the_socket_and_files_reports_their_figures_and_targets(tmp_path: Path) -> None:
    """Both servers of each part really ran: every figure measured, no run failed, each target printed."""
    report = tmp_path / "figures.json"
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick", "--only", "files,live", "--json", str(report)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    document = json.loads(report.read_text(encoding="utf-8"))
    assert document["parts"] == ["live", "files"]
    figures = document["figures"]
    assert set(figures) == LIVE_FIGURES | FILES_FIGURES
    for name, value in figures.items():
        assert isinstance(value, float) and math.isfinite(value) and value > 0, (name, value)
    # The Node server sent roqmock's own payload: a message of the same size, not an empty object.
    assert figures["live.message_bytes"] > 200
    assert (
        figures["files.upload.near_limit.bytes"] < 10 * 1024 * 1024 < figures["files.upload.over_limit.bytes"]
    )

    targets = document["targets"]
    assert [target["target"] for target in targets] == [
        "p99 ≤ 20 ms",
        "≥ 1.00x",
        "≥ 0.50x",
        "≤ limit + 128.0 KB",
        "≤ limit + 128.0 KB",
    ]
    assert all(isinstance(target["met"], bool) and target["failure"] is None for target in targets), targets
    lines = result.stdout.rstrip("\n").splitlines()
    for target in targets:
        row = next(line for line in lines if line.startswith(("live", "files")) and target["measure"] in line)
        mark = table.MET if target["met"] else table.MISSED
        assert re.search(rf"{re.escape(target['target'])} +{mark}$", row), row
    assert "socket.io" in next(line for line in lines if line.startswith("live") and "messages/s" in line)
    # Beside the Node anchor, the ceiling of the message center's own library: python-socketio.
    python_row = next(line for line in lines if line.startswith("live") and "python-socketio ceiling" in line)
    assert f"{figures['live.send.ratio.python_socketio']:.2f}x" in python_row
    assert "ceiling" in next(line for line in lines if line.startswith("files") and "download" in line)
    met = sum(target["met"] for target in targets)
    assert lines[-1] == f"targets met: {met}/5"


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


def _answers(*names: str) -> dict[str, dict[str, bytes]]:
    return {server: {name: b'{"data":{}}' for name in names} for server in http.SERVERS}


def test_an_http_run_with_errors_is_reported_failed_not_fast() -> None:
    fast_but_broken = wrk.WrkResult(9000.0, 1.0, 2.0, 45_000, non_2xx=45_000, graphql_errors=0)
    fine = wrk.WrkResult(900.0, 30.0, 40.0, 4_500, graphql_errors=0)
    runs = {(server, "createMessage"): _runs(fine, fine) for server in http.SERVERS}
    runs["roqmock", "createMessage"] = _runs(fine, fast_but_broken)
    section = http.report(Plan.quick_plan(), runs, _answers("createMessage"), servers.CpuLayout())
    assert section.figures["http.createMessage.roqmock.rps"] is None
    assert section.figures["http.createMessage.rps_ratio.mercurius"] is None
    assert section.figures["http.createMessage.p99_ratio.mercurius"] is None
    assert section.figures["http.createMessage.mercurius.rps"] == 900.0
    throughput, tail = section.targets
    for target in (throughput, tail):
        assert target.met is False and "45000 non-2xx" in target.mark
    assert section.rows[0].roqmock == "failed"


def test_an_http_workload_is_held_to_mercurius_beside_apollo_and_the_ceiling() -> None:
    def result(rps: float, p99_ms: float) -> wrk.WrkResult:
        return wrk.WrkResult(rps, p99_ms / 4, p99_ms, int(rps), graphql_errors=0)

    per_round = {
        "roqmock": [result(1000, 30), result(1200, 20)],
        "mercurius": [result(2000, 10), result(2000, 12)],
        "apollo": [result(800, 50), result(900, 40)],
        "ceiling": [result(10_000, 3), result(12_000, 4)],
    }
    names = ("messages", "users")
    runs = {(server, name): _runs(*per_round[server]) for server in http.SERVERS for name in names}
    section = http.report(Plan.quick_plan(), runs, _answers(*names), servers.CpuLayout())
    figures = section.figures
    assert figures["http.messages.mercurius.rps"] == 2000
    assert figures["http.messages.ceiling.rps"] == 11_000
    assert figures["http.messages.rps_ratio.mercurius"] == pytest.approx((0.5 + 0.6) / 2)
    assert figures["http.messages.rps_ratio.ceiling"] == pytest.approx((0.1 + 0.1) / 2)
    assert figures["http.messages.p99_ratio.mercurius"] == pytest.approx((3 + 20 / 12) / 2)
    rps, latency, size = section.rows[:3]
    assert rps.measure == "messages: requests/s" and rps.ratio == "0.55x"
    assert re.fullmatch(r"mercurius 2,000 req/s · apollo 850 req/s · ceiling 11,000 req/s", rps.against)
    assert rps.target is not None and rps.target.text == "≥ 1.00x" and rps.target.met is False
    assert latency.against.startswith("mercurius ") and " · ceiling " in latency.against
    assert latency.target is not None and latency.target.text == "p99 ≤ 2.00x" and latency.target.met is False
    assert size.against.startswith("mercurius ")
    # users: no throughput target, the p99 target on every workload
    users_rps, users_latency = section.rows[3:5]
    assert users_rps.target is None and users_latency.target is not None


def test_a_failed_socket_run_is_reported_failed_not_fast() -> None:
    fine = {"ok": True, "messages_per_s": 50.0, "deliveries_per_s": 2500.0, "cpu": 0.2}
    latency = {"ok": True, "p50_ms": 5.0, "p99_ms": 9.0, "max_ms": 12.0, "cpu": 0.2}
    runs = {server: live.Runs() for server in live.SERVERS}
    for result in (fine, {"ok": False, "error": 'Error: exception: {"errorCode":"TOO_MANY_EVENTS"}\n  at'}):
        runs["roqmock"].add(result)
        runs["socketio"].add({**fine, "messages_per_s": 900.0})
        runs["python_socketio"].add({**fine, "messages_per_s": 300.0})
    latencies = {server: live.Runs([latency]) for server in live.SERVERS}
    section = live.report(Plan.quick_plan(), latencies, runs, {"body": "x"}, servers.CpuLayout())
    assert section.figures["live.send.roqmock.messages_per_s"] is None
    assert section.figures["live.send.ratio"] is None
    assert section.figures["live.send.socketio.messages_per_s"] == 900.0
    assert section.figures["live.send.ratio.python_socketio"] is None
    fanout, send = section.targets
    assert fanout.met is True and fanout.value == 9.0
    assert send.met is False and "TOO_MANY_EVENTS" in send.mark
    assert section.rows[1].roqmock.startswith("failed")


def test_the_socket_is_held_to_node_and_set_beside_python_socketio_round_by_round() -> None:
    latency = {"ok": True, "p50_ms": 5.0, "p99_ms": 9.0, "max_ms": 12.0, "cpu": 0.2}
    rates = {"roqmock": (400.0, 500.0, 450.0), "socketio": (1000.0, 1000.0, 900.0)}
    rates["python_socketio"] = (500.0, 500.0, 500.0)
    runs = {server: live.Runs() for server in live.SERVERS}
    for server, values in rates.items():
        for value in values:
            runs[server].add({"ok": True, "messages_per_s": value, "deliveries_per_s": value, "cpu": 0.5})
    latencies = {server: live.Runs([latency]) for server in live.SERVERS}
    section = live.report(Plan.quick_plan(), latencies, runs, {"body": "x"}, servers.CpuLayout())
    assert section.figures["live.send.ratio"] == 0.5  # 0.4, 0.5, 0.5
    assert section.figures["live.send.ratio.python_socketio"] == 0.9  # 0.8, 1.0, 0.9
    node_row, python_row = section.rows[1:]
    assert node_row.target is not None and node_row.target.met is False
    assert python_row.target is None and python_row.ratio == "0.90x"
    assert python_row.against == "python-socketio 500 msg/s"
    # A run that delivered nothing has no ratio, rather than failing the report.
    runs["python_socketio"].results[0]["messages_per_s"] = 0.0
    again = live.report(Plan.quick_plan(), latencies, runs, {"body": "x"}, servers.CpuLayout())
    assert again.figures["live.send.ratio.python_socketio"] is None
    assert again.figures["live.send.ratio"] == 0.5


def test_an_upload_answered_wrongly_misses_its_target_however_little_it_held() -> None:
    good = wrk.WrkResult(100.0, 30.0, 40.0, 100, graphql_errors=0)
    runs = {server: files.Runs([good]) for server in files.SERVERS}
    uploads = [
        files.Upload("1,024 B under its 10.0 MB limit", files.CATEGORY_LIMIT - 1024, 400, 20_000),
        files.Upload("of 20.0 MB, over its 10.0 MB limit", 2 * files.CATEGORY_LIMIT, 400, 20_000),
    ]
    section = files.report(Plan.quick_plan(), runs, uploads, servers.CpuLayout())
    download, near, over = section.targets
    assert download.met is True and section.figures["files.download.ratio"] == 1.0
    assert near.met is False and "answered 400, not 204" in near.mark
    assert over.met is True
    held = [
        files.Upload(
            "of 20.0 MB, over its 10.0 MB limit", 2 * files.CATEGORY_LIMIT, 400, files.MEMORY_BOUND + 1
        )
    ]
    [_, over] = files.report(Plan.quick_plan(), runs, held, servers.CpuLayout()).targets
    assert over.met is False and over.mark == table.MISSED


# ---------------------------------------------------------------- options


def test_only_takes_repeated_or_comma_separated_parts_in_the_benchmarks_order() -> None:
    assert parts(None) == ["inprocess", "http", "scale", "seed", "startup", "live", "files"]
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


def _bench_answer(roq: Roq, op: worlds.Operation) -> dict[str, Any]:
    client = roq.as_super_admin() if op.caller is None else roq.as_user(op.caller)
    return client.execute(op.body()["query"], op.body()["variables"])


def test_the_http_workloads_add_users_and_the_super_admin_s_messages(bench_roq: Roq) -> None:
    who = worlds.callers(bench_roq.mock.store.world)
    operations = {op.name: op for op in worlds.http_operations(who)}
    assert list(operations) == ["conversations", "messages", "users", "messagesAsSuperAdmin", "createMessage"]
    users = operations["users"].body()
    assert users["query"] == documents.USERS and operations["users"].caller == who.reader_id
    admin = operations["messagesAsSuperAdmin"]
    assert admin.caller is None and admin.body() == operations["messages"].body()
    page = _bench_answer(bench_roq, operations["users"])["data"]["users"]
    assert len(page["data"]) > 1 and page["data"][0]["tenant"] is not None


@pytest.mark.parametrize("name", ["apollo", "mercurius"])
def test_the_node_servers_answer_with_roqmock_s_shape_and_size(
    bench_roq: Roq, tmp_path: Path, name: str
) -> None:
    servers.ensure_node_packages()
    operations = worlds.http_operations(worlds.callers(bench_roq.mock.store.world))
    answers = {op.name: _bench_answer(bench_roq, op) for op in operations if not op.writes}
    shape = tmp_path / "shape.json"
    shape.write_text(
        json.dumps(http.apollo_shape(answers["conversations"], answers["messages"], answers["users"]))
    )
    start = servers.start_mercurius if name == "mercurius" else servers.start_apollo
    server = start(shape, servers.CpuLayout())
    try:
        for op in operations:
            response = httpx.post(server.url + http.GRAPH, json=op.body(), timeout=30)
            assert response.status_code == 200, response.text
            theirs = response.json()
            assert "errors" not in theirs
            if op.writes:
                assert theirs == {"data": {"createMessage": True}}
                continue
            ours = answers[op.name]
            field = op.body()["query"].split("(")[0].split()[-1]
            page, their_page = ours["data"][field], theirs["data"][field]
            assert their_page["totalCount"] == page["totalCount"]
            assert len(their_page["data"]) == len(page["data"])
            ours_size = len(json.dumps(ours, separators=(",", ":")))
            assert abs(len(response.content) - ours_size) / ours_size < 0.02, op.name
            if op.name == "conversations":
                for mine, their in zip(page["data"], their_page["data"], strict=True):
                    assert len(their["users"]["data"]) == len(mine["users"]["data"])
                    assert [t["tag"] for t in their["tags"]["data"]] == [
                        t["tag"] for t in mine["tags"]["data"]
                    ]
            if op.name == "users":
                for mine, their in zip(page["data"], their_page["data"], strict=True):
                    assert their["email"] == mine["email"]
                    assert (their["tenant"] is None) == (mine["tenant"] is None)
                    assert len(their["roles"]["data"]) == len(mine["roles"]["data"])
    finally:
        server.stop()


def _uvicorn_options(module: Path, function: str) -> dict[str, str]:
    """The keyword arguments (as source text) of the ``uvicorn.Config(...)`` call in ``function``."""
    tree = ast.parse(module.read_text(encoding="utf-8"))
    definition = next(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == function)
    call = next(
        node
        for node in ast.walk(definition)
        if isinstance(node, ast.Call) and ast.unparse(node.func) == "uvicorn.Config"
    )
    return {keyword.arg or "**": ast.unparse(keyword.value) for keyword in call.keywords}


def test_the_ceiling_runs_on_roqmock_serve_s_uvicorn_options() -> None:
    """If ``roqmock serve`` changes its uvicorn setup (protocol, loop, ...), the ceilings must follow: the
    HTTP one and the socket's (python-socketio with trivial handlers) are served by ``serve_on``."""
    serve = _uvicorn_options(ROOT / "roqmock" / "cli.py", "serve")
    ceiling = _uvicorn_options(ROOT / "benchmarks" / "ceiling.py", "serve_on")
    # Only what does not touch an answer's cost may differ: logging, and the largest WebSocket frame.
    for options in (serve, ceiling):
        for name in ("log_level", "ws_max_size"):
            options.pop(name, None)
    assert ceiling == serve


def test_the_ceiling_answers_roqmock_s_bytes_for_its_request_only(tmp_path: Path) -> None:
    answer = '{"data":{"messages":{"data":[{"body":"é ✓"}],"totalCount":1}}}'
    captured = tmp_path / "answers.json"
    entry = {"token": "Bearer member", "body": '{"query":"q"}', "answer": answer}
    captured.write_text(json.dumps([entry]))
    ceiling = servers.start_ceiling(captured, servers.CpuLayout())
    try:
        url = ceiling.url + http.GRAPH
        same = httpx.post(
            url, content=b'{"query":"q"}', headers={"roq-platform-authorization": "Bearer member"}
        )
        assert same.status_code == 200 and same.content == answer.encode()
        assert same.headers["content-type"] == "application/json"
        other_caller = httpx.post(
            url, content=b'{"query":"q"}', headers={"roq-platform-authorization": "Bearer admin"}
        )
        other_body = httpx.post(url, content=b"{}", headers={"roq-platform-authorization": "Bearer member"})
        assert other_caller.status_code == other_body.status_code == 404
    finally:
        ceiling.stop()


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


def test_the_layers_of_create_message_each_write_and_their_own_times_add_up() -> None:
    mock, calls = layers.calls()
    before = len(mock.store.world.messages)
    for call in calls:
        call()
    # every layer, down to the domain alone, writes a message: none is timed doing nothing
    assert len(mock.store.world.messages) == before + len(layers.LAYERS)
    measured = layers.measure(rounds=1, batch=3)
    assert [layer.name for layer in measured] == [name for name, _ in layers.LAYERS]
    assert all(layer.ns > 0 for layer in measured)
    for outer, inner in itertools.pairwise(measured):
        assert outer.own_ns == outer.ns - inner.ns
    assert measured[-1].own_ns == measured[-1].ns
    assert layers.table(measured).count("\n") == len(layers.LAYERS) + 1
