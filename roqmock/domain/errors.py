"""The small tree of errors the domain raises; the API layer renders each in ROQ's envelope."""

from __future__ import annotations

from typing import Any


class RoqError(Exception):
    """An error ROQ answers with: an HTTP status, an errorCode and a message for the caller."""

    status: int = 500
    default_code: str = "INTERNAL_ERROR"

    def __init__(self, message: str, *, error_code: str | None = None, **variables: Any) -> None:
        super().__init__(message)
        self.message = message
        self.error_code = error_code or self.default_code
        self.variables: dict[str, Any] = variables

    def with_status(self, status: int) -> RoqError:
        """This error, answered with another HTTP status (an injected fault, a rate limit)."""
        self.status = status
        return self


class BadRequest(RoqError):
    status = 400
    default_code = "BAD_REQUEST"


class ValidationError(BadRequest):
    """A DTO or argument that fails validation, worded as ROQ's class-validator words it."""

    def __init__(self, message: str, *, error_code: str, property: str, **variables: Any) -> None:
        super().__init__(
            message, error_code=error_code, property=property, isValidationError=True, **variables
        )


class Unauthorized(RoqError):
    status = 401
    default_code = "UNAUTHORIZED_EXCEPTION"


class Forbidden(RoqError):
    status = 403
    default_code = "FORBIDDEN"


class NotFound(RoqError):
    status = 404
    default_code = "NOT_FOUND"

    @classmethod
    def entity(cls, entity: str, id: str) -> NotFound:
        code = "".join("_" + c if c.isupper() else c.upper() for c in entity).lstrip("_")
        return cls(f"{entity} with id {id} not found", error_code=f"{code}_NOT_FOUND", id=id)


class TooLarge(BadRequest):
    """Bytes over a bound: a file over its category's ``maxSize``, or past what a world may hold."""

    default_code = "ENTITY_TOO_LARGE"


class MethodNotAllowed(RoqError):
    status = 405
    default_code = "METHOD_NOT_ALLOWED"


class Conflict(RoqError):
    status = 409
    default_code = "UNIQUE_CONSTRAINT_VIOLATED"


class PayloadTooLarge(RoqError):
    status = 413
    default_code = "PAYLOAD_TOO_LARGE"


class UnsupportedMediaType(RoqError):
    status = 415
    default_code = "UNSUPPORTED_MEDIA_TYPE"


class HeadersTooLarge(RoqError):
    status = 431
    default_code = "REQUEST_HEADER_FIELDS_TOO_LARGE"
