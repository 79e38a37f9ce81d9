"""``roqmock serve`` and ``roqmock export``: ROQ's chat API on a socket, and seeded worlds as state files.

User input never ends in a traceback: flags are checked as they are parsed (a usage line and status 2),
files and ports fail with one line that names them (status 2 for bad input, 1 when the machine refuses,
such as a port in use), and Ctrl-C stops quietly with status 130.
"""

from __future__ import annotations

import argparse
import errno
import gc
import ipaddress
import json
import os
import re
import socket
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import uvicorn
from uvicorn.config import LOG_LEVELS

from roqmock.api.cost import DEFAULT_MAX_COST, DEFAULT_MAX_DEPTH
from roqmock.auth import server_header
from roqmock.baseline import WORLD_OPTIONS, Baseline, OptionError
from roqmock.config import (
    DEFAULT_API_KEY,
    DEFAULT_ENVIRONMENT_ID,
    DEFAULT_MAX_BODY_BYTES,
    DEFAULT_MAX_HEADER_BYTES,
    DEFAULT_MAX_SOCKETS,
    DEFAULT_SOCKET_QUEUE,
    DEFAULT_SOCKET_RATE,
    MIN_TOKEN_SECRET_BYTES,
    Settings,
)
from roqmock.domain.categories import DEFAULT_FILE_CATEGORIES, CategorySpec, category_from_json
from roqmock.domain.lists import DEFAULT_MAX_LIMIT
from roqmock.domain.models import User
from roqmock.domain.roles import DEFAULT_USER_ROLE, Role, role_from_json
from roqmock.domain.store import DEFAULT_MAX_FILE_BYTES, natural_key
from roqmock.http.app import create_app
from roqmock.http.chat import page as chat_page
from roqmock.http.wire import CoalescingHttpToolsProtocol
from roqmock.mock import RoqMock, uncollected
from roqmock.seed import DEMO, MAX_SIZES, SIZE_NAMES, is_faker_locale
from roqmock.state import StateError, dump_world, state_seed
from roqmock.uploads import DEFAULT_DOWNLOAD_LIFETIME_S, DEFAULT_UPLOAD_LIFETIME_S

DEFAULT_SEED = 1
INTERRUPTED = 130  # the shell's status for a process stopped by SIGINT (128 + 2)
BANNER_USERS = 8  # the banner lists this many users, and says how many more there are


class CliError(Exception):
    """A problem with what the user gave (status 2) or with what the machine allows (status 1)."""

    def __init__(self, message: str, *, status: int = 2) -> None:
        super().__init__(message)
        self.status = status


class _HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Every option's help ends with its default, in words when the value alone would not say it."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        if "(default:" in text or not action.option_strings or action.default is argparse.SUPPRESS:
            return text
        if action.default is False or action.default is None or action.default == []:
            return f"{text} (default: off)"
        return f"{text} (default: %(default)s)"


def _whole(low: int, high: int | None = None) -> Callable[[str], int]:
    """An argparse type: a whole number from ``low`` to ``high``."""

    def whole(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, not {text!r}") from None
        if value < low or (high is not None and value > high):
            bound = f"at least {low:,}" if high is None else f"from {low:,} to {high:,}"
            raise argparse.ArgumentTypeError(f"must be {bound}, not {value}")
        return value

    return whole


def _token_secret(text: str) -> str:
    if len(text.encode("utf-8", "surrogatepass")) < MIN_TOKEN_SECRET_BYTES:
        raise argparse.ArgumentTypeError(
            f"the token secret must be at least {MIN_TOKEN_SECRET_BYTES} bytes (RFC 7518, section 3.2)"
        )
    return text


def _public_url(text: str) -> str:
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an http(s) URL without a query, like http://host:4000"
        )
    return text.rstrip("/")


def _locale(text: str) -> str:
    if not is_faker_locale(text):
        raise argparse.ArgumentTypeError(f"{text!r} is not a Faker locale (such as en_US or de_DE)")
    return text


def _version() -> str:
    from importlib import metadata  # ~30 ms: only for --version

    try:
        return metadata.version("roqmock")
    except metadata.PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown"


