"""The issue's "done when": a shell script in a CI job starts roqmock, loads a scenario, runs a suite in
another language, verifies calls from the journal and resets, using only documented HTTP calls.

``ci_job_example.sh`` is that job (bash, curl, node and ROQ's own Node SDK); this test runs it as CI would.
A missing Node or SDK fails the test; it never skips.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.sdk

TESTS = Path(__file__).resolve().parents[1]
SCRIPT = Path(__file__).resolve().parent / "ci_job_example.sh"
JOB_TIMEOUT_S = 120


def _job_environment() -> dict[str, str]:
    """This interpreter's ``roqmock`` first on PATH (or ``python -m roqmock`` when it has no script)."""
    env = {key: value for key, value in os.environ.items() if key not in {"ROQMOCK", "NODE_MODULES"}}
    scripts = Path(sys.executable).parent
    if (scripts / "roqmock").exists():
        env["PATH"] = f"{scripts}{os.pathsep}{env.get('PATH', '')}"
    else:
        env["ROQMOCK"] = f"{sys.executable} -m roqmock"
    return env


def test_the_ci_job_example_runs_end_to_end() -> None:
    for tool in ("bash", "curl", "node"):
        assert shutil.which(tool), f"the CI job example needs {tool} on PATH"
    assert (TESTS / "node_modules" / "@roq" / "nodejs").is_dir(), (
        "ROQ's Node SDK is not installed: run `npm ci --prefix tests`"
    )
    try:
        job = subprocess.run(
            ["bash", str(SCRIPT)],
            cwd=TESTS,
            env=_job_environment(),
            capture_output=True,
            text=True,
            timeout=JOB_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise AssertionError(f"the CI job did not finish within {JOB_TIMEOUT_S} s:\n{exc.stdout}") from None
    report = f"exit status {job.returncode}\n--- stdout:\n{job.stdout}\n--- stderr:\n{job.stderr}"
    assert job.returncode == 0, report
    lines = job.stdout.strip().splitlines()
    assert lines and lines[-1] == "CI job OK", report
    for step in ("suite: 2 checks passed", "verify: createMessage ran once", "reset: back to the scenario"):
        assert any(line.startswith(step) for line in lines), report
    assert re.search(r"^roqmock at http://127\.0\.0\.1:\d+$", job.stdout, re.MULTILINE), report

    pid = re.search(r"^roqmock serve pid (\d+)$", job.stdout, re.MULTILINE)
    assert pid is not None, report
    with pytest.raises(ProcessLookupError):
        os.kill(int(pid.group(1)), 0)  # the job's EXIT trap stopped the server
