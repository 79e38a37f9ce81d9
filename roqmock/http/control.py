"""The control API under ``/__roqmock/``: reset, seed, state, the call journal, the live chat's sockets and
what they were sent, health.

Every endpoint but ``health`` needs the server header (``Basic base64(environmentId:apiKey)``), as ROQ's
server graph does. Errors answer in ROQ's REST shape (``statusCode``, ``message``, ``errorCode``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from roqmock.baseline import Baseline, OptionError
from roqmock.domain.clock import is_uuid
from roqmock.domain.errors import BadRequest, Forbidden
from roqmock.http.callers import check_server_header
from roqmock.http.exchange import Handler, Reply, Request
from roqmock.http.paths import CONTROL_PREFIX, HEALTH_PATH
from roqmock.journal import GRAPHQL, SOCKET
from roqmock.mock import RoqMock

PREFIX = CONTROL_PREFIX


def _guarded(handler: Handler) -> Handler:
    """The control API acts in the world the server header may act in: an environment's own, or (the
    server's environment) any session it names."""

    def guarded(mock: RoqMock, request: Request) -> Reply:
        check_server_header(mock, request)
        return handler(mock, request)

    return guarded


def _sees_every_session(mock: RoqMock, request: Request) -> bool:
    """The server's own credentials see every session; another environment's, only its own world."""
    return check_server_header(mock, request) == mock.settings.environment_id


def _body(request: Request) -> dict[str, Any]:
    return request.json_object() if request.body.strip() else {}


def world_summary(mock: RoqMock) -> dict[str, Any]:
    world = mock.store.world
    return {
        "seed": mock.baseline.seed,
        "baseline": "state"
        if mock.baseline.state is not None
        else "seeded"
        if mock.baseline.size
        else "empty",
        "empty": not world.users and not world.conversations,
        "users": len(world.users),
        "conversations": len(world.conversations),
        "messages": len(world.messages),
        "files": len(world.files),
    }


def health(mock: RoqMock, request: Request) -> Reply:
    return Reply(200, {"status": "ok", **world_summary(mock)})


def reset(mock: RoqMock, request: Request) -> Reply:
    """Back to the baseline; ``{"empty": true}`` makes the empty world the baseline."""
    body = _body(request)
    if body.get("empty") is True:
        mock.reset(Baseline(seed=mock.baseline.seed, size=None, locale=mock.baseline.locale))
    else:
        mock.reset()
    return Reply(200, world_summary(mock))


def baseline_from(body: Mapping[str, Any], current: Baseline) -> Baseline:
    """A baseline from ``{seed, users, conversations, messages, files, tenants, locale, empty}``."""
    try:
        return Baseline.from_options(body, current)
    except OptionError as error:
        field = {"field": error.option} if error.option not in (None, "locale") else {}
        raise BadRequest(str(error), error_code="BAD_REQUEST", **field) from None


def seed(mock: RoqMock, request: Request) -> Reply:
    mock.reset(baseline_from(_body(request), mock.baseline))
    return Reply(200, world_summary(mock))


def get_state(mock: RoqMock, request: Request) -> Reply:
    return Reply(200, mock.dump_state())


def put_state(mock: RoqMock, request: Request) -> Reply:
    """Load a world; with ``?baseline=true`` resets return to it."""
    as_baseline = _flag((request.query or {}).get("baseline"), "baseline") is True
    try:
        mock.load_state(request.json(), as_baseline=as_baseline)
    except ValueError as error:
        raise BadRequest(f"invalid state: {error}", error_code="INVALID_STATE") from None
    return Reply(200, world_summary(mock))


def _flag(value: str | None, name: str) -> bool | None:
    if value is None:
        return None
    if value in ("true", "false"):
        return value == "true"
    raise BadRequest(f"{name} must be true or false", error_code="BAD_REQUEST")


def get_requests(mock: RoqMock, request: Request) -> Reply:
    query = request.query or {}
    calls = mock.journal.calls(
        query.get("operation"),
        caller=query.get("caller"),
        ok=_flag(query.get("ok"), "ok"),
        transport=_transport(query.get("transport")),
    )
    return Reply(200, {"calls": [call.as_json() for call in calls], "count": len(calls)})


def _transport(value: Any) -> str | None:
    if value is None or value in (GRAPHQL, SOCKET):
        return None if value is None else str(value)
    raise BadRequest(f"transport must be {GRAPHQL} or {SOCKET}", error_code="BAD_REQUEST")


def delete_requests(mock: RoqMock, request: Request) -> Reply:
    mock.journal.clear()
    return Reply(200, {"count": 0})


def verify_requests(mock: RoqMock, request: Request) -> Reply:
    """``{operation, times?, asUser?, variables?, ok?}`` → ``{ok, expected, actual, matched}``."""
    body = _body(request)
    operation, times = body.get("operation"), body.get("times")
    if not isinstance(operation, str):
        raise BadRequest("operation is required", error_code="BAD_REQUEST")
    if times is not None and (not isinstance(times, int) or isinstance(times, bool) or times < 0):
        raise BadRequest("times must be a non-negative integer", error_code="BAD_REQUEST")
    variables = body.get("variables")
    if variables is not None and not isinstance(variables, dict):
        raise BadRequest("variables must be an object", error_code="BAD_REQUEST")
    verification = mock.journal.verify(
        operation,
        times=times,
        as_user=body.get("asUser"),
        variables=variables,
        ok=body.get("ok"),
        transport=_transport(body.get("transport")),
    )
    return Reply(200, verification.as_json())


