"""The explorer's page and its assets: GraphiQL bundled from npm (``explorer/`` in the checkout).

The bundle is built by ``npm ci --prefix explorer && npm run --prefix explorer build`` into
``roqmock/http/explorer/static/``, which is not in git: the wheel's build hook (``hatch_build.py``) builds it
and ships it. Without it roqmock still serves everything else, and the page says how to build it.
"""

from __future__ import annotations

import hashlib
import html
import json
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable

from roqmock.domain.errors import NotFound
from roqmock.http.exchange import HTML, Handler, Reply, Request
from roqmock.http.paths import CONTROL_PREFIX
from roqmock.mock import RoqMock

PREFIX = f"{CONTROL_PREFIX}/explorer"
JS = "text/javascript; charset=utf-8"
CSS = "text/css; charset=utf-8"
ASSETS: dict[str, str] = {
    "explorer.js": JS,
    "explorer.css": CSS,
    "editor.worker.js": JS,
    "json.worker.js": JS,
    "graphql.worker.js": JS,
}
BUILD_COMMAND = "npm ci --prefix explorer && npm run --prefix explorer build"
MISSING = (
    "roqmock's GraphiQL explorer is not built: run `" + BUILD_COMMAND + "` in roqmock's checkout "
    "(needs Node and npm), or reinstall roqmock where npm is on the PATH.\n"
)
# A stamped URL (?v=<stamp>) names one build's bytes for good; the page itself is asked for each time.
FOREVER = (("cache-control", "public, max-age=31536000, immutable"),)
REVALIDATE = (("cache-control", "no-cache"),)

DEFAULT_QUERY = """# roqmock: ROQ's chat API, in memory.
# Set two headers (Headers tab below), then run the query:
#   roq-platform-authorization: Bearer <token from POST /v01/authorize>
#   roq-platform-server-authorization: Basic base64(environmentId:apiKey)

query conversations {
  conversations(limit: 10) {
    totalCount
    data { id title isGroup archived tags { data { tag } } }
  }
}
"""

_PAGE = """<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>roqmock explorer</title>
    <style>body {{ margin: 0; }} #graphiql {{ height: 100dvh; }}</style>
    <link rel="stylesheet" href="{prefix}/explorer.css?v={stamp}" />
    <script id="roqmock-explorer" type="application/json">{config}</script>
    <script type="module" src="{prefix}/explorer.js?v={stamp}"></script>
  </head>
  <body>
    <div id="graphiql">Loading roqmock explorer…</div>
  </body>
</html>
"""


def _static() -> Traversable:
    return resources.files(__package__ or "roqmock.http.explorer").joinpath("static")


@cache
def asset(name: str) -> str | None:
    """A built asset's text, or None when the bundle is not built."""
    path = _static().joinpath(name)
    return path.read_text(encoding="utf-8") if path.is_file() else None


@cache
def stamp() -> str | None:
    """A digest of the whole build, or None when any asset is missing."""
    digest = hashlib.sha256()
    for name in ASSETS:
        text = asset(name)
        if text is None:
            return None
        digest.update(text.encode())
    return digest.hexdigest()[:16]


@cache
def page_html() -> str | None:
    built = stamp()
    if built is None:
        return None
    # JSON inside <script>: "</" must not close the element.
    config = json.dumps({"query": DEFAULT_QUERY}).replace("</", "<\\/")
    return _PAGE.format(prefix=PREFIX, stamp=html.escape(built), config=config)


def explorer_page() -> Reply:
    """GraphiQL, or a one-line note on how to build it (HTTP 503) when the bundle is missing."""
    page = page_html()
    if page is None:
        return Reply(503, MISSING, "text/plain; charset=utf-8", headers=REVALIDATE)
    return Reply(200, page, HTML, headers=REVALIDATE)


def _serve(name: str) -> Handler:
    def serve(mock: RoqMock, request: Request) -> Reply:
        text = asset(name)
        if text is None:
            raise NotFound(MISSING.strip(), error_code="EXPLORER_NOT_BUILT")
        stamped = (request.query or {}).get("v") == stamp()
        return Reply(200, text, ASSETS[name], headers=FOREVER if stamped else REVALIDATE)

    serve.__name__ = f"explorer_{name.replace('.', '_')}"
    return serve


EXPLORER_ROUTES: dict[tuple[str, str], Handler] = {
    ("GET", f"{PREFIX}/{name}"): _serve(name) for name in ASSETS
}
