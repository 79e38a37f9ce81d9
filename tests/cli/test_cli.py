"""``roqmock serve`` and ``roqmock export``: the banner, the demo world, --empty, role and state files, and
that no user input ends in a traceback (bad flags, bad files, a busy port, Ctrl-C)."""

from __future__ import annotations

import contextlib
import gc
import json
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path

import httpx
import pytest
import uvicorn
from support.collector import Collections, listening

from roqmock import cli
from roqmock.cli import banner, bind_socket, build_parser, load_roles, main, make_mock
from roqmock.config import DEFAULT_API_KEY, DEFAULT_ENVIRONMENT_ID
from roqmock.domain.roles import Entity, Operation, Scope
from roqmock.http.control import world_summary


def _mock(*argv: str):  # type: ignore[no-untyped-def]
    return make_mock(build_parser().parse_args(["serve", *argv]))


def test_default_serve_starts_on_a_seeded_demo_world() -> None:
    mock = _mock()
    world = mock.store.world
    assert len(world.users) >= 5 and len(world.conversations) >= 4 and len(world.messages) >= 30
    assert any(world.tags_by_conversation.values())
    assert any(conversation.is_group for conversation in world.conversations.values())
    assert any(message.file_id for message in world.messages.values())
    text = banner(mock, "http://127.0.0.1:4000")
    assert DEFAULT_ENVIRONMENT_ID in text and DEFAULT_API_KEY in text
    assert "/v01/authorize" in text and "http://127.0.0.1:4000/v01/server/graphql" in text


def test_same_seed_gives_the_same_demo_world() -> None:
    assert _mock("--seed", "9").store.world == _mock("--seed", "9").store.world
    assert _mock("--seed", "9").store.world != _mock("--seed", "10").store.world


def test_empty_means_no_data() -> None:
    world = _mock("--empty").store.world
    assert not world.users and not world.conversations and not world.messages


def test_roles_file_adds_roles(tmp_path: Path) -> None:
    path = tmp_path / "roles.json"
    path.write_text(json.dumps({"auditor": {"name": "Auditor", "permissions": ["Conversation:read:all"]}}))
    roles = load_roles(path)
    assert set(roles) == {"user", "auditor"}
    (permission,) = roles["auditor"].permissions
    assert (permission.entity, permission.operation, permission.scope) == (
        Entity.CONVERSATION,
        Operation.READ,
        Scope.ALL,
    )


def test_bad_roles_file_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "roles.json"
    path.write_text(json.dumps({"x": {"permissions": ["Conversation:read"]}}))
    assert main(["serve", "--roles", str(path), "--port", "0"]) == 2
    assert "Conversation:read" in capsys.readouterr().err


def test_served_sockets_do_not_wait_for_delayed_acks() -> None:
    sock = bind_socket("127.0.0.1", 0)
    try:
        # asyncio turns Nagle off only on IPPROTO_TCP sockets; otherwise keep-alive answers stall 40 ms.
        assert sock.proto == socket.IPPROTO_TCP
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1
    finally:
        sock.close()


def test_the_sandbox_is_on_for_loopback_hosts_only() -> None:
    assert _mock().settings.sandbox
    assert _mock("--host", "::1").settings.sandbox
    assert not _mock("--host", "0.0.0.0").settings.sandbox
    assert _mock("--host", "0.0.0.0", "--sandbox").settings.sandbox
    assert not _mock("--no-sandbox").settings.sandbox


def test_a_disabled_sandbox_hands_out_no_credentials() -> None:
    from roqmock.http.exchange import Request
    from roqmock.http.routing import answer

    mock = _mock("--host", "0.0.0.0", "--empty")
    for path in ("/", "/__roqmock/sandbox/config"):
        reply = answer(mock, Request("GET", path, {}))
        assert reply.status == 404
        assert reply.body["errorCode"] == "SANDBOX_DISABLED"
        assert mock.settings.api_key not in str(reply.body)


# ---------------------------------------------------------------- no traceback for user input

CONSOLE_SCRIPT = [str(Path(sys.executable).with_name("roqmock"))]
PYTHON_M = [sys.executable, "-m", "roqmock"]


def _run(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CONSOLE_SCRIPT, *argv], capture_output=True, text=True, timeout=120)


@contextlib.contextmanager
def _process(command: list[str]) -> Iterator[subprocess.Popen[str]]:
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=30)