def add_fault(mock: RoqMock, request: Request) -> Reply:
    """``{operation, latencyMs?, error?: {statusCode, errorCode?, message?}, probability?, count?}``."""
    return Reply(201, mock.faults.add(request.json_object()).as_json())


def list_faults(mock: RoqMock, request: Request) -> Reply:
    return Reply(200, {"faults": [fault.as_json() for fault in mock.faults.list()]})


def remove_faults(mock: RoqMock, request: Request) -> Reply:
    """Remove every fault, or one with ``?id=N``."""
    raw = (request.query or {}).get("id")
    if raw is not None and not (raw.isascii() and raw.isdigit()):
        raise BadRequest("id must be a fault id", error_code="BAD_REQUEST")
    return Reply(200, {"removed": mock.faults.remove(int(raw) if raw is not None else None)})


def list_sockets(mock: RoqMock, request: Request) -> Reply:
    """The live chat's connected sockets in this world; ``?all=true`` (the server's own credentials
    only) in every world."""
    every = _flag((request.query or {}).get("all"), "all") is True
    if every and not _sees_every_session(mock, request):
        raise Forbidden("An environment's credentials see only its own world's sockets")
    root = mock.root
    worlds = [root, *filter(None, map(root.existing_session, root.session_names()))] if every else [mock]
    sockets = [info.as_json() for world in worlds for info in world.live.sockets()]
    return Reply(200, {"sockets": sockets, "count": len(sockets)})


def list_emitted(mock: RoqMock, request: Request) -> Reply:
    """What the live chat sent in this world, oldest first; filters ``?event=``, ``?to=`` (a user id)."""
    query = request.query or {}
    to = query.get("to")
    if to is not None and not is_uuid(to):
        raise BadRequest("to must be a user id (a UUID)", error_code="BAD_REQUEST")
    emitted = mock.live.emitted(query.get("event"), to=None if to is None else to.lower())
    return Reply(200, {"emitted": [emission.as_json() for emission in emitted], "count": len(emitted)})


def delete_emitted(mock: RoqMock, request: Request) -> Reply:
    mock.live.clear()
    return Reply(200, {"count": 0})


def get_coverage(mock: RoqMock, request: Request) -> Reply:
    rows = mock.coverage.rows()
    untried = [row["rule"] for row in rows if not row["allowed"] and not row["denied"]]
    return Reply(200, {"rules": rows, "untried": untried})


def delete_coverage(mock: RoqMock, request: Request) -> Reply:
    mock.coverage.clear()
    return Reply(200, {"rules": mock.coverage.rows()})


def list_sessions(mock: RoqMock, request: Request) -> Reply:
    if _sees_every_session(mock, request):
        return Reply(200, {"sessions": mock.root.session_names()})
    return Reply(200, {"sessions": [name for name in mock.root.session_names() if name == mock.name]})


def end_sessions(mock: RoqMock, request: Request) -> Reply:
    """End every session, or one with ``?name=NAME``; their worlds are gone. Another environment's
    credentials end only that environment's own world."""
    name = (request.query or {}).get("name")
    if not _sees_every_session(mock, request):
        if name not in (None, mock.name):
            raise Forbidden("An environment's credentials end only its own world")
        name = mock.name
    return Reply(200, {"ended": mock.root.drop_sessions(name)})


CONTROL_ROUTES: dict[tuple[str, str], Handler] = {
    ("GET", HEALTH_PATH): health,
    ("POST", f"{PREFIX}/reset"): _guarded(reset),
    ("POST", f"{PREFIX}/seed"): _guarded(seed),
    ("GET", f"{PREFIX}/state"): _guarded(get_state),
    ("PUT", f"{PREFIX}/state"): _guarded(put_state),
    ("GET", f"{PREFIX}/requests"): _guarded(get_requests),
    ("DELETE", f"{PREFIX}/requests"): _guarded(delete_requests),
    ("POST", f"{PREFIX}/requests/verify"): _guarded(verify_requests),
    ("POST", f"{PREFIX}/faults"): _guarded(add_fault),
    ("GET", f"{PREFIX}/faults"): _guarded(list_faults),
    ("DELETE", f"{PREFIX}/faults"): _guarded(remove_faults),
    ("GET", f"{PREFIX}/sessions"): _guarded(list_sessions),
    ("DELETE", f"{PREFIX}/sessions"): _guarded(end_sessions),
    ("GET", f"{PREFIX}/sockets"): _guarded(list_sockets),
    ("GET", f"{PREFIX}/emitted"): _guarded(list_emitted),
    ("DELETE", f"{PREFIX}/emitted"): _guarded(delete_emitted),
    ("GET", f"{PREFIX}/coverage"): _guarded(get_coverage),
    ("DELETE", f"{PREFIX}/coverage"): _guarded(delete_coverage),
}
