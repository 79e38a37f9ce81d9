"""``roqmock serve``: ROQ's chat API on a socket, on seeded demo data or empty."""

from __future__ import annotations

import argparse
import base64
import gc
import ipaddress
import json
import socket
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import uvicorn

from roqmock.api.cost import DEFAULT_MAX_COST
from roqmock.app import create_app
from roqmock.config import (
    DEFAULT_API_KEY,
    DEFAULT_ENVIRONMENT_ID,
    DEFAULT_MAX_BODY_BYTES,
    DEFAULT_MAX_HEADER_BYTES,
    Settings,
)
from roqmock.domain.lists import DEFAULT_MAX_LIMIT
from roqmock.domain.permissions import DEFAULT_USER_ROLE, Role, parse_permission
from roqmock.mock import Baseline, RoqMock
from roqmock.seed import DEMO, WorldSize
from roqmock.wire import CoalescingHttpToolsProtocol

DEFAULT_SEED = 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="roqmock", description="A faithful in-memory mock of ROQ's Chat API."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="start the server")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default: loopback only)")
    serve.add_argument(
        "--port", type=int, default=4000, help="port to bind; 0 picks a free one (default: 4000)"
    )
    serve.add_argument("--environment-id", default=DEFAULT_ENVIRONMENT_ID)
    serve.add_argument("--api-key", default=DEFAULT_API_KEY)
    serve.add_argument(
        "--token-secret",
        default=None,
        help="HS256 secret for tokens, at least 32 bytes (default: random per run)",
    )
    _world_arguments(serve)
    serve.add_argument("--state", type=Path, default=None, help="start from a state file (roqmock export)")
    serve.add_argument(
        "--max-limit", type=int, default=DEFAULT_MAX_LIMIT, help="largest page (default: 1000)"
    )
    serve.add_argument("--max-depth", type=int, default=4, help="deepest query, data levels not counted")
    serve.add_argument("--roles", type=Path, default=None, help="JSON file of role definitions")
    serve.add_argument(
        "--max-body-bytes", type=int, default=DEFAULT_MAX_BODY_BYTES, help="larger bodies get 413"
    )
    serve.add_argument(
        "--max-header-bytes", type=int, default=DEFAULT_MAX_HEADER_BYTES, help="larger headers get 431"
    )
    serve.add_argument(
        "--max-cost", type=int, default=DEFAULT_MAX_COST, help="most fields one document may select"
    )
    serve.add_argument(
        "--cors-origin",
        action="append",
        default=[],
        metavar="ORIGIN",
        help="let browser pages from ORIGIN call the server (repeatable; * for any); default: CORS off",
    )
    serve.add_argument(
        "--sandbox",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="serve the demo sandbox at / (default: only when the host is loopback)",
    )
    serve.add_argument("--log-level", default="warning")
    export = commands.add_parser("export", help="write a seeded world as a state file (JSON)")
    _world_arguments(export)
    export.add_argument("--output", "-o", type=Path, default=None, help="file to write (default: stdout)")
    return parser


def _world_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="seed of the world and of ids")
    parser.add_argument("--empty", action="store_true", help="no data at all")
    parser.add_argument("--users", type=int, default=DEMO.users)
    parser.add_argument("--conversations", type=int, default=DEMO.conversations)
    parser.add_argument("--messages", type=int, default=DEMO.messages)
    parser.add_argument("--files", type=int, default=DEMO.files)
    parser.add_argument("--tenants", type=int, default=DEMO.tenants)
    parser.add_argument("--locale", default="en_US", help="Faker locale of the world (default: en_US)")


def _baseline(args: argparse.Namespace) -> Baseline:
    if args.empty:
        return Baseline(seed=args.seed, size=None, locale=args.locale)
    size = WorldSize(
        users=args.users,
        conversations=args.conversations,
        messages=args.messages,
        files=args.files,
        tenants=args.tenants,
    )
    return Baseline(seed=args.seed, size=size, locale=args.locale)


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def load_roles(path: Path | None) -> dict[str, Role]:
    """Roles from JSON: ``{"key": {"name": ..., "permissions": ["Conversation:read:all", ...]}}``."""
    roles = {DEFAULT_USER_ROLE.key: DEFAULT_USER_ROLE}
    if path is None:
        return roles
    raw: Any = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(raw, Mapping):
        raise ValueError("the roles file must hold a JSON object of role key -> role")
    for key, spec in raw.items():
        if not isinstance(spec, Mapping):
            raise ValueError(f"role {key!r} must be an object")
        roles[key] = Role(
            key=key,
            name=str(spec.get("name", key)),
            description=spec.get("description"),
            permissions=tuple(parse_permission(text) for text in spec.get("permissions", ())),
        )
    return roles


