"""uvicorn's HTTP protocol, writing each response in one piece.

uvicorn writes a response's head and body with two ``transport.write`` calls, so every answer costs two
system calls and, on loopback, two wake-ups of the client. The transport given to uvicorn's protocol here
gathers what is written during one turn of the event loop and sends it at the end of that turn, in one
call: a small answer leaves in one packet, as Node's servers send theirs. A large one (a file's bytes) is
handed over as its pieces, in one ``writelines`` (uvloop's writev), so its body is never copied to be joined.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

# Past this, joining what is pending would copy a large body (a 10 MB download, once per request) to save
# one system call that its own size already dwarfs.
JOIN_LIMIT = 64 * 1024


class CoalescingTransport:
    """A transport that sends what was written during one turn of the loop in one write."""

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport = transport
        self._loop = loop
        self._pending: list[bytes] = []

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if not self._pending:
            self._loop.call_soon(self.flush)
        self._pending.append(bytes(data))  # the same object when it is bytes: no copy

    def flush(self) -> None:
        if self._pending:
            pending = self._pending
            self._pending = []
            if self._transport.is_closing():
                return
            if sum(map(len, pending)) > JOIN_LIMIT:
                self._transport.writelines(pending)
            else:
                self._transport.write(b"".join(pending))

    def close(self) -> None:
        self.flush()
        self._transport.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class CoalescingHttpToolsProtocol(HttpToolsProtocol):
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        coalescing = CoalescingTransport(transport, self.loop)
        super().connection_made(coalescing)  # type: ignore[arg-type]