def _interrupt(process: subprocess.Popen[str]) -> tuple[int, str]:
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=60)
    return process.returncode, err


@pytest.mark.parametrize("launcher", [CONSOLE_SCRIPT, PYTHON_M], ids=["roqmock", "python -m roqmock"])
def test_ctrl_c_stops_a_running_server_quietly(launcher: list[str]) -> None:
    with _process([*launcher, "serve", "--port", "0", "--empty"]) as process:
        assert process.stdout is not None
        url = re.search(r"http://\S+:\d+", process.stdout.readline())
        assert url is not None
        assert httpx.get(f"{url.group(0)}/__roqmock/health", timeout=10).status_code == 200
        status, err = _interrupt(process)
    assert status in (0, 130) and "Traceback" not in err, err


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text(encoding="utf-8").splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def test_ctrl_c_while_the_server_starts_is_quiet_too() -> None:
    """Ctrl-C while a big world is seeded (seconds, before the server listens) stops as quietly."""
    big = ["--users", "1000", "--conversations", "10000", "--messages", "300000"]
    with _process([*CONSOLE_SCRIPT, "serve", "--port", "0", *big]) as process:
        # The modules take ~60 MB; past 100 MB the world is being seeded: roqmock's own code runs.
        deadline = time.monotonic() + 60
        while _rss_mb(process.pid) < 100 and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.01)
        status, err = _interrupt(process)
    assert status in (0, 130) and "Traceback" not in err, err


BAD_FLAGS = [
    ("--port", "99999"),
    ("--port", "-1"),
    ("--port", "abc"),
    ("--log-level", "bogus"),
    ("--max-limit", "0"),
    ("--max-depth", "0"),
    ("--max-cost", "-3"),
    ("--users", "-1"),
    ("--messages", "-5"),
    ("--conversations", "99999999999"),
    ("--seed", "ten"),
    ("--locale", "xx_YY"),
    ("--token-secret", "short"),
    ("--upload-lifetime", "-1"),
    ("--download-lifetime", "soon"),
    ("--max-file-bytes", "-1"),
    ("--public-url", "ftp://files.example"),
    ("--public-url", "http://host:4000/?x=1"),
    ("--public-url", "localhost:4000"),
]


@pytest.fixture
def never_serve(monkeypatch: pytest.MonkeyPatch) -> None:
    """Bad input must stop ``main`` before it serves: were it to serve, the test fails instead of hanging."""

    def run(*args: object, **kwargs: object) -> None:
        raise AssertionError("roqmock served despite bad input")

    monkeypatch.setattr(uvicorn.Server, "run", run)


@pytest.mark.usefixtures("never_serve")
@pytest.mark.parametrize(("flag", "value"), BAD_FLAGS)
def test_bad_flags_are_usage_errors_that_name_the_flag(
    flag: str, value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["serve", "--empty", flag, value]) == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: roqmock serve") and f"error: argument {flag}: " in err
    assert "Traceback" not in err


def test_a_bad_port_is_a_usage_error_for_the_real_process() -> None:
    done = _run("serve", "--port", "99999")
    assert done.returncode == 2 and "argument --port" in done.stderr and "Traceback" not in done.stderr


def test_a_busy_port_is_named() -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        done = _run("serve", "--port", str(port), "--empty")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert f"port {port} is in use" in done.stderr and len(done.stderr.splitlines()) == 1


def _state_file(tmp_path: Path) -> Path:
    path = tmp_path / "scenario.json"
    sizes = ["--users", "3", "--conversations", "2", "--messages", "6"]
    assert main(["export", "--seed", "42", *sizes, "-o", str(path)]) == 0
    return path


def _inconsistent_state(tmp_path: Path) -> tuple[Path, int]:
    """A state whose third message is in a conversation that does not exist, and that message's line."""
    data = json.loads(_state_file(tmp_path).read_text(encoding="utf-8"))
    message = data["messages"][2]
    message["conversationId"] = "00000000-0000-4000-8000-000000000000"
    path = tmp_path / "inconsistent.json"
    text = json.dumps(data, indent=2)
    path.write_text(text, encoding="utf-8")
    return path, text.splitlines().index(f'      "id": "{message["id"]}",') + 1


