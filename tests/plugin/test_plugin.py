"""roqmock's pytest plugin, as a downstream project meets it: fixtures, options, marker, reports.

Most tests generate a small test suite and run it with a pytest of its own (``pytester``): a new config
loads the plugin through its ``pytest11`` entry point exactly as in a user's project, and the plugin keeps
its state in that config's stash, so nothing leaks between runs. They run in this process (a fresh
interpreter costs seconds of imports per run); the test of determinism across runs uses fresh processes,
whose hash seeds differ.
"""

from __future__ import annotations

import asyncio
import base64
import json
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from support.inner_pytest import UNRELATED_PLUGINS_OFF

from roqmock.testing import Roq

pytest_plugins = ["pytester"]

SERVICE_EMAIL = "project-service-account@roq.tech"
CONVERSATIONS = "query { conversations { totalCount data { id title ownerId } } }"
DELETE_NOPE = 'mutation { deleteConversation(id: "nope") }'
HEADER = re.compile(r"^roqmock: seed (\d+) \((--roq-seed|roq_seed|random)\), locale (\S+)$", re.MULTILINE)


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    """The generated suite under a pytest of its own, as a downstream project would run it."""
    return pytester.runpytest_inprocess(*UNRELATED_PLUGINS_OFF, *args)


def run_in_subprocess(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    """The generated suite in a fresh interpreter: another hash seed, nothing imported before."""
    return pytester.runpytest_subprocess(*UNRELATED_PLUGINS_OFF, *args)


def header(result: pytest.RunResult) -> tuple[int, str, str]:
    match = HEADER.search(result.stdout.str())
    assert match is not None, result.stdout.str()
    return int(match.group(1)), match.group(2), match.group(3)


# ---------------------------------------------------------------- the roq fixture, with no set-up


def test_roq_fixture_works_with_no_setup(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        def test_x(roq):
            alice = roq.world.users[0]
            page = roq.as_user(alice).conversations()["conversations"]
            assert page["totalCount"] == len(page["data"]) >= 1
            assert {c["id"] for c in page["data"]} == {c.id for c in roq.world.conversations_of(alice)}
        """
    )
    result = run(pytester)
    result.assert_outcomes(passed=1)


# ---------------------------------------------------------------- options and the report header


def test_header_names_the_seed_from_the_command_line(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_nothing(): pass")
    result = run(pytester, "--roq-seed", "123", "--roq-locale", "de_DE")
    result.stdout.fnmatch_lines(["roqmock: seed 123 (--roq-seed), locale de_DE"])
    result.assert_outcomes(passed=1)


def test_header_names_the_seed_from_the_ini_file(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nroq_seed = 77\nroq_locale = fr_FR\n")
    pytester.makepyfile(
        """
        def test_seed_and_locale(roq):
            assert roq.seed == 77
            assert roq.mock.baseline.locale == "fr_FR"
        """
    )
    result = run(pytester)
    result.stdout.fnmatch_lines(["roqmock: seed 77 (roq_seed), locale fr_FR"])
    result.assert_outcomes(passed=1)


def test_command_line_seed_wins_over_the_ini_file(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nroq_seed = 77\n")
    pytester.makepyfile("def test_seed(roq): assert roq.seed == 5")
    result = run(pytester, "--roq-seed", "5")
    result.stdout.fnmatch_lines(["roqmock: seed 5 (--roq-seed), locale en_US"])
    result.assert_outcomes(passed=1)


def test_header_says_random_by_default(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        def test_seed(roq):
            print("SEED-IN-USE", roq.seed)
        """
    )
    result = run(pytester, "-s")
    seed, source, locale = header(result)
    assert (source, locale) == ("random", "en_US")
    # The seed the header shows is the one the tests' worlds come from.
    result.stdout.fnmatch_lines([f"*SEED-IN-USE {seed}*"])
    result.assert_outcomes(passed=1)


@pytest.mark.parametrize(
    ("args", "ini", "message"),
    [
        (["--roq-seed", "abc"], "", "ERROR: --roq-seed must be a non-negative integer, not 'abc'"),
        (["--roq-seed", "-1"], "", "ERROR: --roq-seed must be a non-negative integer, not '-1'"),
        ([], "roq_seed = many", "ERROR: roq_seed must be a non-negative integer, not 'many'"),
        (
            ["--roq-locale", "xx_YY"],
            "",
            "ERROR: --roq-locale/roq_locale 'xx_YY' is not a Faker locale; valid ones include *"
            "(all of them: faker.config.AVAILABLE_LOCALES)",
        ),
    ],
    ids=["seed-not-a-number", "seed-negative", "ini-seed-not-a-number", "unknown-locale"],
)
def test_bad_options_are_usage_errors(
    pytester: pytest.Pytester, args: list[str], ini: str, message: str
) -> None:
    if ini:
        pytester.makeini(f"[pytest]\n{ini}\n")
    pytester.makepyfile("def test_never_runs(roq): pass")
    result = run(pytester, *args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([message])
    result.stdout.no_fnmatch_line("*test_never_runs*")


# ---------------------------------------------------------------- seeds make worlds reproducible

DUMP_WORLD = """
import json
import os


def _dump(world, name):
    snapshot = {
        "users": [[u.id, u.email, u.first_name, u.last_name] for u in world.users],
        "conversations": [[c.id, c.title, c.owner_id] for c in world.conversations],
        "messages": [[m.id, m.body] for m in world.messages],
    }
    with open(os.environ["ROQ_DUMP"] + name, "w") as out:
        json.dump(snapshot, out)


def test_dump_in_process(roq):
    _dump(roq.world, ".roq.json")


def test_dump_server(roq_server):
    _dump(roq_server.world, ".server.json")
"""


def test_same_seed_gives_the_same_world_in_separate_runs(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    pytester.makepyfile(test_dump=DUMP_WORLD)
    worlds: dict[str, dict[str, Any]] = {}
    for name, seed in (("first", "4242"), ("again", "4242"), ("other", "4243")):
        monkeypatch.setenv("ROQ_DUMP", str(tmp_path / name))
        run_in_subprocess(pytester, "--roq-seed", seed).assert_outcomes(passed=2)
        for fixture in ("roq", "server"):
            worlds[f"{name}.{fixture}"] = json.loads((tmp_path / f"{name}.{fixture}.json").read_text())

    assert worlds["first.roq"]["users"], "the seeded world has users"
    assert worlds["first.roq"] == worlds["again.roq"]
    assert worlds["first.server"] == worlds["again.server"]
    # In process and over HTTP, one seed gives one world.
    assert worlds["first.roq"] == worlds["first.server"]
    # Another seed gives another world: other people, conversations and messages.
    first, other = worlds["first.roq"], worlds["other.roq"]
    for table in ("users", "conversations", "messages"):
        assert first[table] != other[table], table
    assert {u[1] for u in first["users"]}.isdisjoint({u[1] for u in other["users"]})
    assert worlds["other.roq"] == worlds["other.server"]


# ---------------------------------------------------------------- the marker

MARKER_SUITE = """
import pytest

from roqmock.seed import WorldSize
from roqmock.testing import Roq


def _emails(world):
    return [u.email for u in world.users]


@pytest.mark.roq(seed=3, users=3, conversations=2, messages=5)
def test_sizes_and_seed(roq):
    world = roq.world
    assert roq.seed == 3
    assert (len(world.users), len(world.conversations), len(world.messages)) == (3, 2, 5)
    expected = Roq.create(seed=3, size=WorldSize(users=3, conversations=2, messages=5)).world
    assert _emails(world) == _emails(expected)
    assert [m.id for m in world.messages] == [m.id for m in expected.messages]


def test_without_marker_uses_the_run_seed(roq):
    assert roq.seed == 1
    assert _emails(roq.world) == _emails(Roq.create(seed=1).world)


@pytest.mark.roq(users=4)
def test_unnamed_sizes_stay_at_the_defaults(roq):
    assert roq.seed == 1
    assert len(roq.world.users) == 4
    assert len(roq.world.conversations) == len(Roq.create(seed=1).world.conversations)


@pytest.mark.roq(empty=True)
def test_empty(roq):
    world = roq.world
    assert (world.users, world.conversations, world.messages, world.files) == ([], [], [], [])
    assert world.bot is None
    assert roq.as_super_admin().users()["users"]["totalCount"] == 0


@pytest.mark.roq(seed=8, locale="de_DE")
def test_locale(roq):
    assert _emails(roq.world) == _emails(Roq.create(seed=8, locale="de_DE").world)
    assert _emails(roq.world) != _emails(Roq.create(seed=8).world)


@pytest.mark.roq(seed=3, users=3, conversations=2, messages=5)
class TestOnAClass:
    def test_applies_to_methods(self, roq):
        assert roq.seed == 3 and len(roq.world.users) == 3


@pytest.mark.roq(seed=3, userz=3)
def test_unknown_argument(roq):
    pass


@pytest.mark.roq(3)
def test_positional_argument(roq):
    pass


@pytest.mark.roq(seed=-5)
def test_negative_seed(roq):
    pass


@pytest.mark.roq(users=1, conversations=2)
def test_impossible_size(roq):
    pass
"""


def test_marker_sets_the_world(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_marker=MARKER_SUITE)
    result = run(pytester, "--roq-seed", "1", "--strict-markers")
    outcomes = result.parseoutcomes()
    assert outcomes.get("passed") == 6, result.stdout.str()
    # The bad markers stop their tests (as setup errors: the fixture refuses them) with a clear reason.
    assert outcomes.get("failed", 0) + outcomes.get("errors", 0) == 4, outcomes
    result.stdout.fnmatch_lines(
        [
            "*ERROR at setup of test_unknown_argument*",
            "@pytest.mark.roq got unknown arguments ['userz']; valid ones: "
            "['conversations', 'empty', 'files', 'locale', 'messages', 'seed', 'tenants', 'users']",
            "*ERROR at setup of test_positional_argument*",
            "@pytest.mark.roq takes keyword arguments only",
            "*ERROR at setup of test_negative_seed*",
            "@pytest.mark.roq(seed=...) must be a non-negative integer, not -5",
            "*ERROR at setup of test_impossible_size*",
            "*@pytest.mark.roq: conversations need at least two users",
        ]
    )


def test_marker_is_registered(pytester: pytest.Pytester) -> None:
    result = run(pytester, "--markers")
    result.stdout.fnmatch_lines(
        [
            "@pytest.mark.roq(seed=None, users=None, conversations=None, messages=None, files=None, "
            "tenants=None, empty=False, locale=None): the roqmock world this test runs in"
        ]
    )


# ---------------------------------------------------------------- isolation

ISOLATION_SUITE = """
import pytest

from roqmock.seed import WorldSize
from roqmock.testing import Roq

SEED = 2024
TITLE = "written by an earlier test"


def _ids(world):
    return (
        [u.id for u in world.users],
        [c.id for c in world.conversations],
        [m.id for m in world.messages],
    )


def _write(client, world):
    alice, bob = world.users[0], world.users[1]
    conversation = world.conversations_of(alice)[0]
    client(alice).create_message(
        {"authorId": alice.id, "body": "a message", "conversationId": conversation.id, "isSystem": False}
    )
    created = client(alice).create_conversation(
        {"title": TITLE, "ownerId": alice.id, "memberIds": [alice.id, bob.id]}
    )
    return created["createConversation"]["id"]


def test_1_roq_writes(roq):
    baseline = _ids(roq.world)
    new_id = _write(roq.as_user, roq.world)
    assert new_id in {c.id for c in roq.world.conversations}
    assert len(roq.world.messages) == len(baseline[2]) + 1
    roq.assert_called("createMessage", times=1)


def test_2_roq_sees_none_of_it(roq):
    assert _ids(roq.world) == _ids(Roq.create(seed=SEED).world)
    assert TITLE not in {c.title for c in roq.world.conversations}
    roq.assert_not_called("createMessage")
    roq.assert_not_called("createConversation")
    assert len(roq.journal) == 0


def test_3_server_writes(roq_server):
    baseline = _ids(roq_server.world)
    new_id = _write(roq_server.as_user, roq_server.world)
    after = roq_server.world
    assert new_id in {c.id for c in after.conversations}
    assert len(after.messages) == len(baseline[2]) + 1
    roq_server.assert_called("createMessage", times=1)
    roq_server.assert_called("createConversation", times=1)


def test_4_server_sees_none_of_it(roq_server):
    world = roq_server.world
    assert _ids(world) == _ids(Roq.create(seed=SEED).world)
    assert TITLE not in {c.title for c in world.conversations}
    roq_server.assert_not_called("createMessage")
    roq_server.assert_not_called("createConversation")
    assert roq_server.calls() == []


@pytest.mark.roq(seed=11, users=3, conversations=2, messages=5)
def test_5_server_honours_the_marker(roq_server):
    world = roq_server.world
    assert (len(world.users), len(world.conversations), len(world.messages)) == (3, 2, 5)
    expected = Roq.create(seed=11, size=WorldSize(users=3, conversations=2, messages=5)).world
    assert _ids(world) == _ids(expected)


@pytest.mark.roq(empty=True)
def test_6_server_empty(roq_server):
    world = roq_server.world
    assert (world.users, world.conversations, world.messages) == ([], [], [])


def test_7_server_back_to_the_run_world(roq_server):
    assert _ids(roq_server.world) == _ids(Roq.create(seed=SEED).world)
"""


def test_each_test_gets_a_fresh_world(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_fresh_worlds=ISOLATION_SUITE)
    result = run(pytester, "--roq-seed", "2024", "-v")
    result.assert_outcomes(passed=7)
    # In file order: the writers ran before the readers.
    result.stdout.fnmatch_lines(["*test_1_roq_writes PASSED*", "*test_2_roq_sees_none_of_it PASSED*"])
    result.stdout.fnmatch_lines(["*test_3_server_writes PASSED*", "*test_4_server_sees_none_of_it PASSED*"])


XDIST_SUITE = """
import json
import os
import time
from pathlib import Path

import pytest

OUT = Path(os.environ["ROQ_OUT"])


@pytest.mark.parametrize("n", range(8))
def test_sees_only_its_own_writes(roq_server, worker_id, n):
    world = roq_server.world
    seeded = {c.id for c in world.conversations}
    owner, other = world.users[n % 3], world.users[3 + n % 3]
    client = roq_server.as_user(owner)
    visible_before = client.conversations()["conversations"]["totalCount"]
    title = f"conversation of test {n}"
    created = client.create_conversation(
        {"title": title, "ownerId": owner.id, "memberIds": [owner.id, other.id]}
    )["createConversation"]
    for index in range(n % 3 + 1):
        body = f"test {n} #{index}"
        client.create_message(
            {"authorId": owner.id, "body": body, "conversationId": created["id"], "isSystem": False}
        )
    time.sleep(0.05)  # let the other worker write meanwhile

    after = roq_server.world
    assert [c.title for c in after.conversations if c.id not in seeded] == [title]
    assert [m.body for m in after.messages_in(created["id"])] == [f"test {n} #{i}" for i in range(n % 3 + 1)]
    assert len(after.messages) == len(world.messages) + n % 3 + 1
    assert client.conversations()["conversations"]["totalCount"] == visible_before + 1
    roq_server.assert_called("createConversation", times=1)
    roq_server.assert_called("createMessage", times=n % 3 + 1)
    (OUT / f"{n}.json").write_text(
        json.dumps({"worker": worker_id, "url": roq_server.url, "first_user": world.users[0].id})
    )
"""


def test_server_isolation_under_xdist(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("ROQ_OUT", str(tmp_path))
    pytester.makepyfile(test_parallel=XDIST_SUITE)
    result = run(pytester, "-n", "2")
    result.assert_outcomes(passed=8)
    seed, source, _ = header(result)
    assert source == "random"

    records = [json.loads((tmp_path / f"{n}.json").read_text()) for n in range(8)]
    urls_by_worker: dict[str, set[str]] = {}
    for record in records:
        urls_by_worker.setdefault(record["worker"], set()).add(record["url"])
    assert sorted(urls_by_worker) == ["gw0", "gw1"], urls_by_worker
    # One server per worker, and not the same one.
    assert all(len(urls) == 1 for urls in urls_by_worker.values()), urls_by_worker
    assert len(set.union(*urls_by_worker.values())) == 2
    # Every worker builds its worlds from the seed the controller shows.
    assert {record["first_user"] for record in records} == {Roq.create(seed=seed).world.users[0].id}


# ---------------------------------------------------------------- failing tests name their seed

FAILING_SUITE = """
import pytest


def test_fails_with_roq(roq):
    assert roq.world.users == []


@pytest.mark.roq(seed=99)
def test_fails_with_marker_seed(roq):
    assert roq.seed == 0


def test_fails_without_roq():
    assert 1 == 2


def test_passes(roq):
    pass
"""


def test_failing_test_names_the_seed_to_rerun_with(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_failing=FAILING_SUITE)
    result = run(pytester, "--roq-seed", "31337")
    result.assert_outcomes(passed=1, failed=3)
    output = result.stdout.str()
    result.stdout.fnmatch_lines(
        [
            "*test_fails_with_roq*",
            "*this test's world came from seed 31337: rerun with --roq-seed 31337 "
            "(or @pytest.mark.roq(seed=31337)) to reproduce it*",
        ]
    )
    result.stdout.fnmatch_lines(["*test_fails_with_marker_seed*", "*rerun with --roq-seed 99*"])
    # Only tests with a roqmock world get the hint.
    assert output.count("rerun with --roq-seed") == 2


def test_failing_test_names_a_random_seed_too(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        def test_fails_with_roq(roq):
            assert roq.world.users == []

        def test_fails_with_server(roq_server):
            assert roq_server.world.users == []
        """
    )
    result = run(pytester)
    result.assert_outcomes(failed=2)
    seed, source, _ = header(result)
    assert source == "random"
    assert result.stdout.str().count(f"rerun with --roq-seed {seed} ") == 2


# ---------------------------------------------------------------- call assertions

CALLS_SUITE = """
import pytest


def _send(client, world, body):
    alice = world.users[0]
    conversation = world.conversations_of(alice)[0]
    message = {"authorId": alice.id, "body": body, "conversationId": conversation.id, "isSystem": False}
    client.as_user(alice).create_message(message)
    return alice, conversation


def test_passing_assertions(roq):
    alice, _ = _send(roq, roq.world, "hello")
    bob = roq.world.users[1]
    hello = {"message": {"body": "hello"}}
    matched = roq.assert_called("createMessage", times=1, as_user=alice, variables=hello)
    assert [call.caller for call in matched] == [alice.id]
    roq.assert_called("createMessage", ok=True)
    roq.assert_not_called("createMessage", as_user=bob)
    roq.assert_not_called("createConversation")


def test_times(roq):
    _send(roq, roq.world, "hello")
    roq.assert_called("createMessage", times=2)


def test_variables(roq):
    alice, conversation = _send(roq, roq.world, "hello")
    roq.assert_called("createMessage", variables={"message": {"body": "goodbye"}})


def test_not_called(roq):
    _send(roq, roq.world, "hello")
    roq.assert_not_called("createMessage")


def test_server_times(roq_server):
    _send(roq_server, roq_server.world, "hello")
    roq_server.assert_called("createMessage", times=2)


def test_server_variables(roq_server):
    _send(roq_server, roq_server.world, "hello")
    roq_server.assert_called("createMessage", variables={"message": {"body": "goodbye"}})
"""


def test_assert_called_failures_are_readable(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_calls=CALLS_SUITE)
    result = run(pytester, "--roq-seed", "6")
    result.assert_outcomes(passed=1, failed=5)
    output = result.stdout.str()
    # Count the failure lines only: the short summary repeats the message as far as the terminal is wide.
    wanted = "AssertionError: expected createMessage 2 time(s), it ran 1 time(s)"
    assert sum(line.startswith("E") and wanted in line for line in output.splitlines()) == 2
    result.stdout.fnmatch_lines(["*AssertionError: expected createMessage 0 time(s), it ran 1 time(s)"])
    near_miss = [
        '*AssertionError: expected createMessage with variables {"message": {"body": "goodbye"}} '
        "at least once, it ran 0 time(s)",
        "*calls of that operation that did not match:",
        '*#* as *: variables {"message": {"authorId": "*", "body": "hello", "conversationId": "*", '
        '"isSystem": false}} -> ok',
    ]
    result.stdout.fnmatch_lines(near_miss)  # in process
    result.stdout.fnmatch_lines(["*test_server_variables*", *near_miss])  # over HTTP
    # The failure points at the test's line, not into roqmock.
    assert "roqmock/testing.py" not in output
    assert "roqmock/journal.py" not in output


# ---------------------------------------------------------------- roq_world

WORLD_SUITE = """
import pytest


def _users(state):
    return sorted((u["id"], u["email"]) for u in state["users"] if u["reference"] != "roq-bot")


def test_with_server(roq_server, roq_world):
    state = roq_server.state()
    assert sorted((u.id, u.email) for u in roq_world.users) == _users(state)
    assert {c.id for c in roq_world.conversations} == {c["id"] for c in state["conversations"]}
    assert {m.id for m in roq_world.messages} == {m["id"] for m in state["messages"]}


@pytest.mark.roq(seed=12, users=3, conversations=2, messages=5)
def test_with_server_and_marker(roq_server, roq_world):
    assert len(roq_world.users) == 3
    assert sorted((u.id, u.email) for u in roq_world.users) == _users(roq_server.state())


def test_with_roq(roq, roq_world):
    assert roq_world.users == roq.world.users
    assert roq_world.conversations == roq.world.conversations


def test_alone_is_the_in_process_world(roq_world):
    from roqmock.testing import Roq

    assert [u.id for u in roq_world.users] == [u.id for u in Roq.create(seed=40).world.users]
"""


def test_roq_world_reflects_the_fixture_in_use(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_world=WORLD_SUITE)
    result = run(pytester, "--roq-seed", "40")
    result.assert_outcomes(passed=4)


# ---------------------------------------------------------------- httpx in process (this session's roq)


def _service_token(http: httpx.Client, roq: Roq) -> str:
    response = http.post(
        "/v01/authorize/serviceAccount",
        json={"email": SERVICE_EMAIL, "environmentId": roq.environment_id, "apiKey": roq.api_key},
    )
    assert response.status_code < 300, response.text
    token: str = response.json()["accessToken"]
    return token


def _headers(roq: Roq, token: str) -> dict[str, str]:
    server = "Basic " + base64.b64encode(f"{roq.environment_id}:{roq.api_key}".encode()).decode()
    return {"roq-platform-authorization": f"Bearer {token}", "roq-platform-server-authorization": server}


def test_http_client_runs_graphql_in_process(roq: Roq) -> None:
    alice = roq.world.users[0]
    with roq.http_client() as http:
        service = _service_token(http, roq)
        as_admin = http.post(
            "/v01/server/graphql", json={"query": CONVERSATIONS}, headers=_headers(roq, service)
        )
        user_token = http.post(
            "/v01/authorize",
            json={"environmentId": roq.environment_id, "apiKey": roq.api_key, "userId": alice.id},
            headers={"roq-platform-authorization": f"Bearer {service}"},
        ).json()["accessToken"]
        as_alice = http.post(
            "/v01/server/graphql", json={"query": CONVERSATIONS}, headers=_headers(roq, user_token)
        )
        refused = http.post(
            "/v01/server/graphql",
            json={"query": DELETE_NOPE},
            headers=_headers(roq, service),
        )
    assert as_admin.status_code == 200
    assert as_admin.json()["data"]["conversations"]["totalCount"] == len(roq.world.conversations)
    assert as_admin.json() == roq.execute(CONVERSATIONS)
    assert as_alice.json() == roq.execute(CONVERSATIONS, as_user=alice)
    assert as_alice.json()["data"]["conversations"]["totalCount"] == len(roq.world.conversations_of(alice))
    assert refused.json() == roq.execute(DELETE_NOPE)
    assert refused.json()["errors"][0]["extensions"]["response"]["errorCode"] == "INVALID_UUID"
    roq.assert_called("conversations", times=4)


def test_transport_plugs_into_any_httpx_client(roq: Roq) -> None:
    with httpx.Client(transport=roq.transport, base_url=roq.base_url) as http:
        token = _service_token(http, roq)
        answer = http.post("/v01/server/graphql", json={"query": CONVERSATIONS}, headers=_headers(roq, token))
    assert answer.json() == roq.execute(CONVERSATIONS)


def test_async_transport(roq: Roq) -> None:
    async def fetch() -> httpx.Response:
        async with httpx.AsyncClient(transport=roq.async_transport, base_url=roq.base_url) as http:
            response = await http.post(
                "/v01/authorize/serviceAccount",
                json={"email": SERVICE_EMAIL, "environmentId": roq.environment_id, "apiKey": roq.api_key},
            )
            token = response.json()["accessToken"]
            return await http.post(
                "/v01/server/graphql", json={"query": CONVERSATIONS}, headers=_headers(roq, token)
            )

    assert asyncio.run(fetch()).json() == roq.execute(CONVERSATIONS)
