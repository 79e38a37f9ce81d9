"""``roqmock`` and ``python -m roqmock``.

Ctrl-C stops quietly whenever it comes, even while the modules behind the commands are still loading
(they take a second): so this module imports them only inside ``main``, under the same guard as the run.
"""

from __future__ import annotations

import gc
import signal

INTERRUPTED = 130  # the shell's status for a process stopped by SIGINT (128 + 2)


def main() -> int:
    try:
        # The modules live as long as the process. While they load (most of a start), the cyclic
        # collector runs some hundred times and finds almost nothing: set them aside unwalked instead.
        try:
            gc.disable()
            from roqmock.cli import main as run
        finally:
            gc.freeze()
            gc.enable()
        return run()
    except KeyboardInterrupt:
        return INTERRUPTED
    finally:
        # The process is on its way out: a second Ctrl-C must not interrupt that with a traceback.
        signal.signal(signal.SIGINT, signal.SIG_IGN)


if __name__ == "__main__":
    raise SystemExit(main())
