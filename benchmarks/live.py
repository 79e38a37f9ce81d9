"""The live chat's socket: a message sent into a conversation of 50 connected members, timed to each
member's ``messageReceived``, and messages/s through ``sendMessage``, roqmock's message center against a
Node socket.io 4.8 server with trivial handlers (socketio/server.mjs, the target's anchor) and against
python-socketio with the same trivial handlers (socketio/server.py, the ceiling of the library the message
center is built on), in alternating rounds, driven by one socket.io-client 4.8 driver
(socketio/driver.mjs) for all three."""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks import servers, table
from benchmarks.plan import Plan
from benchmarks.table import Row, Section, Target
from benchmarks.timing import median
from roqmock.client import HttpSession
from roqmock.config import DEFAULT_API_KEY, DEFAULT_ENVIRONMENT_ID

MEMBERS = 50
TARGET_P99_MS = 20.0
TARGET_RATIO = 1.0
SERVERS = ("roqmock", "socketio", "python_socketio")
DRIVER = servers.BENCHMARKS / "socketio" / "driver.mjs"
NODE_SERVER = servers.BENCHMARKS / "socketio" / "server.mjs"
PYTHON_SERVER = "benchmarks.socketio.server"
BODY = "**Heads up**: the release branch is green again, merging it now. _Thanks all_"
# The message center's guards against a runaway client (200 events/s per socket, 1000 queued events),
# lifted so that they do not cap the one sender: the benchmark measures the work, not the guard.
SERVE_ARGUMENTS = ("--empty", "--socket-rate", "1000000", "--socket-queue", "100000")


@dataclass(slots=True)
class Runs:
    """One server's driver runs of one mode: their figures, or why one failed."""

    results: list[dict[str, Any]] = field(default_factory=list)
    failure: str = ""

    def add(self, result: Mapping[str, Any]) -> None:
        if result.get("ok"):
            self.results.append(dict(result))
        elif not self.failure:
            self.failure = str(result.get("error", "failed")).splitlines()[0]

    def median(self, figure: str) -> float | None:
        if self.failure or not self.results:
            return None
        return median([float(result[figure]) for result in self.results])


def ensure_installed() -> str:
    """Node, and socket.io with its client from ``benchmarks/``'s lock file."""
    node = servers.require("node", "Node 20 or later runs the socket.io comparison and its driver")
    modules = servers.BENCHMARKS / "node_modules"
    if not (modules / "socket.io").is_dir() or not (modules / "socket.io-client").is_dir():
        npm = servers.require("npm", "npm installs socket.io 4.8 (benchmarks/package-lock.json)")
        print("benchmarks: npm ci --prefix benchmarks", file=sys.stderr)
        subprocess.run(
            [npm, "ci", "--prefix", str(servers.BENCHMARKS), "--no-audit", "--no-fund"],
            stdout=sys.stderr,
            check=True,
        )
    return node


def seed(session: HttpSession) -> tuple[str, list[str]]:
    """A group conversation of ``MEMBERS`` new users, made over GraphQL as the super admin."""
    admin = session.as_super_admin()
    members = []
    for index in range(MEMBERS):
        user = {
            "reference": f"live{index}",
            "email": f"live{index}@example.com",
            "firstName": f"Member{index}",
            "lastName": "Live",
        }
        members.append(str(admin.create_user(user)["createUser"]["id"]))
    conversation = {"title": "Live benchmark", "ownerId": members[0], "memberIds": members, "isGroup": True}
    return str(admin.create_conversation(conversation)["createConversation"]["id"]), members