class _Version(argparse.Action):
    """``--version``, which looks the version up only when asked."""

    def __init__(self, option_strings: Sequence[str], dest: str, help: str | None = None) -> None:
        super().__init__(
            option_strings, dest=argparse.SUPPRESS, default=argparse.SUPPRESS, nargs=0, help=help
        )

    def __call__(self, parser: argparse.ArgumentParser, *args: Any, **kwargs: Any) -> None:
        print(f"{parser.prog} {_version()}")
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="roqmock",
        description="A faithful in-memory mock of ROQ's Chat API.",
        formatter_class=_HelpFormatter,
    )
    parser.add_argument("--version", action=_Version, help="show program's version number and exit")
    commands = parser.add_subparsers(dest="command", required=True)
    serve_ = commands.add_parser("serve", help="start the server", formatter_class=_HelpFormatter)
    serve_.set_defaults(run=serve)
    serve_.add_argument("--host", default="127.0.0.1", help="address to bind (loopback only by default)")
    serve_.add_argument(
        "--port", type=_whole(0, 65535), default=4000, help="port to bind; 0 picks a free one"
    )
    serve_.add_argument(
        "--environment-id", default=DEFAULT_ENVIRONMENT_ID, help="the environment id clients must present"
    )
    serve_.add_argument("--api-key", default=DEFAULT_API_KEY, help="the api key clients must present")
    serve_.add_argument(
        "--token-secret",
        type=_token_secret,
        default=None,
        help="HS256 secret for tokens, at least 32 bytes (default: random per run)",
    )
    _world_arguments(serve_, seed_default="1; with --state, the seed the file was exported with")
    serve_.add_argument(
        "--state",
        type=Path,
        default=None,
        metavar="FILE",
        help="start from a state file (roqmock export); resets return to it (default: a seeded world)",
    )
    serve_.add_argument("--max-limit", type=_whole(1), default=DEFAULT_MAX_LIMIT, help="largest page")
    serve_.add_argument(
        "--max-depth",
        type=_whole(1),
        default=DEFAULT_MAX_DEPTH,
        help="deepest query, data levels not counted",
    )
    serve_.add_argument(
        "--roles",
        type=Path,
        default=None,
        metavar="FILE",
        help="JSON file of more role definitions (default: the default user role only)",
    )
    serve_.add_argument(
        "--file-categories",
        type=Path,
        default=None,
        metavar="FILE",
        help="JSON file of file categories, added to (or replacing by key) CHAT_FILES, USER_FILES and "
        "USER_AVATAR_FILES",
    )
    serve_.add_argument(
        "--max-body-bytes", type=_whole(1), default=DEFAULT_MAX_BODY_BYTES, help="larger bodies get 413"
    )
    serve_.add_argument(
        "--max-header-bytes",
        type=_whole(1),
        default=DEFAULT_MAX_HEADER_BYTES,
        help="larger headers get 431",
    )
    serve_.add_argument(
        "--max-cost", type=_whole(1), default=DEFAULT_MAX_COST, help="most fields one document may select"
    )
    serve_.add_argument(
        "--cors-origin",
        action="append",
        default=[],
        metavar="ORIGIN",
        help="let browser pages from ORIGIN call the server (repeatable; * for any) (default: CORS off)",
    )
    serve_.add_argument(
        "--upload-lifetime",
        type=_whole(0),
        default=DEFAULT_UPLOAD_LIFETIME_S,
        metavar="SECONDS",
        help="how long an upload form (createFileUpload) stays valid; 0: expired at once",
    )
    serve_.add_argument(
        "--download-lifetime",
        type=_whole(0),
        default=DEFAULT_DOWNLOAD_LIFETIME_S,
        metavar="SECONDS",
        help="how long a file's download URL (url, messageFileUrl) stays valid",
    )
    serve_.add_argument(
        "--max-file-bytes",
        type=_whole(0),
        default=DEFAULT_MAX_FILE_BYTES,
        metavar="BYTES",
        help="the bytes of files one world may hold together; an upload past it is refused",
    )
    serve_.add_argument(
        "--public-url",
        type=_public_url,
        default=None,
        metavar="URL",
        help="the base of the upload and download URLs handed out (default: the host the request named)",
    )
    serve_.add_argument(
        "--max-sockets",
        type=_whole(1),
        default=DEFAULT_MAX_SOCKETS,
        help="most live-chat sockets connected at once; more are refused at connect",
    )
    serve_.add_argument(
        "--socket-queue",
        type=_whole(1),
        default=DEFAULT_SOCKET_QUEUE,
        metavar="EVENTS",
        help="most events queued for one socket; a socket that falls further behind is disconnected",
    )
    serve_.add_argument(
        "--socket-rate",
        type=_whole(1),
        default=DEFAULT_SOCKET_RATE,
        metavar="EVENTS",
        help="events a socket may send a second on average (bursts of ten seconds' worth); more are refused",
    )
    serve_.add_argument(
        "--sandbox",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="serve the demo sandbox at / (default: only when the host is loopback)",
    )
    serve_.add_argument(
        "--log-level",
        type=str.lower,
        choices=list(LOG_LEVELS),
        default="warning",
        help="what the server logs",
    )
    export_ = commands.add_parser(
        "export", help="write a seeded world as a state file (JSON)", formatter_class=_HelpFormatter
    )
    export_.set_defaults(run=export)
    _world_arguments(export_, seed_default=str(DEFAULT_SEED))
    export_.add_argument(
        "--output", "-o", type=Path, default=None, metavar="FILE", help="file to write (default: stdout)"
    )
    return parser


