"""An answer's JSON bytes, as ROQ's Node server writes them (``JSON.stringify``)."""

from __future__ import annotations

import json
import math
from typing import Any

__all__ = ["json_bytes"]


# What json.dumps(value, separators=..., ...) would build on every call, built once: every answer is encoded.
_COMPACT = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode
_COMPACT_ASCII = json.JSONEncoder(separators=(",", ":"), allow_nan=False).encode


def json_bytes(value: Any) -> bytes:
    """JSON as JSON.stringify writes it: NaN and Infinity as null, a lone surrogate escaped."""
    try:
        return _COMPACT(value).encode()
    except ValueError:
        value = _finite(value)  # 1e400 is JSON (it reads as Infinity) and may come back in an answer
    except UnicodeEncodeError:
        pass
    return _COMPACT_ASCII(value).encode()


def _finite(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(item) for item in value]
    return value
