"""The servers under load, the tools they need, and which CPU each process runs on."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import httpx

BENCHMARKS = Path(__file__).resolve().parent
ROOT = BENCHMARKS.parent
SDL = ROOT / "schema" / "roq.graphql"
APOLLO_SERVER = BENCHMARKS / "apollo" / "server.mjs"
MERCURIUS_SERVER = BENCHMARKS / "mercurius" / "server.mjs"
NODE_PACKAGES = ("@apollo/server", "@graphql-tools/mock", "fastify", "mercurius")
_URL = re.compile(r"http://[\w.\-\[\]:]+:\d+")


@dataclass(frozen=True, slots=True)
class CpuLayout:
    """wrk on one CPU, the server under load on the others, so that they never take turns on a core."""

    wrk: list[str] = field(default_factory=list)
    server: list[str] = field(default_factory=list)
    description: str = "no CPU pinning"

    @classmethod
    def detect(cls) -> CpuLayout:
        cpus = sorted(os.sched_getaffinity(0))
        taskset = shutil.which("taskset")
        if len(cpus) < 2 or taskset is None:
            return cls(description=f"{len(cpus)} CPU(s), no pinning")
        rest = ",".join(str(cpu) for cpu in cpus[1:])
        return cls(
            [taskset, "-c", str(cpus[0])],
            [taskset, "-c", rest],
            f"wrk on CPU {cpus[0]}, servers on CPU {rest}",
        )


@dataclass(slots=True)
class Server:
    name: str
    url: str
    process: subprocess.Popen[str]

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if self.process.stdout is not None:
            with contextlib.suppress(ValueError, OSError):
                self.process.stdout.close()


def launch(
    name: str, argv: Sequence[str], *, env: dict[str, str] | None = None, timeout_s: float = 60.0
) -> Server:
    """Start a server that prints its URL on its first line, and keep draining what it prints."""
    process = subprocess.Popen(
        argv,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
    )
    assert process.stdout is not None
    timer = threading.Timer(timeout_s, process.kill)
    timer.start()
    try:
        first_line = process.stdout.readline()
    finally:
        timer.cancel()
    match = _URL.search(first_line)
    if match is None:
        rest = process.stdout.read() if process.poll() is not None else ""
        Server(name, "", process).stop()
        raise RuntimeError(f"{name} did not start: {first_line}{rest}")
    threading.Thread(target=_drain, args=(process.stdout,), daemon=True).start()
    return Server(name, match.group(0), process)


def _drain(stream: IO[str]) -> None:
    with contextlib.suppress(ValueError, OSError):
        for _ in stream:
            pass


def start_roqmock(serve_arguments: Sequence[str], layout: CpuLayout) -> Server:
    argv = [*layout.server, sys.executable, "-m", "roqmock", "serve", "--port", "0", "--no-sandbox"]
    server = launch("roqmock", [*argv, *serve_arguments], env={"PYTHONUNBUFFERED": "1"})
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(f"{server.url}/__roqmock/health", timeout=2).status_code == 200:
                return server
        time.sleep(0.05)
    server.stop()
    raise RuntimeError("roqmock serve did not become healthy within 60 s")


def start_apollo(shape: Path, layout: CpuLayout) -> Server:
    node = require("node", "Node 20 or later is needed for the Apollo comparison")
    argv = [*layout.server, node, str(APOLLO_SERVER), "--schema", str(SDL), "--shape", str(shape)]
    # Production mode, as Apollo is deployed: no landing page, no introspection, no stack traces.
    return launch("apollo", argv, env={"NODE_ENV": "production"})


def start_mercurius(shape: Path, layout: CpuLayout) -> Server:
    node = require("node", "Node 20 or later is needed for the Mercurius comparison")
    argv = [*layout.server, node, str(MERCURIUS_SERVER), "--schema", str(SDL), "--shape", str(shape)]
    return launch("mercurius", argv, env={"NODE_ENV": "production"})


def start_ceiling(answers: Path, layout: CpuLayout) -> Server:
    argv = [
        *layout.server,
        sys.executable,
        "-m",
        "benchmarks.ceiling",
        "--port",
        "0",
        "--answers",
        str(answers),
    ]
    return launch("ceiling", argv, env={"PYTHONUNBUFFERED": "1"})


def require(tool: str, why: str) -> str:
    found = shutil.which(tool)
    if found is None:
        raise SystemExit(f"benchmarks: {tool} is not installed. {why}")
    return found


def ensure_node_packages() -> None:
    """``npm ci --prefix benchmarks`` when a package is missing, from the committed lock file."""
    if all((BENCHMARKS / "node_modules" / package).is_dir() for package in NODE_PACKAGES):
        return
    npm = require("npm", "npm installs the Node comparisons' packages (benchmarks/package-lock.json)")
    print("benchmarks: npm ci --prefix benchmarks", file=sys.stderr)
    # Their output goes to stderr: stdout is the table's.
    subprocess.run(
        [npm, "ci", "--prefix", str(BENCHMARKS), "--no-audit", "--no-fund"], stdout=sys.stderr, check=True
    )


def ensure_wrk() -> str:
    """wrk, installed with apt-get (Debian's package) when missing and running as root."""
    found = shutil.which("wrk")
    if found is not None:
        return found
    if os.geteuid() != 0:
        raise SystemExit(
            "benchmarks: wrk is not installed and this is not root: install it (Debian/Ubuntu: "
            "sudo apt-get install -y wrk), or skip the HTTP part with --only inprocess,scale,seed"
        )
    print("benchmarks: apt-get install -y wrk", file=sys.stderr)
    install = ["apt-get", "install", "-y", "wrk"]
    if subprocess.run(install, stdout=sys.stderr, check=False).returncode != 0:
        subprocess.run(["apt-get", "update"], stdout=sys.stderr, check=True)
        subprocess.run(install, stdout=sys.stderr, check=True)
    return require("wrk", "apt-get reported success, yet wrk is not on PATH")