def drive(
    node: str, layout: servers.CpuLayout, scratch: Path, config: Mapping[str, Any], *, timeout_s: float
) -> dict[str, Any]:
    """One driver run; its last line of output, or why it gave none."""
    path = scratch / "driver.json"
    path.write_text(json.dumps(config))
    try:
        completed = subprocess.run(
            [*layout.wrk, node, str(DRIVER), str(path)],
            capture_output=True,
            text=True,
            timeout=timeout_s,
            check=False,
            cwd=servers.BENCHMARKS,
        )
    except subprocess.TimeoutExpired:
        return {"ok": False, "error": f"driver still running after {timeout_s:.0f} s"}
    lines = completed.stdout.strip().splitlines()
    try:
        answer: dict[str, Any] = json.loads(lines[-1])
    except (IndexError, json.JSONDecodeError):
        return {"ok": False, "error": f"driver printed no figures: {completed.stderr.strip()[:300]}"}
    return answer


def measure(plan: Plan) -> Section:
    node = ensure_installed()
    layout = servers.CpuLayout.detect()
    latency = {server: Runs() for server in SERVERS}
    throughput = {server: Runs() for server in SERVERS}
    with contextlib.ExitStack() as stack:
        scratch = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="roqmock-bench-live-")))
        roqmock = servers.start_roqmock(SERVE_ARGUMENTS, layout)
        stack.callback(roqmock.stop)
        session = HttpSession(roqmock.url, environment_id=DEFAULT_ENVIRONMENT_ID, api_key=DEFAULT_API_KEY)
        stack.callback(session.close)
        conversation_id, members = seed(session)
        tokens = [session.token(member) for member in members]
        base = {"conversationId": conversation_id, "tokens": tokens, "body": BODY}
        latency_config = {"mode": "latency", "warmup": plan.live_warmup, "messages": plan.live_messages}
        throughput_config = {
            "mode": "throughput",
            "warmupMs": plan.warmup_s * 1000,
            "durationMs": plan.duration_s * 1000,
            "window": plan.live_window,
        }
        timeout_s = plan.warmup_s + plan.duration_s + 60.0
        urls = {"roqmock": roqmock.url}

        def run(server: str, config: Mapping[str, Any]) -> dict[str, Any]:
            return drive(node, layout, scratch, {**base, **config, "url": urls[server]}, timeout_s=timeout_s)

        first = run("roqmock", latency_config)
        latency["roqmock"].add(first)
        # The Node server sends roqmock's own payload: same fields, same size (see socketio/server.mjs).
        sample = first.get("sample") or {}
        shape = scratch / "shape.json"
        shape.write_text(
            json.dumps(
                {
                    "conversationId": conversation_id,
                    "members": dict(zip(tokens, members, strict=True)),
                    "message": sample,
                }
            )
        )
        socketio = servers.launch("socketio", [*layout.server, node, str(NODE_SERVER), "--shape", str(shape)])
        stack.callback(socketio.stop)
        python_socketio = servers.launch(
            "python-socketio", [*layout.server, sys.executable, "-m", PYTHON_SERVER, "--shape", str(shape)]
        )
        stack.callback(python_socketio.stop)
        urls |= {"socketio": socketio.url, "python_socketio": python_socketio.url}
        for server in SERVERS[1:]:
            latency[server].add(run(server, latency_config))
        for _ in range(plan.rounds):
            for server in SERVERS:
                throughput[server].add(run(server, throughput_config))
    return report(plan, latency, throughput, sample, layout)


