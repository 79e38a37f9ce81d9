"""Starting up: ``roqmock serve`` from its process's start to a healthy ``/__roqmock/health``, and what
importing the pytest plugin adds to every pytest run. Each figure is the median of fresh processes."""

from __future__ import annotations

import compileall
import http.client
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import roqmock
from benchmarks import table
from benchmarks.plan import Plan
from benchmarks.table import Row, Section, Target
from benchmarks.timing import median
from roqmock.testing import stop_process

SERVE_TARGET_S = 0.5
PLUGIN_TARGET_S = 0.2
TIMEOUT_S = 30.0
_URL = re.compile(r"http://([\w.\-]+):(\d+)")

# One fresh interpreter each; each prints the seconds of what it times. pytest loads its plugins after
# importing itself, so the plugin's figure is its own import, with pytest already loaded.
_PYTEST = "import time; t = time.perf_counter(); import pytest; print(time.perf_counter() - t)"
_PLUGIN = (
    "import time, pytest; t = time.perf_counter(); import roqmock.pytest_plugin.plugin; "
    "print(time.perf_counter() - t)"
)


class StartupError(Exception):
    pass


def compile_bytecode() -> None:
    """roqmock's bytecode, written once as pip writes it when it installs roqmock: a checkout run with
    PYTHONDONTWRITEBYTECODE would otherwise compile every module again in every process."""
    package = Path(roqmock.__file__).parent
    compileall.compile_dir(package, quiet=1)
    compileall.compile_dir(package / "pytest_plugin", quiet=1)  # a link, which compile_dir does not follow


def serve_s() -> float:
    """Seconds from starting ``python -m roqmock serve`` (the default seeded demo world) to its first
    healthy answer."""
    argv = [sys.executable, "-m", "roqmock", "serve", "--port", "0", "--no-sandbox"]
    started = time.perf_counter()
    process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        # The banner comes once the socket listens: its first line names the port.
        match = _URL.search(process.stdout.readline())
        if match is None:
            raise StartupError(f"roqmock serve printed no URL (status {process.poll()})")
        while True:
            if _healthy(match.group(1), int(match.group(2))):
                return time.perf_counter() - started
            if time.perf_counter() - started > TIMEOUT_S or process.poll() is not None:
                raise StartupError("roqmock serve never answered /__roqmock/health")
            time.sleep(0.002)
    finally:
        stop_process(process)


def _healthy(host: str, port: int) -> bool:
    connection = http.client.HTTPConnection(host, port, timeout=5)
    try:
        connection.request("GET", "/__roqmock/health")
        return connection.getresponse().status == 200
    except OSError:
        return False
    finally:
        connection.close()


def timed_s(code: str) -> float:
    """The seconds a fresh interpreter running ``code`` prints."""
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=TIMEOUT_S, check=False
    )
    if done.returncode != 0:
        raise StartupError(done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "failed")
    return float(done.stdout.strip())


def interpreter_s() -> float:
    """Seconds from starting a bare ``python -c pass`` to its end: the floor of any process's start."""
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], check=True, timeout=TIMEOUT_S)
    return time.perf_counter() - started


def measure(plan: Plan) -> Section:
    compile_bytecode()
    probes: dict[str, Callable[[], float]] = {
        "serve": serve_s,
        "python": interpreter_s,
        "plugin": lambda: timed_s(_PLUGIN),
        "pytest": lambda: timed_s(_PYTEST),
    }
    samples: dict[str, list[float]] = {name: [] for name in probes}
    failures: dict[str, str] = {}
    # One warm-up round (files into the page cache), then the probes take turns, round after round, so
    # that a busy stretch of the machine falls on all of them alike.
    for round_ in range(plan.runs + 1):
        for name, probe in probes.items():
            if name in failures:
                continue
            try:
                seconds = probe()
            except (StartupError, OSError, subprocess.SubprocessError, ValueError) as error:
                failures[name] = f"(failed: {error})"
                continue
            if round_:
                samples[name].append(seconds)
    figures = {
        name: (median(values) if values and name not in failures else None)
        for name, values in samples.items()
    }

    section = Section()
    section.figures.update(
        {
            "startup.serve_s": figures["serve"],
            "startup.python_s": figures["python"],
            "startup.plugin_import_s": figures["plugin"],
            "startup.pytest_import_s": figures["pytest"],
        }
    )
    section.rows += [
        Row(
            "startup",
            "roqmock serve: start to a healthy /__roqmock/health",
            _duration(figures["serve"]),
            f"python -c pass {_duration(figures['python'])}",
            target=Target.below(
                f"≤ {SERVE_TARGET_S:g} s", figures["serve"], SERVE_TARGET_S, failure=failures.get("serve", "")
            ),
        ),
        Row(
            "startup",
            "importing the pytest plugin",
            _duration(figures["plugin"]),
            f"import pytest {_duration(figures['pytest'])}",
            target=Target.below(
                f"≤ {PLUGIN_TARGET_S:g} s",
                figures["plugin"],
                PLUGIN_TARGET_S,
                failure=failures.get("plugin", ""),
            ),
        ),
    ]
    section.notes.append(
        f"startup: medians of {plan.runs} fresh processes each, after a warm-up round, with roqmock's "
        "bytecode compiled (as pip installs it); serve: the default demo world, from the process's start "
        "to its first 200 from /__roqmock/health; the plugin: its import after pytest's own "
        f"(pytest imports itself before its plugins); load average {os.getloadavg()[0]:.2f} at the end"
    )
    return section


def _duration(seconds: float | None) -> str:
    return table.duration(None if seconds is None else seconds * 1e9)