def _world_arguments(parser: argparse.ArgumentParser, *, seed_default: str) -> None:
    parser.add_argument(
        "--seed",
        type=_whole(0),
        default=None,
        help=f"seed of the world and of every id (default: {seed_default})",
    )
    parser.add_argument("--empty", action="store_true", help="no data at all")
    for name in SIZE_NAMES:
        parser.add_argument(
            f"--{name}",
            type=_whole(0, MAX_SIZES[name]),
            default=getattr(DEMO, name),
            help=f"{name} in the seeded world",
        )
    parser.add_argument("--locale", type=_locale, default="en_US", help="Faker locale of the world")


def _seed(args: argparse.Namespace) -> int:
    return DEFAULT_SEED if args.seed is None else int(args.seed)


def _baseline(args: argparse.Namespace) -> Baseline:
    options = {name: getattr(args, name) for name in WORLD_OPTIONS}
    try:
        return Baseline.from_options({**options, "seed": _seed(args)})
    except OptionError as error:  # sizes that do not fit together, such as conversations with one user
        raise CliError(f"--users {args.users} with --conversations {args.conversations}: {error}") from None


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def _file_error(where: str, error: OSError, *, missing: str, verb: str) -> CliError:
    """A file the CLI could not read or write, said in one line that names it."""
    if isinstance(error, IsADirectoryError):
        return CliError(f"{where}: is a directory, not a file")
    if isinstance(error, FileNotFoundError):
        return CliError(f"{where}: {missing}")
    if isinstance(error, PermissionError):
        return CliError(f"{where}: permission denied")
    return CliError(f"{where}: cannot be {verb} ({error.strerror or error})")


def _read_json(flag: str, path: Path) -> tuple[Any, str]:
    """A JSON file's data and text; any problem is a :class:`CliError` naming the file (and line)."""
    where = f"{flag} {path}"
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise _file_error(where, error, missing="no such file", verb="read") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        raise CliError(f"{where}, line {line}: not UTF-8 text") from None
    try:
        return json.loads(text), text
    except json.JSONDecodeError as error:
        raise CliError(f"{where}, line {error.lineno} column {error.colno}: not JSON: {error.msg}") from None
    except RecursionError:
        raise CliError(f"{where}: not JSON roqmock can read: nested too deeply") from None
    except ValueError as error:  # an integer of thousands of digits, say
        raise CliError(f"{where}: not JSON roqmock can read: {error}") from None


def _line_of(text: str, pattern: str) -> int | None:
    match = re.search(pattern, text)
    return None if match is None else text.count("\n", 0, match.start()) + 1


def load_roles(path: Path | None) -> dict[str, Role]:
    """Roles from JSON: ``{"key": {"name": ..., "permissions": ["Conversation:read:all", ...]}}``."""
    roles = {DEFAULT_USER_ROLE.key: DEFAULT_USER_ROLE}
    if path is None:
        return roles
    raw, text = _read_json("--roles", path)
    if not isinstance(raw, Mapping):
        raise CliError(f"--roles {path}: the file must hold a JSON object of role key -> role")
    for key, spec in raw.items():
        line = _line_of(text, f'"{re.escape(json.dumps(key)[1:-1])}"\\s*:')
        where = f"--roles {path}" + (f", line {line}" if line else "") + f", role {key!r}"
        try:
            roles[key] = role_from_json(key, spec)
        except ValueError as error:
            raise CliError(f"{where}: {error}") from None
    return roles


def load_file_categories(path: Path | None) -> dict[str, CategorySpec]:
    """Categories from JSON: ``{"KEY": {"maxSize": 1048576, "contentTypes": ["image/*"], ...}}``, over
    the default ones."""
    categories = dict(DEFAULT_FILE_CATEGORIES)
    if path is None:
        return categories
    raw, text = _read_json("--file-categories", path)
    if not isinstance(raw, Mapping):
        raise CliError(
            f"--file-categories {path}: the file must hold a JSON object of category key -> category"
        )
    for key, spec in raw.items():
        line = _line_of(text, f'"{re.escape(json.dumps(key)[1:-1])}"\\s*:')
        where = f"--file-categories {path}" + (f", line {line}" if line else "")
        try:
            categories[key] = category_from_json(key, spec)
        except ValueError as error:
            raise CliError(f"{where}: {error}") from None
    return categories


