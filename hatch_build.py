"""Hatch build hook: bundles the GraphiQL explorer with npm before a wheel (or an editable install) is built.

The bundle (``roqmock/http/explorer/static/``) is built output, so it is not in git; the wheel and the
sdist ship it as an artifact. It is rebuilt when it is missing or older than its sources (``explorer/``).
Without npm the build goes on with a warning: roqmock then serves everything but the explorer, whose page
says how to build it.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

ASSETS = (  # as in roqmock/http/explorer/page.py
    "explorer.js",
    "explorer.css",
    "editor.worker.js",
    "json.worker.js",
    "graphql.worker.js",
)


class ExplorerBuildHook(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        root = Path(self.root)
        sources = root / "explorer"
        static = root / "roqmock" / "http" / "explorer" / "static"
        if not (sources / "package-lock.json").is_file():
            return  # an sdist or wheel built without the explorer's sources: ship what is there
        if _fresh(sources, static):
            return
        npm = shutil.which("npm")
        if npm is None:
            self.app.display_warning(
                "npm is not on the PATH: roqmock's GraphiQL explorer is not bundled "
                "(run `npm ci --prefix explorer && npm run --prefix explorer build`, then build again)"
            )
            return
        self.app.display_info("Bundling roqmock's GraphiQL explorer with npm (explorer/)")
        installed = sources / "node_modules" / ".package-lock.json"  # npm writes it on each install
        lockfile = sources / "package-lock.json"
        if not installed.is_file() or installed.stat().st_mtime < lockfile.stat().st_mtime:
            subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=sources, check=True)
        subprocess.run([npm, "run", "build"], cwd=sources, check=True)


def _fresh(sources: Path, static: Path) -> bool:
    built = [static / name for name in ASSETS]
    if not all(path.is_file() for path in built):
        return False
    oldest = min(path.stat().st_mtime for path in built)
    inputs = [sources / "package-lock.json", sources / "build.mjs", *(sources / "src").rglob("*")]
    return all(path.stat().st_mtime <= oldest for path in inputs if path.is_file())
