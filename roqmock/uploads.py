"""Presigned forms and URLs for files, as S3 makes them: what the upload and download endpoints accept.

``createFileUpload`` answers an upload URL on roqmock and form fields to post with the bytes (S3's
presigned POST); a ready file's ``url`` and ``messageFileUrl`` answer a signed, expiring download URL
(S3's presigned GET). Both are signed with HMAC-SHA256 under the server's token secret, so a forged or
changed form or URL is refused, and each carries its expiry.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import quote, urlencode

__all__ = [
    "DEFAULT_DOWNLOAD_LIFETIME_S",
    "DEFAULT_UPLOAD_LIFETIME_S",
    "DOWNLOAD_PATH",
    "UPLOAD_PATH",
    "Refused",
    "UploadGrant",
    "download_url",
    "upload_form",
    "verify_download",
    "verify_upload",
]

UPLOAD_PATH = "/__roqmock/uploads"
DOWNLOAD_PATH = "/__roqmock/files"
DEFAULT_UPLOAD_LIFETIME_S = 3600  # S3's presigned POST default in ROQ's clients' eyes: an hour
DEFAULT_DOWNLOAD_LIFETIME_S = 3600


class Refused(Exception):
    """A form or URL refused, as S3 says it: ``code`` (``AccessDenied``, ...), ``message`` and the status."""

    def __init__(self, code: str, message: str, status: int = 403) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


@dataclass(frozen=True, slots=True)
class UploadGrant:
    """What a valid upload form allows: the bytes of one file, of at most ``max_size`` bytes."""

    file_id: str
    environment_id: str
    max_size: int
    content_type: str


def _sign(secret: str, text: str) -> str:
    return hmac.new(secret.encode(), text.encode(), hashlib.sha256).hexdigest()


def upload_form(
    secret: str,
    *,
    base_url: str,
    file_id: str,
    environment_id: str,
    name: str,
    content_type: str,
    max_size: int,
    now_ms: int,
    lifetime_s: int = DEFAULT_UPLOAD_LIFETIME_S,
) -> tuple[str, dict[str, str]]:
    """The upload URL and the form fields a client posts back with ``file`` last (every field echoed)."""
    policy = {
        "fileId": file_id,
        "environmentId": environment_id,
        "maxSize": max_size,
        "contentType": content_type,
        "expiresAt": now_ms + lifetime_s * 1000,
    }
    encoded = base64.b64encode(json.dumps(policy, sort_keys=True).encode()).decode()
    fields = {
        "key": f"{environment_id}/{file_id}/{name}",
        "Content-Type": content_type,
        "maxSize": str(max_size),
        "expiryTime": str(lifetime_s * 1000),  # a duration in ms, as ROQ's clients read it
        "policy": encoded,
        "x-amz-algorithm": "AWS4-HMAC-SHA256",
        "x-amz-signature": _sign(secret, encoded),
    }
    return base_url.rstrip("/") + UPLOAD_PATH, fields


def verify_upload(secret: str, fields: Mapping[str, str], *, now_ms: int) -> UploadGrant:
    """The grant a posted form carries, or :class:`Refused` as S3 would refuse it."""
    encoded, signature = fields.get("policy"), fields.get("x-amz-signature")
    if not encoded or not signature:
        raise Refused("AccessDenied", "Bucket POST must contain a policy and its signature", 403)
    if not hmac.compare_digest(_sign(secret, encoded), signature):
        raise Refused("SignatureDoesNotMatch", "The request signature we calculated does not match", 403)
    try:
        policy = json.loads(base64.b64decode(encoded, validate=True))
        grant = UploadGrant(
            str(policy["fileId"]),
            str(policy["environmentId"]),
            int(policy["maxSize"]),
            str(policy["contentType"]),
        )
        expires_at = int(policy["expiresAt"])
    except (ValueError, KeyError, TypeError):
        raise Refused("InvalidPolicyDocument", "Invalid Policy: the policy cannot be read", 400) from None
    if now_ms >= expires_at:  # valid before its expiry, not at it: a lifetime of 0 is expired at once
        raise Refused("AccessDenied", "Invalid according to Policy: Policy expired.", 403)
    return grant


def download_url(
    secret: str,
    *,
    base_url: str,
    file_id: str,
    environment_id: str,
    name: str,
    now_ms: int,
    lifetime_s: int = DEFAULT_DOWNLOAD_LIFETIME_S,
) -> str:
    """A presigned GET of the file's bytes: valid for ``lifetime_s``, for this file in this environment."""
    expires = str(now_ms + lifetime_s * 1000)
    signature = _sign(secret, f"GET\n{environment_id}\n{file_id}\n{expires}")
    query = urlencode({"environment": environment_id, "expires": expires, "signature": signature})
    return f"{base_url.rstrip('/')}{DOWNLOAD_PATH}/{file_id}/{quote(name, safe='')}?{query}"


def verify_download(secret: str, file_id: str, query: Mapping[str, str], *, now_ms: int) -> str:
    """The environment id a download URL was signed for, or :class:`Refused` as S3 would refuse it."""
    environment, expires, signature = query.get("environment"), query.get("expires"), query.get("signature")
    if not environment or not expires or not signature:
        raise Refused("AccessDenied", "Query-string authentication requires the signature and expiry", 403)
    expected = _sign(secret, f"GET\n{environment}\n{file_id}\n{expires}")
    if not hmac.compare_digest(expected, signature):
        raise Refused("SignatureDoesNotMatch", "The request signature we calculated does not match", 403)
    if not expires.isdigit() or now_ms >= int(expires):
        raise Refused("AccessDenied", "Request has expired", 403)
    return environment