def _settings(args: argparse.Namespace) -> Settings:
    try:
        return Settings(
            environment_id=args.environment_id,
            api_key=args.api_key,
            max_limit=args.max_limit,
            max_depth=args.max_depth,
            roles=load_roles(args.roles),
            file_categories=load_file_categories(args.file_categories),
            sandbox=args.sandbox if args.sandbox is not None else _is_loopback(args.host),
            max_body_bytes=args.max_body_bytes,
            max_header_bytes=args.max_header_bytes,
            max_cost=args.max_cost,
            cors_origins=tuple(args.cors_origin),
            upload_lifetime_s=args.upload_lifetime,
            download_lifetime_s=args.download_lifetime,
            max_file_bytes=args.max_file_bytes,
            public_url=args.public_url,
            max_sockets=args.max_sockets,
            socket_queue=args.socket_queue,
            socket_rate=args.socket_rate,
            **({"token_secret": args.token_secret} if args.token_secret is not None else {}),
        )
    except ValueError as error:
        raise CliError(str(error)) from None


def make_mock(args: argparse.Namespace) -> RoqMock:
    settings = _settings(args)
    if args.state is None:
        return RoqMock(settings, baseline=_baseline(args))
    data, text = _read_json("--state", args.state)
    # The seed the state was exported with (its world was made from it), else --seed: health reports
    # it, and the ids of new records come from it.
    seed = state_seed(data)
    baseline = Baseline(seed=_seed(args) if seed is None else seed, locale=args.locale, state=data)
    try:
        return RoqMock(settings, baseline=baseline)
    except StateError as error:
        line = None
        if error.record_id is not None:
            line = _line_of(text, f'"id"\\s*:\\s*"{re.escape(error.record_id)}"')
        if line is None and error.collection is not None:
            line = _line_of(text, f'"{error.collection}"\\s*:')
        where = f"--state {args.state}" + (f", line {line}" if line else "")
        raise CliError(f"{where}: {error}") from None


def _chat_line(mock: RoqMock, url: str, users: list[User]) -> str:
    if not chat_page.BUNDLE.built():
        return f"  chat UI        not built: {chat_page.BUILD_COMMAND} (in roqmock's checkout)"
    if not mock.settings.sandbox or not users:
        return f"  chat UI        {url}/chat/?token=<a user's token>   (ROQ's own <Chat/>)"
    # ROQ's UI reaches its notification socket on the page's port only when the host says localhost.
    local = url.replace("://127.0.0.1:", "://localhost:").replace("://[::1]:", "://localhost:")
    return f"  chat UI        {local}/chat/?user={users[0].reference or users[0].id}   (ROQ's own <Chat/>)"


def banner(mock: RoqMock, url: str) -> str:
    settings = mock.settings
    basic = server_header(settings.environment_id, settings.api_key)
    users = sorted(mock.store.world.users.values(), key=natural_key)
    listed = users[:BANNER_USERS] if len(users) > BANNER_USERS else users
    lines = [
        f"roqmock is serving ROQ's chat API at {url}",
        f"  server graph   {url}/v01/server/graphql   (GET it in a browser for the explorer)",
        f"  sandbox        {url}/" if settings.sandbox else "  sandbox        off (--sandbox turns it on)",
        f"  control API    {url}/__roqmock/health, reset, seed, state, requests, faults, sessions, coverage",
        f"  live chat      {url}/socket.io, namespace /messageCenter, ?platformtoken=<a user's token>",
        _chat_line(mock, url, users),
        f"  environment id {settings.environment_id}",
        *(
            [
                f"  api key        {settings.api_key}",
                f"  server header  roq-platform-server-authorization: {basic}",
            ]
            if settings.api_key == DEFAULT_API_KEY
            else ["  api key        the one given with --api-key (a secret: not printed)"]
        ),
        "  tokens         POST /v01/authorize/serviceAccount {email, environmentId, apiKey}",
        "                 POST /v01/authorize {environmentId, apiKey, userId} with the service token",
        f"  world          {len(users)} users, {len(mock.store.world.conversations)} conversations, "
        f"{len(mock.store.world.messages)} messages",
    ]
    for user in listed:
        name = f"{user.first_name or ''} {user.last_name or ''}".strip()
        lines.append(f"    {user.reference or '-':<10} {user.id}  {name}".rstrip())
    if len(listed) < len(users):
        lines.append(f"    ... and {len(users) - len(listed)} more (GET /__roqmock/state lists them all)")
    lines.append("  from ROQ's SDK: new Platform({environmentId, apiKey, host: '" + url + "'})")
    return "\n".join(lines)