@pytest.mark.usefixtures("never_serve")
@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("missing", "no such file"),
        ("directory", "is a directory"),
        ("bad json", "line {json_line} column {json_column}: not JSON"),
        ("inconsistent", "line {line}: messages: "),
        ("bad roles json", "line {json_line} column {json_column}: not JSON"),
        ("bad role", "line 2, role 'b': 'Bogus' is not a valid Entity"),
        ("role of strings", "line 1, role 'a': permissions must be a list of strings"),
    ],
)
def test_bad_files_are_one_line_naming_the_file_and_line(
    case: str, expected: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    flag, path, line = "--state", tmp_path / "state.json", 0
    if case == "directory":
        path = tmp_path
    elif case == "bad json":
        path.write_text('{\n  "version": 1,\n  "users": [{"id": 1,}]\n}\n', encoding="utf-8")
    elif case == "inconsistent":
        path, line = _inconsistent_state(tmp_path)
    elif case != "missing":
        flag, path = "--roles", tmp_path / "roles.json"
        roles = {
            "bad roles json": '{"a": {"permissions": []}\n "b": {}}',
            "bad role": '{"a": {"permissions": []},\n "b": {"permissions": ["Bogus:read:all"]}}',
            "role of strings": '{"a": {"permissions": "Conversation:read:all"}}',
        }
        path.write_text(roles[case], encoding="utf-8")
    assert main(["serve", "--port", "0", flag, str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"roqmock serve: error: {flag} {path}") and err.count("\n") == 1, err
    where = {"line": line, "json_line": 0, "json_column": 0}
    if "not JSON" in expected:  # where Python's json points (3.13 says more, one column earlier, than 3.11)
        try:
            json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as error:
            where.update(json_line=error.lineno, json_column=error.colno)
        assert where["json_line"] in (2, 3), where
    assert expected.format(**where) in err


def test_version() -> None:
    done = _run("--version")
    assert done.returncode == 0 and done.stdout.strip() == f"roqmock {metadata.version('roqmock')}"


def _help_entries(argv: list[str], capsys: pytest.CaptureFixture[str]) -> dict[str, str]:
    """``--help``'s options, each to its help text (argparse wraps long ones onto more lines)."""
    assert main([*argv, "--help"]) == 0
    text = capsys.readouterr().out.split("\noptions:\n", 1)[1]
    entries: dict[str, str] = {}
    for block in re.split(r"\n(?=  -)", text.rstrip()):
        first, *more = block.split("\n")
        option, _, rest = first.strip().partition("  ")
        entries[option] = " ".join(" ".join([rest, *more]).split())
    return entries


@pytest.mark.parametrize(
    ("argv", "some"),
    [
        ([], ["--version"]),
        (["serve"], ["--port PORT", "--environment-id ENVIRONMENT_ID", "--log-level", "--sandbox"]),
        (["export"], ["--seed SEED", "--output", "-o"]),
    ],
)
def test_every_option_in_help_says_what_it_does_and_its_default(
    argv: list[str], some: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    entries = _help_entries(argv, capsys)
    # Python 3.13 shows '-o, --output FILE' where 3.11 shows '--output FILE, -o FILE'.
    named = {part.strip() for option in entries for part in option.split(", ")}
    named |= {part.split(" ")[0] for part in named}
    assert all(name in named for name in some), entries
    for option, text in entries.items():
        assert text, option
        if option not in ("-h, --help", "--version"):
            assert "(default: " in text, (option, text)


def test_the_banner_lists_every_user_it_counts() -> None:
    for users, listed in ((6, 7), (20, 8)):
        mock = _mock("--users", str(users))
        text = banner(mock, "http://127.0.0.1:4000")
        count = int(re.search(r"world +(\d+) users", text).group(1))  # type: ignore[union-attr]
        shown = [user for user in mock.store.world.users.values() if user.id in text]
        more = re.search(r"and (\d+) more", text)
        assert count == len(mock.store.world.users) == users + 1  # and the bot
        assert len(shown) == listed and count == len(shown) + (int(more.group(1)) if more else 0)


def test_health_reports_the_seed_a_state_was_exported_with(tmp_path: Path) -> None:
    path = _state_file(tmp_path)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["seed"] == 42
    assert world_summary(_mock("--state", str(path)))["seed"] == 42
    # A state file from before seeds were written still loads, on --seed (or 1).
    del data["seed"]
    path.write_text(json.dumps(data), encoding="utf-8")
    assert world_summary(_mock("--state", str(path), "--seed", "7"))["seed"] == 7
    assert world_summary(_mock("--state", str(path)))["seed"] == 1


def test_a_programming_error_is_not_reported_as_bad_input(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise AttributeError("'NoneType' object has no attribute 'users'")

    monkeypatch.setattr("roqmock.cli.dump_world", broken)
    with pytest.raises(AttributeError):
        main(["export", "--empty"])


def test_the_banner_says_where_the_live_chat_and_roqs_chat_ui_are(monkeypatch: pytest.MonkeyPatch) -> None:
    from roqmock.http.chat import page as chat_page

    mock = _mock()
    first = min((u for u in mock.store.world.users.values() if u.reference == "user-1"), key=lambda u: u.id)
    monkeypatch.setattr(chat_page.BUNDLE, "built", lambda: True)
    text = banner(mock, "http://127.0.0.1:4000")
    assert "http://127.0.0.1:4000/socket.io, namespace /messageCenter, ?platformtoken=" in text
    # localhost: where ROQ's UI finds its notification socket on the page's port.
    assert f"http://localhost:4000/chat/?user={first.reference}" in text
    no_sandbox = _mock("--no-sandbox")
    assert "http://127.0.0.1:4000/chat/?token=<a user's token>" in banner(no_sandbox, "http://127.0.0.1:4000")
    monkeypatch.setattr(chat_page.BUNDLE, "built", lambda: False)
    assert f"chat UI        not built: {chat_page.BUILD_COMMAND}" in banner(mock, "http://127.0.0.1:4000")


def test_a_full_collections_survivors_are_set_aside_only_after_a_full_collection() -> None:
    """serve's collector callback: what a full collection leaves alive is frozen, so that the next one
    walks only what came since; younger collections freeze nothing."""
    gc.unfreeze()
    try:
        cli._freeze_after_full_collection("stop", {"generation": 1})
        cli._freeze_after_full_collection("start", {"generation": 2})
        assert gc.get_freeze_count() == 0
        cli._freeze_after_full_collection("stop", {"generation": 2})
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


def test_serve_makes_its_world_uncollected_sets_it_aside_and_runs_with_the_collector_on(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The cyclic collector would find next to nothing in a world being made (most of serve's start),
    so it is off meanwhile; the world is then set aside unwalked, and the server runs with it on. A world
    that could not be made sets nothing aside: the caller's garbage stays collectable."""
    made = Collections()
    monkeypatch.setattr(cli, "make_mock", made.watch(make_mock))
    # serve's own hook freezes after a full collection: out of the way, so only serve's freeze can count.
    monkeypatch.setattr(cli, "_freeze_after_full_collection", lambda phase, info: None)
    monkeypatch.setattr(uvicorn.Server, "run", lambda self, sockets: [sock.close() for sock in sockets])
    with listening(made):
        assert main(["serve", "--port", "0", "--users", "30", "--messages", "300"]) == 0
        assert gc.isenabled() and not made.while_making
        (mock,) = made.made
        young = {id(o) for o in gc.get_objects()}
        records = [*mock.store.world.users.values(), *mock.store.world.messages.values()]
        assert len(records) == 331 and not any(id(record) in young for record in records)
        gc.unfreeze()
        assert main(["serve", "--port", "0", "--state", str(tmp_path / "missing.json")]) == 2
        assert gc.isenabled() and gc.get_freeze_count() == 0


# A fresh interpreter: which collections start between the command's start and its modules' end.
_LOADING_PROBE = """
import gc, sys
import roqmock.__main__ as entry
entered, starts = False, []
def heard(phase, info):
    cli = sys.modules.get("roqmock.cli")
    if entered and phase == "start" and not hasattr(cli, "main"):
        starts.append(info["generation"])
gc.callbacks.append(heard)
sys.argv = ["roqmock", "--version"]
entered = True
status = entry.main()
print(status, len(starts), gc.isenabled(), gc.get_freeze_count() > 0)
"""


def test_the_command_loads_its_modules_uncollected_and_runs_with_the_collector_on() -> None:
    done = subprocess.run(
        [sys.executable, "-c", _LOADING_PROBE], capture_output=True, text=True, timeout=60, check=True
    )
    lines = done.stdout.strip().splitlines()
    assert lines[-1] == "0 0 True True", done.stdout + done.stderr
    assert lines[0] == f"roqmock {metadata.version('roqmock')}"
