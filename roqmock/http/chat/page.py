"""ROQ's own chat UI at ``/chat/``: ``<Chat/>`` from ``@roq/ui-react``, built from npm (``chat/``).

The build is made by ``npm ci --prefix chat && npm run --prefix chat build`` into
``roqmock/http/chat/static/``, which is not in git: the wheel's build hook (``hatch_build.py``) builds it
and ships it. Without it roqmock still serves everything else, and the page says how to build it.

The page acts as one user: ``?token=<a user's token>`` (checked here as the socket and the graphs check it),
or, where the sandbox is on (a loopback server), ``?user=<id, reference or email>``, for which roqmock mints
the token as the sandbox would.
"""

from __future__ import annotations

import html
import json
from importlib import resources

from roqmock.domain.errors import BadRequest, NotFound
from roqmock.domain.models import User
from roqmock.http.bundle import CSS, JS, REVALIDATE, Bundle
from roqmock.http.callers import check_user_token
from roqmock.http.exchange import HTML, Handler, Reply, Request
from roqmock.mock import RoqMock

__all__ = ["CHAT_ROUTES", "chat_page"]

PREFIX = "/chat"
ASSETS_PREFIX = f"{PREFIX}/assets"
ASSETS: dict[str, str] = {"chat.js": JS, "chat.css": CSS}  # as chat/vite.config.js names them
BUILD_COMMAND = "npm ci --prefix chat && npm run --prefix chat build"
MISSING = (
    "roqmock's copy of ROQ's chat UI is not built: run `" + BUILD_COMMAND + "` in roqmock's checkout "
    "(needs Node and npm), or reinstall roqmock where npm is on the PATH.\n"
)
BUNDLE = Bundle(
    "chat", resources.files(__package__ or "roqmock.http.chat").joinpath("static", "assets"), ASSETS, MISSING
)
# The page holds a token: never stored, never sent on as a referrer.
PRIVATE = (("cache-control", "no-store"), ("referrer-policy", "no-referrer"))

_PAGE = """<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>ROQ chat on roqmock</title>
    <link rel="icon" href="data:," />
    <style>html, body, #chat {{ height: 100%; margin: 0; }} .roqmock-chat {{ height: 100dvh; }}</style>
    <link rel="stylesheet" href="{prefix}/chat.css?v={stamp}" />
    <script id="roqmock-chat" type="application/json">{config}</script>
    <script type="module" src="{prefix}/chat.js?v={stamp}"></script>
  </head>
  <body>
    <div id="chat"></div>
  </body>
</html>
"""


def page_html(built: str, host: str | None, token: str) -> str:
    # JSON inside <script>: no "<" or ">" at all, so neither "</script" nor "<!--" (which makes the
    # parser run the element on past its end tag) can appear; "&" too, for good measure.
    config = json.dumps({"host": host, "token": token})
    config = config.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return _PAGE.format(prefix=ASSETS_PREFIX, stamp=html.escape(built), config=config)


def chat_page(mock: RoqMock, request: Request) -> Reply:
    """ROQ's ``<Chat/>`` as one user, or a one-line note on how to build it (HTTP 503)."""
    built = BUNDLE.stamp()
    if built is None:
        return Reply(503, MISSING, "text/plain; charset=utf-8", headers=REVALIDATE)
    query = request.query or {}
    token = query.get("token")
    wanted = query.get("user")
    if token is not None and wanted is not None:
        raise BadRequest("Give ?token= or ?user=, not both", error_code="BAD_REQUEST")
    if token is not None:
        token = checked_token(mock, token)
    elif wanted is not None:
        token = minted_token(mock, wanted)
    else:
        return Reply(200, _how_to_open(mock), HTML, headers=REVALIDATE)
    return Reply(200, page_html(built, request.origin(), token), HTML, headers=PRIVATE)


_HOW_TO_OPEN = """<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>ROQ chat on roqmock</title>
    <link rel="icon" href="data:," />
  </head>
  <body>
    <h1>ROQ's chat UI on roqmock</h1>
    <p>Open it as a user: <code>/chat/?token=&lt;a user's token&gt;</code>.</p>
    <p>{by_user}</p>
  </body>
</html>
"""


def _how_to_open(mock: RoqMock) -> str:
    """The page for ``/chat/`` without a user: how to name one."""
    if mock.settings.sandbox:
        by_user = (
            "Or, on this server, <code>/chat/?user=&lt;id, reference or email&gt;</code>; "
            'the <a href="/">sandbox</a> links each user\'s chat.'
        )
    else:
        by_user = "<code>/chat/?user=</code> is served only where the sandbox is on (a loopback server)."
    return _HOW_TO_OPEN.format(by_user=by_user)


def checked_token(mock: RoqMock, token: str) -> str:
    """``token`` if the chat's socket would take it: this server's, unexpired, a user's, who exists."""
    return check_user_token(mock, token, missing="Missing token: open /chat/?token=<a user's token>").token


def minted_token(mock: RoqMock, wanted: str) -> str:
    """A token for the user with id, reference or email ``wanted``: only where the sandbox is on, which
    already hands out the API key (a loopback server, or ``--sandbox``)."""
    if not mock.settings.sandbox:
        raise NotFound(
            "/chat/?user= is served only where the sandbox is on (a loopback server, or --sandbox): "
            "open /chat/?token=<a user's token>",
            error_code="SANDBOX_DISABLED",
        )
    user = _find_user(mock, wanted.strip())
    if user is None:
        raise NotFound(f"No user has the id, reference or email {wanted!r}", error_code="USER_NOT_FOUND")
    return mock.tokens.issue(user.id, tenant_id=user.tenant_id, environment_id=mock.settings.environment_id)


def _find_user(mock: RoqMock, wanted: str) -> User | None:
    with mock.store.lock:
        users = mock.store.world.users
        found = users.get(wanted.lower())  # ids are lower-case UUIDs; one in upper case is the same id
        if found is not None:
            return found
        for user in users.values():
            if user.reference == wanted or user.email.lower() == wanted.lower():
                return user
    return None


CHAT_ROUTES: dict[tuple[str, str], Handler] = {
    ("GET", PREFIX): chat_page,
    **{("GET", f"{ASSETS_PREFIX}/{name}"): BUNDLE.handler(name) for name in ASSETS},
}
