"""Hatch build hook: bundles roqmock's two browser pages with npm before a wheel (or an editable install) is
built: the GraphiQL explorer (``explorer/``) and ROQ's own chat UI (``chat/``).

Each bundle (``roqmock/http/explorer/static/``, ``roqmock/http/chat/static/``) is built output, so it is
not in git; the wheel and the sdist ship it as an artifact. It is rebuilt when it is missing or older than its
sources. Without npm the build goes on with a warning: roqmock then serves everything but that page, which
says how to build it.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any, NamedTuple

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class Bundle(NamedTuple):  # not a dataclass: hatchling loads this file outside sys.modules
    title: str
    sources: str  # the npm project, at the checkout's top
    static: str  # where its build writes
    assets: tuple[str, ...]  # as the page module serves them
    config: str  # the build's own script or config, an input beside the lockfile and src/


BUNDLES = (
    Bundle(
        "roqmock's GraphiQL explorer",
        "explorer",
        "roqmock/http/explorer/static",
        # as in roqmock/http/explorer/page.py
        ("explorer.js", "explorer.css", "editor.worker.js", "json.worker.js", "graphql.worker.js"),
        "build.mjs",
    ),
    Bundle(
        "ROQ's chat UI (/chat/)",
        "chat",
        "roqmock/http/chat/static",
        ("assets/chat.js", "assets/chat.css"),  # as in roqmock/http/chat/page.py
        "vite.config.js",
    ),
)


class BrowserPagesBuildHook(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        root = Path(self.root)
        for bundle in BUNDLES:
            self._build(root, bundle)

    def _build(self, root: Path, bundle: Bundle) -> None:
        sources = root / bundle.sources
        if not (sources / "package-lock.json").is_file():
            return  # an sdist or wheel built without the page's sources: ship what is there
        if _fresh(sources, root / bundle.static, bundle):
            return
        npm = shutil.which("npm")
        if npm is None:
            self.app.display_warning(
                f"npm is not on the PATH: {bundle.title} is not bundled (run `npm ci --prefix "
                f"{bundle.sources} && npm run --prefix {bundle.sources} build`, then build again)"
            )
            return
        self.app.display_info(f"Bundling {bundle.title} with npm ({bundle.sources}/)")
        installed = sources / "node_modules" / ".package-lock.json"  # npm writes it on each install
        lockfile = sources / "package-lock.json"
        if not installed.is_file() or installed.stat().st_mtime < lockfile.stat().st_mtime:
            subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=sources, check=True)
        subprocess.run([npm, "run", "build"], cwd=sources, check=True)


def _fresh(sources: Path, static: Path, bundle: Bundle) -> bool:
    built = [static / name for name in bundle.assets]
    if not all(path.is_file() for path in built):
        return False
    oldest = min(path.stat().st_mtime for path in built)
    inputs = [sources / "package-lock.json", sources / bundle.config, *(sources / "src").rglob("*")]
    return all(path.stat().st_mtime <= oldest for path in inputs if path.is_file())