def report(
    plan: Plan,
    latency: Mapping[str, Runs],
    throughput: Mapping[str, Runs],
    sample: Mapping[str, Any],
    layout: servers.CpuLayout,
) -> Section:
    section = Section()
    for server in SERVERS:
        for figure in ("p50_ms", "p99_ms", "max_ms", "cpu"):
            section.figures[f"live.fanout.{server}.{figure}"] = latency[server].median(figure)
        for figure in ("messages_per_s", "deliveries_per_s", "cpu"):
            section.figures[f"live.send.{server}.{figure}"] = throughput[server].median(figure)
    failure = "; ".join(
        f"{server}: {throughput[server].failure}"
        for server in ("roqmock", "socketio")
        if throughput[server].failure
    )
    ratio = _ratio(throughput["roqmock"], throughput["socketio"])
    section.figures["live.send.ratio"] = ratio
    python_ratio = _ratio(throughput["roqmock"], throughput["python_socketio"])
    section.figures["live.send.ratio.python_socketio"] = python_ratio
    section.figures["live.message_bytes"] = float(len(json.dumps(sample, separators=(",", ":"))))
    p99 = latency["roqmock"].median("p99_ms")
    section.rows += [
        Row(
            "live",
            f"message to {MEMBERS} members: p50 / p99 latency",
            _latency(latency["roqmock"]),
            f"socket.io {_latency(latency['socketio'])} · "
            f"python-socketio {_latency(latency['python_socketio'])}",
            "",
            Target.below(
                f"p99 ≤ {TARGET_P99_MS:.0f} ms",
                p99,
                TARGET_P99_MS,
                failure=f"(failed: {latency['roqmock'].failure})" if latency["roqmock"].failure else "",
            ),
        ),
        Row(
            "live",
            f"sendMessage to {MEMBERS} members: messages/s",
            _rate(throughput["roqmock"]),
            f"socket.io {_rate(throughput['socketio'])}",
            table.ratio(ratio),
            Target.above(
                f"≥ {TARGET_RATIO:.2f}x",
                ratio,
                TARGET_RATIO,
                failure=f"(failed: {failure})" if failure else "",
            ),
        ),
        Row(
            "live",
            f"sendMessage to {MEMBERS} members: messages/s, python-socketio ceiling",
            _rate(throughput["roqmock"]),
            f"python-socketio {_rate(throughput['python_socketio'])}",
            table.ratio(python_ratio),
        ),
    ]
    cpu = {server: throughput[server].median("cpu") for server in SERVERS}
    section.notes.append(
        f"live: {MEMBERS} members of one group conversation as {MEMBERS} socket.io-client 4.8 sockets in one "
        f"Node driver (socketio/driver.mjs), the same for every server; latency: {plan.live_messages} "
        f"messages sent one at a time after {plan.live_warmup} unmeasured, each timed from the emit to every "
        f"member's messageReceived; messages/s: the sender keeps {plan.live_window} messages in flight for "
        f"{plan.duration_s} s after {plan.warmup_s} s, a message counted once all {MEMBERS} members have it, "
        f"{plan.rounds} alternating rounds, the ratio the median of per-round ratios; the driver's CPU share "
        f"(1.00: the driver is the bottleneck) roqmock {_share(cpu['roqmock'])}, socket.io "
        f"{_share(cpu['socketio'])}, python-socketio {_share(cpu['python_socketio'])}; {layout.description} "
        f"(the driver on wrk's CPU); roqmock serve {' '.join(SERVE_ARGUMENTS)}; socket.io: "
        "socketio/server.mjs, trivial handlers sending roqmock's own messageReceived payload; "
        "python-socketio: socketio/server.py, the same handlers on python-socketio's AsyncServer and roqmock "
        "serve's uvicorn options (what the message center's library carries when roqmock's work costs "
        "nothing)"
    )
    return section


def _ratio(ours: Runs, theirs: Runs) -> float | None:
    """The median of per-round ratios of messages/s; none when either side failed a round."""
    if ours.failure or theirs.failure or not ours.results or len(ours.results) != len(theirs.results):
        return None
    if any(result["messages_per_s"] <= 0 for result in theirs.results):
        return None  # a run that delivered nothing has no ratio
    pairs = zip(ours.results, theirs.results, strict=True)
    return median([mine["messages_per_s"] / other["messages_per_s"] for mine, other in pairs])


def _latency(runs: Runs) -> str:
    p50, p99 = runs.median("p50_ms"), runs.median("p99_ms")
    if p50 is None or p99 is None:
        return f"failed ({runs.failure})" if runs.failure else "failed"
    return f"{table.duration(p50 * 1e6)} / {table.duration(p99 * 1e6)}"


def _rate(runs: Runs) -> str:
    value = runs.median("messages_per_s")
    if value is None:
        return f"failed ({runs.failure})" if runs.failure else "failed"
    return f"{value:,.0f} msg/s"


def _share(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"