def make_mock(args: argparse.Namespace) -> RoqMock:
    settings = Settings(
        environment_id=args.environment_id,
        api_key=args.api_key,
        max_limit=args.max_limit,
        max_depth=args.max_depth,
        roles=load_roles(args.roles),
        sandbox=args.sandbox if args.sandbox is not None else _is_loopback(args.host),
        max_body_bytes=_positive("--max-body-bytes", args.max_body_bytes),
        max_header_bytes=_positive("--max-header-bytes", args.max_header_bytes),
        max_cost=_positive("--max-cost", args.max_cost),
        cors_origins=tuple(args.cors_origin),
        **({"token_secret": args.token_secret} if args.token_secret is not None else {}),
    )
    mock = RoqMock(settings, baseline=_baseline(args))
    if args.state is not None:
        mock.load_state(json.loads(args.state.read_text(encoding="utf-8")), as_baseline=True)
    return mock


def _positive(flag: str, value: int) -> int:
    if value < 1:
        raise ValueError(f"{flag} must be at least 1")
    return value


def banner(mock: RoqMock, url: str) -> str:
    settings = mock.settings
    basic = base64.b64encode(f"{settings.environment_id}:{settings.api_key}".encode()).decode()
    users = sorted(mock.store.world.users.values(), key=lambda user: user.reference)
    lines = [
        f"roqmock is serving ROQ's chat API at {url}",
        f"  server graph   {url}/v01/server/graphql   (GET it in a browser for the explorer)",
        f"  sandbox        {url}/" if settings.sandbox else "  sandbox        off (--sandbox turns it on)",
        f"  control API    {url}/__roqmock/health, reset, seed, state, requests, faults, sessions, coverage",
        f"  environment id {settings.environment_id}",
        *(
            [
                f"  api key        {settings.api_key}",
                f"  server header  roq-platform-server-authorization: Basic {basic}",
            ]
            if settings.api_key == DEFAULT_API_KEY
            else ["  api key        the one given with --api-key (a secret: not printed)"]
        ),
        "  tokens         POST /v01/authorize/serviceAccount {email, environmentId, apiKey}",
        "                 POST /v01/authorize {environmentId, apiKey, userId} with the service token",
        f"  world          {len(users)} users, {len(mock.store.world.conversations)} conversations, "
        f"{len(mock.store.world.messages)} messages",
    ]
    for user in users[:6]:
        lines.append(
            f"    {user.reference:<10} {user.id}  {user.first_name or ''} {user.last_name or ''}".rstrip()
        )
    lines.append("  from ROQ's SDK: new Platform({environmentId, apiKey, host: '" + url + "'})")
    return "\n".join(lines)


def bind_socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto must be TCP: asyncio sets TCP_NODELAY only on such sockets, and without it every
    # keep-alive answer waits 40 ms for the client's delayed ACK between headers and body.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, port))
    return sock


def serve(args: argparse.Namespace) -> None:
    mock = make_mock(args)
    # The seeded world lives as long as the server: keep the cyclic collector from walking it again
    # and again while requests run (a full collection of a big world takes milliseconds).
    gc.collect()
    gc.freeze()
    sock = bind_socket(args.host, args.port)
    port = sock.getsockname()[1]
    host = f"[{args.host}]" if sock.family == socket.AF_INET6 else args.host
    print(banner(mock, f"http://{host}:{port}"), flush=True)
    # A loopback mock behind no proxy: no proxy-header rewriting, no "server" header to build.
    config = uvicorn.Config(
        create_app(mock),
        log_level=args.log_level,
        access_log=False,
        proxy_headers=False,
        server_header=False,
        http=CoalescingHttpToolsProtocol,
    )
    uvicorn.Server(config).run(sockets=[sock])


def export(args: argparse.Namespace) -> None:
    state = json.dumps(RoqMock(baseline=_baseline(args)).dump_state(), indent=2, ensure_ascii=False)
    if args.output is None:
        print(state)
    else:
        args.output.write_text(state + "\n", encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "serve":
            serve(args)
        elif args.command == "export":
            export(args)
    except (ValueError, OSError, AttributeError) as error:
        print(f"roqmock: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
