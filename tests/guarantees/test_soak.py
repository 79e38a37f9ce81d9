"""The soak (``tests/guarantees/soak.py``) as a CI smoke: a few seconds of mixed traffic, memory flat,
nothing broken.

The full soak runs for a minute or more by hand (``python tests/guarantees/soak.py --seconds 300``); here it
runs for 8 s, and once more without resets, where the world grows by design, to show that its bound can fail.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

SOAK = Path(__file__).resolve().parent / "soak.py"
SAMPLE = re.compile(r"^sample +(\d+) +t= *([\d.]+)s +rss= *(\d+) kB$", re.MULTILINE)
MEMORY = re.compile(
    r"^memory: first half peak (\d+) kB, second half peak (\d+) kB, growth ([+-][\d.]+)%", re.MULTILINE
)


def run_soak(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SOAK), *args], capture_output=True, text=True, timeout=50, check=False
    )


def test_soak_smoke_keeps_memory_flat_and_answers_everything() -> None:
    result = run_soak("--seconds", "8")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    samples = [(int(n), float(t), int(rss)) for n, t, rss in SAMPLE.findall(result.stdout)]
    assert len(samples) >= 8, output
    assert [n for n, _, _ in samples] == list(range(1, len(samples) + 1))
    assert all(rss > 10_000 for _, _, rss in samples), "an RSS under 10 MB is not a Python server's"
    times = [t for _, t, _ in samples]
    assert times == sorted(times) and times[-1] >= 7.5
    memory = MEMORY.search(result.stdout)
    assert memory is not None, output
    first, second, growth = int(memory[1]), int(memory[2]), float(memory[3])
    half = len(samples) // 2
    assert first == max(rss for _, _, rss in samples[:half])
    assert second == max(rss for _, _, rss in samples[half:])
    assert growth <= 20.0
    counts = dict(re.findall(r"(\w+) (\d+)", result.stdout.split("requests: ", 1)[1].splitlines()[0]))
    for kind in ("read", "write", "bad", "fault", "reset"):
        assert int(counts.get(kind, 0)) > 0, f"no {kind} traffic: {counts}"
    assert "problems" not in counts, output
    assert result.stdout.rstrip().endswith("result: ok")


def test_soak_fails_when_memory_grows() -> None:
    """Without resets every write stays in the world (a database does that): the bound trips."""
    result = run_soak("--seconds", "6", "--no-resets", "--body-bytes", "100000", "--bound", "0.05")
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    failures = re.findall(r"^FAIL: (.*)$", result.stdout, re.MULTILINE)
    assert len(failures) == 1 and failures[0].startswith("memory grew"), output
    assert len(SAMPLE.findall(result.stdout)) >= 8


def test_soak_rejects_bad_arguments() -> None:
    result = run_soak("--seconds", "0")
    assert result.returncode == 2
    assert "--seconds" in result.stderr
