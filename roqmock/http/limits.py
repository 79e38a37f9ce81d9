"""What is too big, or not JSON where JSON is expected, refused before anything reads it."""

from __future__ import annotations

from roqmock.config import Settings
from roqmock.domain.errors import HeadersTooLarge, PayloadTooLarge, UnsupportedMediaType
from roqmock.http.exchange import Request
from roqmock.http.paths import JSON_PATHS

__all__ = ["body_too_large", "check_limits"]


def check_limits(settings: Settings, request: Request, path: str) -> None:
    header_bytes = sum(map(len, request.headers)) + sum(map(len, request.headers.values()))
    if header_bytes > settings.max_header_bytes:
        raise HeadersTooLarge(
            f"The request headers are over {settings.max_header_bytes} bytes", limit=settings.max_header_bytes
        )
    if len(request.body) > settings.max_body_bytes:
        raise body_too_large(settings.max_body_bytes)
    if request.method == "POST" and path in JSON_PATHS:
        media_type = (request.header("content-type") or "").partition(";")[0].strip().lower()
        if media_type != "application/json":
            raise UnsupportedMediaType(
                "Content-Type must be application/json", contentType=request.header("content-type")
            )


def body_too_large(limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(f"The request body is over {limit} bytes", limit=limit)
