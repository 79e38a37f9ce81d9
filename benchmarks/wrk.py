"""wrk: the load generator. A Lua script per request body, and what wrk prints, read back."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

# wrk counts non-2xx answers itself; answers that are 200 but carry GraphQL errors (how both servers
# report a refused or failed call) are counted by the script, and printed when the run is done.
_SCRIPT = """\
wrk.method = "POST"
wrk.body = {body}
{headers}
local threads = {{}}
failed = 0

function setup(thread)
  table.insert(threads, thread)
end

function response(status, headers, body)
  if status == 200 and string.find(body, '"errors":', 1, true) then
    failed = failed + 1
  end
end

function done(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do
    total = total + thread:get("failed")
  end
  io.write(string.format("Answers with GraphQL errors: %d\\n", total))
end
"""

_UNITS_MS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3, "h": 3600e3}
_REQUESTS_PER_S = re.compile(r"^Requests/sec:\s+([\d.]+)\s*$", re.MULTILINE)
_PERCENTILE = re.compile(r"^\s+(50|99)(?:\.0+)?%\s+([\d.]+)(us|ms|s|m|h)\s*$", re.MULTILINE)
_REQUESTS = re.compile(r"^\s+(\d+) requests in ([\d.]+)(us|ms|s|m|h),", re.MULTILINE)
_NON_2XX = re.compile(r"^\s+Non-2xx or 3xx responses: (\d+)\s*$", re.MULTILINE)
_SOCKET_ERRORS = re.compile(
    r"^\s+Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)\s*$", re.MULTILINE
)
_GRAPHQL_ERRORS = re.compile(r"^Answers with GraphQL errors: (\d+)\s*$", re.MULTILINE)


def lua_string(text: str) -> str:
    """``text`` as a Lua string literal."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    return f'"{escaped}"'


def script(body: str, headers: Mapping[str, str]) -> str:
    """A wrk script that POSTs ``body`` with ``headers`` and counts answers with GraphQL errors."""
    lines = [f"wrk.headers[{lua_string(name)}] = {lua_string(value)}" for name, value in headers.items()]
    return _SCRIPT.format(body=lua_string(body), headers="\n".join(lines))


@dataclass(frozen=True, slots=True)
class WrkResult:
    requests_per_s: float
    p50_ms: float
    p99_ms: float
    requests: int
    non_2xx: int = 0
    socket_errors: int = 0
    graphql_errors: int | None = None  # None: the script's count was not found in the output

    @property
    def failure(self) -> str:
        """Why this run does not count ("" when it does)."""
        problems = []
        if self.requests == 0:
            problems.append("no requests completed")
        if self.non_2xx:
            problems.append(f"{self.non_2xx} non-2xx")
        if self.socket_errors:
            problems.append(f"{self.socket_errors} socket errors")
        if self.graphql_errors is None:
            problems.append("no count of GraphQL errors")
        elif self.graphql_errors:
            problems.append(f"{self.graphql_errors} GraphQL errors")
        return ", ".join(problems)


class WrkOutputError(ValueError):
    pass


def parse(output: str) -> WrkResult:
    """Read ``wrk --latency`` output (with this module's script) into figures."""
    rate = _REQUESTS_PER_S.search(output)
    percentiles = {match[1]: float(match[2]) * _UNITS_MS[match[3]] for match in _PERCENTILE.finditer(output)}
    requests = _REQUESTS.search(output)
    if rate is None or requests is None or set(percentiles) != {"50", "99"}:
        raise WrkOutputError(f"wrk printed no figures (was --latency given?):\n{output}")
    non_2xx = _NON_2XX.search(output)
    sockets = _SOCKET_ERRORS.search(output)
    graphql_errors = _GRAPHQL_ERRORS.search(output)
    return WrkResult(
        requests_per_s=float(rate[1]),
        p50_ms=percentiles["50"],
        p99_ms=percentiles["99"],
        requests=int(requests[1]),
        non_2xx=int(non_2xx[1]) if non_2xx else 0,
        socket_errors=sum(int(value) for value in sockets.groups()) if sockets else 0,
        graphql_errors=int(graphql_errors[1]) if graphql_errors else None,
    )


def command(
    wrk: str, script_path: Path, url: str, *, threads: int, connections: int, duration_s: int
) -> list[str]:
    return [
        wrk,
        f"-t{threads}",
        f"-c{connections}",
        f"-d{duration_s}s",
        "--latency",
        "-s",
        str(script_path),
        url,
    ]


def run(argv: Sequence[str], *, prefix: Sequence[str] = (), timeout_s: float) -> WrkResult:
    completed = subprocess.run(
        [*prefix, *argv], capture_output=True, text=True, timeout=timeout_s, check=False
    )
    if completed.returncode != 0:
        raise WrkOutputError(f"wrk failed ({completed.returncode}): {completed.stderr}{completed.stdout}")
    return parse(completed.stdout)
