"""Front-end builds roqmock serves (the GraphiQL explorer, ROQ's chat UI): npm's output, shipped in the
wheel and not in git (``hatch_build.py`` builds them), read once, stamped, and served with the cache
headers a stamped URL earns.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib.resources.abc import Traversable

from roqmock.domain.errors import NotFound
from roqmock.http.exchange import Handler, Reply, Request
from roqmock.mock import RoqMock

__all__ = ["CSS", "FOREVER", "JS", "REVALIDATE", "Bundle"]

JS = "text/javascript; charset=utf-8"
CSS = "text/css; charset=utf-8"
# A stamped URL (?v=<stamp>) names one build's bytes for good; the page itself is asked for each time.
FOREVER = (("cache-control", "public, max-age=31536000, immutable"),)
REVALIDATE = (("cache-control", "no-cache"),)


@dataclass
class Bundle:
    """One build: its folder, its files (name: content type), and the note a missing build answers."""

    name: str
    folder: Traversable
    assets: Mapping[str, str]
    missing: str
    _texts: dict[str, str | None] = field(default_factory=dict, repr=False)
    _stamp: tuple[str | None] | None = field(default=None, repr=False)  # (stamp,) once computed

    def asset(self, name: str) -> str | None:
        """A built file's text, or None when the build is missing."""
        if name not in self._texts:
            path = self.folder.joinpath(name)
            self._texts[name] = path.read_text(encoding="utf-8") if path.is_file() else None
        return self._texts[name]

    def built(self) -> bool:
        """Whether every file of the build is there, without reading them: ``roqmock serve``'s banner asks
        at start, and reading and stamping a build of megabytes is for the first page that serves it."""
        if self._stamp is not None:
            return self._stamp[0] is not None
        return all(self.folder.joinpath(name).is_file() for name in self.assets)

    def stamp(self) -> str | None:
        """A digest of the whole build, or None when any file is missing."""
        if self._stamp is None:
            texts = [self.asset(name) for name in self.assets]
            if any(text is None for text in texts):
                self._stamp = (None,)
            else:
                digest = hashlib.sha256()
                for text in texts:
                    digest.update((text or "").encode())
                self._stamp = (digest.hexdigest()[:16],)
        return self._stamp[0]

    def forget(self) -> None:
        """Read the files again (a rebuild, or a test that points the bundle elsewhere)."""
        self._texts.clear()
        self._stamp = None

    def handler(self, name: str) -> Handler:
        """The route of one file: cached for good under its stamp, revalidated otherwise."""

        def serve(mock: RoqMock, request: Request) -> Reply:
            text = self.asset(name)
            if text is None:
                raise NotFound(self.missing.strip(), error_code=f"{self.name.upper()}_NOT_BUILT")
            stamped = (request.query or {}).get("v") == self.stamp()
            return Reply(200, text, self.assets[name], headers=FOREVER if stamped else REVALIDATE)

        serve.__name__ = f"{self.name}_{name.replace('.', '_')}"
        return serve
