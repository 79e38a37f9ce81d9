"""The one place where errors become ROQ's envelope.

An error answer carries ``errors[i].extensions = {response: {statusCode, message, error, errorCode,
variables}, code}``; ``code`` is the HTTP status name, or for a 400 the error code itself. ROQ's SDK raises
``HttpException(message, statusCode, errorCode)`` from ``extensions.response``.
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from graphql import GraphQLError

from roqmock.domain.errors import RoqError

logger = logging.getLogger("roqmock")

INTERNAL_MESSAGE = "Something Went Wrong. Please Try Later"


# Statuses outside the IANA registry that proxies and CDNs answer (and so tests inject as faults).
_UNREGISTERED_PHRASES = {
    499: "Client Closed Request",
    509: "Bandwidth Limit Exceeded",
    520: "Web Server Returned an Unknown Error",
    521: "Web Server Is Down",
    522: "Connection Timed Out",
    523: "Origin Is Unreachable",
    524: "A Timeout Occurred",
    525: "SSL Handshake Failed",
    526: "Invalid SSL Certificate",
}


def status_phrase(status: int) -> str:
    """The reason phrase of any 4xx or 5xx status, registered or not (HTTPStatus knows only the former)."""
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return _UNREGISTERED_PHRASES.get(status, "Client Error" if status < 500 else "Server Error")


def envelope(
    status: int, error_code: str, message: str, variables: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The ``extensions`` of one error."""
    phrase = status_phrase(status)
    return {
        "response": {
            "statusCode": status,
            "message": message,
            "error": phrase,
            "errorCode": error_code,
            "variables": variables or {},
        },
        "code": error_code if status == 400 else phrase.upper().replace(" ", "_"),
    }


def error_body(status: int, error_code: str, message: str, **variables: Any) -> dict[str, Any]:
    """A whole GraphQL answer that carries a single error (for refusals before execution)."""
    return {
        "errors": [{"message": message, "extensions": envelope(status, error_code, message, variables)}],
        "data": None,
    }


def roq_error_body(error: RoqError) -> dict[str, Any]:
    return error_body(error.status, error.error_code, error.message, **error.variables)


def format_graphql_error(error: GraphQLError) -> dict[str, Any]:
    """Render an error raised while executing: a domain error keeps its code, anything else is a 500."""
    formatted: dict[str, Any] = dict(error.formatted)
    original = error.original_error
    if isinstance(original, RoqError):
        formatted["message"] = original.message
        formatted["extensions"] = envelope(
            original.status, original.error_code, original.message, original.variables
        )
        return formatted
    if original is not None and not error.message.startswith("Cannot return null for non-nullable"):
        logger.exception("unexpected error in %s", ".".join(map(str, error.path or ())), exc_info=original)
    # A non-null field answered null (MessageModel.deletedAt, say) or a real bug: ROQ's INTERNAL_ERROR,
    # whose message is always the generic one; the reason stays in variables for whoever debugs.
    formatted["message"] = INTERNAL_MESSAGE
    formatted["extensions"] = envelope(500, "INTERNAL_ERROR", INTERNAL_MESSAGE, {"reason": error.message})
    return formatted


def graphql_js_wording(message: str) -> str:
    """graphql-core quotes names with ', graphql-js (which ROQ runs) with ": answer as ROQ would."""
    return message.replace("'", '"')


def request_error(errors: list[GraphQLError], status: int, error_code: str) -> dict[str, Any]:
    """Errors that stop a request before execution: parse, validation, variables."""
    rendered = []
    for error in errors:
        message = graphql_js_wording(error.message)
        extensions = envelope(status, error_code, message)
        if error_code == "GRAPHQL_VALIDATION_FAILED":
            extensions["response"]["error"] = "ValidationError"  # as ROQ's error formatter names it
        rendered.append({**dict(error.formatted), "message": message, "extensions": extensions})
    return {"errors": rendered}
