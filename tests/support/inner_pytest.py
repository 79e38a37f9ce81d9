"""Options for a pytest this suite runs inside itself (pytester), as a downstream project would run it.

Plugins a machine happens to have and a downstream project would not are kept out: schemathesis (this
suite's fuzzer) costs seconds of imports, and pytest-benchmark, seeing this suite's xdist worker, turns its
"benchmarks disabled" warning into an error under ``-W error``. The cache would write into the test's
temporary directory for nothing.
"""

from __future__ import annotations

__all__ = ["UNRELATED_PLUGINS_OFF"]

UNRELATED_PLUGINS_OFF = ("-p", "no:cacheprovider", "-p", "no:schemathesis", "-p", "no:benchmark")
