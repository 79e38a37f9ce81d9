"""The explorer's page and its assets: GraphiQL bundled from npm (``explorer/`` in the checkout).

The bundle is built by ``npm ci --prefix explorer && npm run --prefix explorer build`` into
``roqmock/http/explorer/static/``, which is not in git: the wheel's build hook (``hatch_build.py``) builds it
and ships it. Without it roqmock still serves everything else, and the page says how to build it.
"""

from __future__ import annotations

import html
import json
from importlib import resources

from roqmock.http.bundle import CSS, JS, REVALIDATE, Bundle
from roqmock.http.exchange import HTML, Handler, Reply
from roqmock.http.paths import CONTROL_PREFIX

PREFIX = f"{CONTROL_PREFIX}/explorer"
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
BUNDLE = Bundle(
    "explorer", resources.files(__package__ or "roqmock.http.explorer").joinpath("static"), ASSETS, MISSING
)

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


def page_html() -> str | None:
    built = BUNDLE.stamp()
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


EXPLORER_ROUTES: dict[tuple[str, str], Handler] = {
    ("GET", f"{PREFIX}/{name}"): BUNDLE.handler(name) for name in ASSETS
}
