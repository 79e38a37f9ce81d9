"""Files: downloading a 10 MB attachment from ``roqmock serve`` against the ceiling (a bare ASGI app on the
same uvicorn, same protocol class, answering the same bytes and headers), in alternating wrk rounds; and
the memory an upload holds, traced in process through roqmock's own ASGI app.

``python -m benchmarks.files --ceiling BYTES HEADERS`` runs the ceiling: it prints its URL on its first
line and answers every GET with the file ``BYTES`` and the headers in the JSON file ``HEADERS``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import json
import os
import random
import sys
import tempfile
import tracemalloc
from collections.abc import Awaitable, Callable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from benchmarks import http, servers, table, wrk
from benchmarks.plan import Plan
from benchmarks.table import Row, Section, Target
from benchmarks.timing import median
from roqmock.baseline import Baseline
from roqmock.client import HttpSession
from roqmock.config import DEFAULT_API_KEY, DEFAULT_ENVIRONMENT_ID
from roqmock.http.app import create_app
from roqmock.http.files import FIELD_ALLOWANCE
from roqmock.mock import RoqMock

FILE_BYTES = 10_000_000  # a 10 MB attachment, under CHAT_FILES' 10 MiB
CONTENT_TYPE = "application/pdf"
NAME = "quarterly-report.pdf"
CATEGORY = "CHAT_FILES"
CATEGORY_LIMIT = 10 * 1024 * 1024  # CHAT_FILES' maxSize
TARGET_RATIO = 0.5
SERVERS = ("roqmock", "ceiling")
CONNECTIONS = 4  # 10 MB answers: a few connections keep the pipe full without a queue of them
WRK_TIMEOUT_S = 10
CHUNK = 64 * 1024  # what uvicorn hands an ASGI app at a time, about
# What an upload may hold besides the file's bytes: its form fields (roqmock's own allowance) and the chunk
# being read. Beyond it, memory would grow with the body, not with the limit.
MEMORY_BOUND = CATEGORY_LIMIT + FIELD_ALLOWANCE + CHUNK
# Headers every server writes for itself: the ceiling sends the others exactly as roqmock does.
_OWN_HEADERS = frozenset({"content-length", "date", "connection", "server", "transfer-encoding"})

Message = dict[str, Any]


def payload() -> bytes:
    """10 MB that no layer could compress or recognise: a repeating pattern would flatter neither side."""
    return random.Random(15).randbytes(FILE_BYTES)


# ---------------------------------------------------------------- download throughput


Runs = http.Runs  # one server's wrk runs across rounds, as the HTTP part keeps them


def check(url: str, data: bytes) -> httpx.Response:
    """One GET before any load: 200 and exactly the bytes, or the benchmark stops."""
    response = httpx.get(url, timeout=60)
    if response.status_code != 200 or response.content != data:
        raise RuntimeError(
            f"{urlsplit(url).path} answered {response.status_code}, {len(response.content)} bytes"
        )
    return response


def downloads(plan: Plan) -> tuple[dict[str, Runs], servers.CpuLayout]:
    wrk_path = servers.ensure_wrk()
    layout = servers.CpuLayout.detect()
    data = payload()
    runs = {server: Runs() for server in SERVERS}
    with contextlib.ExitStack() as stack:
        scratch = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="roqmock-bench-files-")))
        roqmock = servers.start_roqmock(["--empty"], layout)
        stack.callback(roqmock.stop)
        session = HttpSession(roqmock.url, environment_id=DEFAULT_ENVIRONMENT_ID, api_key=DEFAULT_API_KEY)
        stack.callback(session.close)
        # The SDK's uploadFile: createFileUpload, the presigned POST, updateFileStatus(ready).
        file = session.as_super_admin().upload_file(NAME, CONTENT_TYPE, data, category=CATEGORY)
        answer = check(str(file["url"]), data)
        headers = {name: value for name, value in answer.headers.items() if name.lower() not in _OWN_HEADERS}
        (scratch / "file.bin").write_bytes(data)
        (scratch / "headers.json").write_text(json.dumps(headers))
        argv = [*layout.server, sys.executable, "-m", "benchmarks.files", "--ceiling"]
        ceiling = servers.launch("ceiling", [*argv, str(scratch / "file.bin"), str(scratch / "headers.json")])
        stack.callback(ceiling.stop)
        query = urlsplit(str(file["url"]))
        urls = {"roqmock": str(file["url"]), "ceiling": f"{ceiling.url}{query.path}?{query.query}"}
        check(urls["ceiling"], data)
        timeout_s = max(plan.duration_s, plan.warmup_s) + 60

        def load(server: str, duration_s: int) -> wrk.WrkResult:
            argv = [wrk_path, f"-t{plan.threads}", f"-c{CONNECTIONS}", f"-d{duration_s}s", "--latency"]
            # wrk gives up on an answer after 2 s by default: on a busy machine a 10 MB one can take longer
            # without anything being wrong. A hang still fails the run.
            argv.append(f"--timeout={WRK_TIMEOUT_S}s")
            result = wrk.run([*argv, urls[server]], prefix=layout.wrk, timeout_s=timeout_s)
            # A GET of bytes has no GraphQL errors to count: wrk's own counts (non-2xx, socket errors) judge.
            return dataclasses.replace(result, graphql_errors=0)

        for server in SERVERS:
            load(server, plan.warmup_s)
        for _ in range(plan.rounds):
            for server in SERVERS:
                runs[server].results.append(load(server, plan.duration_s))
    return runs, layout


# ---------------------------------------------------------------- upload memory


@dataclass(frozen=True, slots=True)
class Upload:
    label: str
    size: int
    status: int
    peak_bytes: int  # the most traced memory above what was held before the request began


def upload_peak(size: int) -> Upload:
    """The request's peak of Python memory, through roqmock's ASGI app, the body fed in 64 KB chunks
    made as it goes (the client holds one chunk, never the file): what the server itself holds."""
    mock = RoqMock(baseline=Baseline(size=None))  # an empty world
    app = create_app(mock)
    form = mock.execute(
        "mutation($dto: FileCreateDto!) "
        "{ createFileUpload(createFileDto: $dto) { id uploadUrl formFields } }",
        {"dto": {"name": NAME, "contentType": CONTENT_TYPE, "fileCategory": CATEGORY}},
    )["data"]["createFileUpload"]
    boundary = "----roqmockbench15"
    head = (
        b"".join(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
            for name, value in form["formFields"].items()
        )
        + (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{NAME}"\r\n'
            f"Content-Type: {CONTENT_TYPE}\r\n\r\n"
        ).encode()
    )
    tail = f"\r\n--{boundary}--\r\n".encode()
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": urlsplit(form["uploadUrl"]).path,
        "raw_path": urlsplit(form["uploadUrl"]).path.encode(),
        "query_string": b"",
        "root_path": "",
        "server": ("127.0.0.1", 4000),
        "client": ("127.0.0.1", 50000),
        "headers": [
            (b"host", b"127.0.0.1:4000"),
            (b"content-type", f"multipart/form-data; boundary={boundary}".encode()),
            (b"content-length", str(len(head) + size + len(tail)).encode()),
        ],
    }

    # The file's chunk sizes: each chunk is made when the server asks for it, a new bytes object as
    # uvicorn hands them over (a slice of one shared block would let the server keep references to the
    # client's memory, never counted), so the client holds one chunk at most.
    sizes = [min(CHUNK, size - offset) for offset in range(0, size, CHUNK)]
    sent = [0]

    async def receive() -> Message:
        index = sent[0]
        sent[0] += 1
        if index == 0:
            chunk = head
        elif index <= len(sizes):
            chunk = os.urandom(sizes[index - 1])
        else:
            chunk = tail
        return {"type": "http.request", "body": chunk, "more_body": index <= len(sizes)}

    status: list[int] = []

    async def send(message: MutableMapping[str, Any]) -> None:
        if message["type"] == "http.response.start":
            status.append(int(message["status"]))

    # The event loop is made before tracing starts: its own allocations are not the upload's.
    loop = asyncio.new_event_loop()
    tracemalloc.start()
    try:
        before, _ = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        loop.run_until_complete(app(scope, receive, send))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        loop.close()
    under = CATEGORY_LIMIT - size
    limit = table.size(CATEGORY_LIMIT)
    label = (
        f"{under:,} B under its {limit} limit"
        if under >= 0
        else f"of {table.size(size)}, over its {limit} limit"
    )
    return Upload(label, size, status[0] if status else 0, peak - before)


# ---------------------------------------------------------------- the part


def measure(plan: Plan) -> Section:
    runs, layout = downloads(plan)
    uploads = [upload_peak(CATEGORY_LIMIT - 1024), upload_peak(2 * CATEGORY_LIMIT)]
    return report(plan, runs, uploads, layout)


def report(
    plan: Plan, runs: Mapping[str, Runs], uploads: Sequence[Upload], layout: servers.CpuLayout
) -> Section:
    section = Section()
    ours, theirs = runs["roqmock"], runs["ceiling"]
    failure = "; ".join(f"{server}: {runs[server].failure}" for server in SERVERS if runs[server].failure)
    ratio = None
    if not failure:
        pairs = zip(ours.results, theirs.results, strict=True)
        ratio = median([mine.requests_per_s / other.requests_per_s for mine, other in pairs])
    for server in SERVERS:
        rps = runs[server].median("requests_per_s")
        section.figures[f"files.download.{server}.rps"] = rps
        section.figures[f"files.download.{server}.bytes_per_s"] = None if rps is None else rps * FILE_BYTES
        section.figures[f"files.download.{server}.p99_ms"] = runs[server].median("p99_ms")
    section.figures["files.download.ratio"] = ratio
    section.rows.append(
        Row(
            "files",
            "download a 10 MB attachment: throughput",
            _throughput(ours),
            f"ceiling {_throughput(theirs)}",
            table.ratio(ratio),
            Target.above(
                f"≥ {TARGET_RATIO:.2f}x",
                ratio,
                TARGET_RATIO,
                failure=f"(failed: {failure})" if failure else "",
            ),
        )
    )
    for upload in uploads:
        key = "near_limit" if upload.size <= CATEGORY_LIMIT else "over_limit"
        section.figures[f"files.upload.{key}.bytes"] = float(upload.size)
        section.figures[f"files.upload.{key}.peak_bytes"] = float(upload.peak_bytes)
        expected = 204 if upload.size <= CATEGORY_LIMIT else 400
        wrong = f"(answered {upload.status}, not {expected})" if upload.status != expected else ""
        section.rows.append(
            Row(
                "files",
                f"upload {upload.label} ({upload.status}): peak memory",
                table.size(upload.peak_bytes),
                f"limit {table.size(CATEGORY_LIMIT)}",
                table.ratio(upload.peak_bytes / CATEGORY_LIMIT),
                Target.below(
                    f"≤ limit + {table.size(MEMORY_BOUND - CATEGORY_LIMIT)}",
                    upload.peak_bytes,
                    MEMORY_BOUND,
                    failure=wrong,
                ),
            )
        )
    section.notes.append(
        "files: GET of a 10 MB attachment's download URL (uploaded through the SDK's presigned POST), "
        f"wrk -t{plan.threads} -c{CONNECTIONS} -d{plan.duration_s}s --timeout={WRK_TIMEOUT_S}s, "
        f"{plan.rounds} alternating rounds after a {plan.warmup_s} s warm-up, the ratio the median of "
        "per-round ratios; ceiling: a bare ASGI app on the same uvicorn configuration answering the same "
        f"bytes and headers; {layout.description}. Upload memory: the peak of tracemalloc's traced memory "
        "over one presigned POST through roqmock's ASGI app in process "
        f"({CATEGORY}, maxSize {table.size(CATEGORY_LIMIT)}), the body made {table.size(CHUNK)} at a time, "
        "above what was held before it (the stored file's bytes count); the bound: the size limit, plus "
        f"{table.size(FIELD_ALLOWANCE)} for the form's fields (roqmock's FIELD_ALLOWANCE) and one "
        f"{table.size(CHUNK)} chunk being read"
    )
    return section


def _throughput(runs: Runs) -> str:
    rps = runs.median("requests_per_s")
    if rps is None:
        return f"failed ({runs.failure})" if runs.failure else "failed"
    return f"{rps * FILE_BYTES / 1e6:,.0f} MB/s"


# ---------------------------------------------------------------- the ceiling


def ceiling_app(data: bytes, headers: Mapping[str, str]) -> Callable[[Message, Any, Any], Awaitable[None]]:
    head = [
        (b"content-length", str(len(data)).encode()),
        *((name.encode("latin-1"), value.encode("latin-1")) for name, value in headers.items()),
    ]

    async def app(scope: Message, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        await send({"type": "http.response.start", "status": 200, "headers": head})
        await send({"type": "http.response.body", "body": data})

    return app


def serve_ceiling(data_path: Path, headers_path: Path) -> None:
    from benchmarks.ceiling import serve_on
    from roqmock.cli import bind_socket

    app = ceiling_app(data_path.read_bytes(), json.loads(headers_path.read_text()))
    sock = bind_socket("127.0.0.1", 0)
    print(f"ceiling listening at http://127.0.0.1:{sock.getsockname()[1]}", flush=True)
    serve_on(app, sock)  # roqmock serve's own uvicorn configuration, the app aside


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.files")
    parser.add_argument("--ceiling", nargs=2, type=Path, metavar=("BYTES", "HEADERS"), required=True)
    args = parser.parse_args(argv)
    serve_ceiling(*args.ceiling)


if __name__ == "__main__":
    main()
