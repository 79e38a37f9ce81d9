"""roqmock: a faithful in-memory mock of ROQ's Chat API.

What users build on is importable from here (``from roqmock import Roq, RoqServer``); each name loads its
module on first use, so ``import roqmock`` (and the pytest plugin) stays cheap.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from roqmock import strategies
    from roqmock.api.engine import GraphQLEngine
    from roqmock.baseline import Baseline
    from roqmock.client import HttpSession, RoqClient, RoqHttpError
    from roqmock.config import Settings
    from roqmock.domain.models import Conversation, File, Message, User
    from roqmock.journal import Call
    from roqmock.live import Emission
    from roqmock.live_kit import LiveSocket, SocketRefused, SocketTimeout
    from roqmock.mock import RoqMock
    from roqmock.seed import WorldSize
    from roqmock.testing import Roq, RoqKit, RoqServer, WorldView, running_server, start_server
    from roqmock.transport import AsyncRoqTransport, RoqTransport

    __version__: str

__all__ = [
    "AsyncRoqTransport",
    "Baseline",
    "Call",
    "Conversation",
    "Emission",
    "File",
    "GraphQLEngine",
    "HttpSession",
    "LiveSocket",
    "Message",
    "Roq",
    "RoqClient",
    "RoqHttpError",
    "RoqKit",
    "RoqMock",
    "RoqServer",
    "RoqTransport",
    "Settings",
    "SocketRefused",
    "SocketTimeout",
    "User",
    "WorldSize",
    "WorldView",
    "__version__",
    "running_server",
    "start_server",
    "strategies",
]

# Where each public name lives; a module named for itself is a submodule.
_HOMES = {
    "AsyncRoqTransport": "roqmock.transport",
    "Baseline": "roqmock.baseline",
    "Call": "roqmock.journal",
    "Conversation": "roqmock.domain.models",
    "Emission": "roqmock.live",
    "File": "roqmock.domain.models",
    "GraphQLEngine": "roqmock.api.engine",
    "HttpSession": "roqmock.client",
    "LiveSocket": "roqmock.live_kit",
    "Message": "roqmock.domain.models",
    "Roq": "roqmock.testing",
    "RoqClient": "roqmock.client",
    "RoqHttpError": "roqmock.client",
    "RoqKit": "roqmock.testing",
    "RoqMock": "roqmock.mock",
    "RoqServer": "roqmock.testing",
    "RoqTransport": "roqmock.transport",
    "Settings": "roqmock.config",
    "SocketRefused": "roqmock.live_kit",
    "SocketTimeout": "roqmock.live_kit",
    "User": "roqmock.domain.models",
    "WorldSize": "roqmock.seed",
    "WorldView": "roqmock.testing",
    "running_server": "roqmock.testing",
    "start_server": "roqmock.testing",
    "strategies": "roqmock.strategies",
}


def _version() -> str:
    # importlib.metadata costs ~50 ms to import and to scan the installed distributions: only on demand.
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("roqmock")
    except PackageNotFoundError:  # a checkout on sys.path, not installed
        return "0+unknown"


def __getattr__(name: str) -> Any:
    if name == "__version__":
        globals()[name] = found = _version()
        return found
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'roqmock' has no attribute {name!r}")
    module = import_module(home)
    value = module if home == f"roqmock.{name}" else getattr(module, name)
    globals()[name] = value  # once loaded, an ordinary attribute
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