def bind_socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto must be TCP: asyncio sets TCP_NODELAY only on such sockets, and without it every
    # keep-alive answer waits 40 ms for the client's delayed ACK between headers and body.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind((host, port))
        # Listening before the banner is printed: a client that reads it may connect at once, and its
        # connection waits in the backlog until the server accepts instead of being refused.
        sock.listen(2048)
    except BaseException:
        sock.close()
        raise
    return sock


def _listen(host: str, port: int) -> socket.socket:
    """The bound socket, or a :class:`CliError` that names the host or the port at fault."""
    try:
        return bind_socket(host, port)
    except socket.gaierror as error:
        raise CliError(f"--host {host}: not an address roqmock can listen on ({error.strerror})") from None
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            message = f"port {port} is in use on {host}: stop what holds it, or pick another --port"
            raise CliError(f"{message} (0 picks a free one)", status=1) from None
        if error.errno == errno.EACCES:
            raise CliError(
                f"port {port} needs privileges on this machine: pick one above 1023", status=1
            ) from None
        if error.errno in (errno.EADDRNOTAVAIL, errno.EAFNOSUPPORT, errno.EINVAL):
            raise CliError(f"--host {host}: not an address of this machine") from None
        raise CliError(f"cannot listen on {host} port {port}: {error.strerror or error}", status=1) from None


def _freeze_after_full_collection(phase: str, info: dict[str, int]) -> None:
    """What a full collection leaves alive is the world's records (they live until a reset takes them
    back, and a record freed then is freed by its count, not by the collector): set it aside, so that the
    next full collection walks only what came since. Without it, each full collection walks every message
    written since the server started, and its pause (tens of ms after some 10,000 writes) stalls every
    request in flight."""
    if phase == "stop" and info["generation"] == 2:
        gc.freeze()


def serve(args: argparse.Namespace) -> None:
    # The seeded world lives as long as the server: keep the cyclic collector from walking it again
    # and again while requests run (a full collection of a big world takes milliseconds), and while it
    # is made. Collections while a demo world is made (a full one among them) find only a few thousand
    # small objects of Faker's and graphql-core's set-up; they are set aside with the world, as a
    # collection afterwards would have to walk all of it to find them.
    with uncollected():
        mock = make_mock(args)
        gc.freeze()
    gc.callbacks.append(_freeze_after_full_collection)
    sock = _listen(args.host, args.port)
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
        # A WebSocket frame past the body limit is refused before uvicorn buffers it (its own default is
        # 16 MiB); the message center refuses the same size (engine.io's max_http_buffer_size).
        ws_max_size=mock.settings.max_body_bytes + 1024,
        # No permessage-deflate: compressing every small Socket.IO frame costs more CPU than it saves on
        # loopback (socket.io's Node server leaves it off too); clients that offer it accept a plain frame.
        ws_per_message_deflate=False,
    )
    uvicorn.Server(config).run(sockets=[sock])


def export(args: argparse.Namespace) -> None:
    mock = RoqMock(baseline=_baseline(args))
    data = dump_world(mock.store.world, seed=_seed(args))
    state = json.dumps(data, indent=2, ensure_ascii=False)
    if args.output is None:
        print(state)
        return
    try:
        args.output.write_text(state + "\n", encoding="utf-8")
    except OSError as error:
        where = f"--output {args.output}"
        raise _file_error(where, error, missing="its directory does not exist", verb="written") from None


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; its exit status: 0 done, 1 refused by the machine, 2 bad input, 130 Ctrl-C."""
    try:
        try:
            args = build_parser().parse_args(argv)
        except SystemExit as exit_:  # argparse's usage errors (2), --help and --version (0)
            return exit_.code if isinstance(exit_.code, int) else 2
        args.run(args)
    except CliError as error:
        print(f"roqmock {args.command}: error: {error}", file=sys.stderr)
        return error.status
    except KeyboardInterrupt:
        return INTERRUPTED
    except BrokenPipeError:
        # Whoever read the output went away (`roqmock export | head`): nobody is left to tell.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    return 0
