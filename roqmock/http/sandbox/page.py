"""The sandbox's routes: the page, its static assets (package files, no build step) and its config.

The page is plain HTML, CSS and a vanilla JS module, served from this package so that it works offline.
It talks to roqmock exactly as ROQ's SDK talks to ROQ: tokens from ``/v01/authorize*``, GraphQL on
``/v01/server/graphql`` with both headers, and the control API for the journal.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

from roqmock.domain.errors import NotFound
from roqmock.http.exchange import HTML, JSON, Handler, Reply, Request
from roqmock.http.paths import CONTROL_PREFIX
from roqmock.mock import RoqMock

PREFIX = f"{CONTROL_PREFIX}/sandbox"
GRAPHQL_PATH = "/v01/server/graphql"

_ASSETS: dict[str, str] = {
    "index.html": HTML,
    "app.js": "text/javascript; charset=utf-8",
    "style.css": "text/css; charset=utf-8",
}


@cache
def asset(name: str) -> str:
    """A static file of the sandbox, read from the installed package."""
    if name not in _ASSETS:
        raise KeyError(name)
    return resources.files(__package__ or "roqmock.http.sandbox").joinpath(name).read_text(encoding="utf-8")


def _enabled(mock: RoqMock) -> None:
    if not mock.settings.sandbox:
        raise NotFound(
            "The sandbox is off: roqmock serve turns it on for loopback hosts, or with --sandbox",
            error_code="SANDBOX_DISABLED",
        )


def _serve(name: str) -> Handler:
    def serve(mock: RoqMock, request: Request) -> Reply:
        _enabled(mock)
        return Reply(200, asset(name), _ASSETS[name])

    serve.__name__ = f"sandbox_{name.replace('.', '_')}"
    return serve


def config(mock: RoqMock, request: Request) -> Reply:
    """The credentials the page needs to ask for tokens, as ROQ's SDK does with them.

    This hands the API key to anyone who can load the page. That is fine for what the sandbox is: a local
    demo tool for a mock bound to loopback (``roqmock serve`` binds 127.0.0.1 by default) holding fake data.
    """
    _enabled(mock)
    settings = mock.settings
    body = {
        "environmentId": settings.environment_id,
        "apiKey": settings.api_key,
        "graphqlUrl": GRAPHQL_PATH,
    }
    return Reply(200, body, JSON)


SANDBOX_ROUTES: dict[tuple[str, str], Handler] = {
    ("GET", "/"): _serve("index.html"),
    ("GET", f"{PREFIX}/config"): config,
    ("GET", f"{PREFIX}/app.js"): _serve("app.js"),
    ("GET", f"{PREFIX}/style.css"): _serve("style.css"),
}
