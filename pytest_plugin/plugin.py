"""roqmock's pytest plugin: fixtures, options and a marker. Installed with roqmock through ``pytest11``.

Fixtures: ``roq`` (in process, a fresh world per test), ``roq_server`` (a real ``roqmock serve``, one per
session or xdist worker, reset before each test), ``roq_world`` (the test's world as plain objects).
Options: ``--roq-seed``/``roq_seed``, ``--roq-locale``/``roq_locale``. Marker: ``@pytest.mark.roq(...)``.
"""

from __future__ import annotations

import random
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from roqmock.api.engine import GraphQLEngine
    from roqmock.baseline import Baseline
    from roqmock.domain.coverage import Coverage
    from roqmock.mock import RoqMock
    from roqmock.testing import Roq, RoqServer, WorldView

# pytest imports this module in every run, roqmock's tests or not: it imports only pytest, and each fixture
# imports what it needs (the engine, Faker, httpx, Starlette, Hypothesis) when a test first asks for it.
_SETTINGS = pytest.StashKey["RoqOptions"]()
_SEED_USED = pytest.StashKey[int]()
_COVERAGE: pytest.StashKey[Coverage] = pytest.StashKey()


@dataclass(frozen=True, slots=True)
class RoqOptions:
    """The run's roqmock options: the seed every world starts from, where it came from, the locale, and
    whether permission coverage is reported."""

    seed: int
    seed_source: str  # "--roq-seed", "roq_seed", or "random"
    locale: str
    coverage: bool = False


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("roqmock", "roqmock: a faithful mock of ROQ's chat API")
    group.addoption(
        "--roq-seed",
        dest="roq_seed",
        default=None,
        help="seed of every roqmock world (default: random per run, shown in the header)",
    )
    group.addoption(
        "--roq-locale", dest="roq_locale", default=None, help="Faker locale of seeded worlds (en_US)"
    )
    group.addoption(
        "--roq-coverage",
        dest="roq_coverage",
        action="store_true",
        default=None,
        help="print which permission rules the tests allowed, denied and never tried",
    )
    parser.addini(
        "roq_coverage",
        "print roqmock's permission coverage (like --roq-coverage)",
        type="bool",
        default=False,
    )
    parser.addini("roq_seed", "seed of every roqmock world (overridden by --roq-seed)", default=None)
    parser.addini("roq_locale", "Faker locale of seeded worlds (overridden by --roq-locale)", default=None)


def _read_options(config: pytest.Config) -> RoqOptions:
    raw_seed, source = config.getoption("roq_seed"), "--roq-seed"
    if raw_seed is None:
        raw_seed, source = config.getini("roq_seed"), "roq_seed"
    worker_seed = getattr(config, "workerinput", {}).get("roq_seed")
    if raw_seed in (None, ""):
        if worker_seed is not None:
            raw_seed, source = worker_seed, "random"
        else:
            raw_seed, source = random.SystemRandom().randrange(10**6), "random"
    try:
        seed = int(raw_seed)
        if seed < 0:
            raise ValueError
    except (TypeError, ValueError):
        raise pytest.UsageError(f"{source} must be a non-negative integer, not {raw_seed!r}") from None
    locale = config.getoption("roq_locale") or config.getini("roq_locale") or "en_US"
    from roqmock.seed import is_faker_locale

    if not is_faker_locale(locale):
        from faker.config import AVAILABLE_LOCALES

        examples = ", ".join(sorted(AVAILABLE_LOCALES)[:8])
        raise pytest.UsageError(
            f"--roq-locale/roq_locale {locale!r} is not a Faker locale; valid ones include {examples}, ... "
            "(all of them: faker.config.AVAILABLE_LOCALES)"
        )
    coverage = bool(config.getoption("roq_coverage") or config.getini("roq_coverage"))
    return RoqOptions(seed, source, locale, coverage)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "roq(seed=None, users=None, conversations=None, messages=None, files=None, tenants=None, "
        "empty=False, locale=None): the roqmock world this test runs in",
    )
    from roqmock.domain.coverage import Coverage

    config.stash[_SETTINGS] = _read_options(config)
    config.stash[_COVERAGE] = Coverage()


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """pytest-xdist: every worker builds the same worlds from the controller's seed."""
    node.workerinput["roq_seed"] = node.config.stash[_SETTINGS].seed


def pytest_report_header(config: pytest.Config) -> str:
    options = config.stash[_SETTINGS]
    return f"roqmock: seed {options.seed} ({options.seed_source}), locale {options.locale}"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if report.failed and _SEED_USED in item.stash:
        seed = item.stash[_SEED_USED]
        report.sections.append(
            (
                "roqmock",
                f"this test's world came from seed {seed}: rerun with --roq-seed {seed} "
                f"(or @pytest.mark.roq(seed={seed})) to reproduce it",
            )
        )
    return report


def _baseline(request: pytest.FixtureRequest) -> Baseline:
    from roqmock.baseline import WORLD_OPTIONS, Baseline, OptionError
    from roqmock.seed import DEMO

    options = request.config.stash[_SETTINGS]
    marker = request.node.get_closest_marker("roq")
    spec: dict[str, Any] = dict(marker.kwargs) if marker is not None else {}
    if marker is not None and marker.args:
        pytest.fail("@pytest.mark.roq takes keyword arguments only", pytrace=False)
    unknown = set(spec) - WORLD_OPTIONS
    if unknown:
        pytest.fail(
            f"@pytest.mark.roq got unknown arguments {sorted(unknown)}; valid ones: {sorted(WORLD_OPTIONS)}",
            pytrace=False,
        )
    try:
        baseline = Baseline.from_options(spec, Baseline(seed=options.seed, size=DEMO, locale=options.locale))
    except OptionError as error:
        if error.option == "seed":
            problem = f"(seed=...) must be a non-negative integer, not {spec['seed']!r}"
        else:
            problem = f": {error}"
        pytest.fail(f"@pytest.mark.roq{problem}", pytrace=False)
    request.node.stash[_SEED_USED] = baseline.seed
    return baseline


@pytest.fixture(scope="session")
def _roq_engine() -> GraphQLEngine:
    """The schema and its document cache, built once: they hold no state."""
    from roqmock.api.engine import GraphQLEngine

    return GraphQLEngine()


@pytest.fixture(scope="session")
def _roq_pool() -> dict[Baseline, RoqMock]:
    """One roqmock per baseline, reset between tests: seeding a big world once, not once per test."""
    return {}


@pytest.fixture
def roq(
    request: pytest.FixtureRequest, _roq_engine: GraphQLEngine, _roq_pool: dict[Baseline, RoqMock]
) -> Iterator[Roq]:
    """An in-process roqmock with a fresh world for this test (seeded, or as ``@pytest.mark.roq`` says)."""
    from roqmock.mock import RoqMock
    from roqmock.testing import Roq

    baseline = _baseline(request)
    mock = _roq_pool.get(baseline)
    if mock is None:
        mock = _roq_pool[baseline] = RoqMock(baseline=baseline, engine=_roq_engine)
    else:
        # Takes back the last test's writes (microseconds), or rebuilds if it replaced the world.
        mock.drop_sessions()
        mock.reset(baseline)
    in_process = Roq(mock)
    yield in_process
    in_process.close_sockets()
    if request.config.stash[_SETTINGS].coverage:
        request.config.stash[_COVERAGE].merge(in_process.mock.coverage.rows())


@pytest.fixture(scope="session")
def _roq_server_process(request: pytest.FixtureRequest) -> Iterator[RoqServer]:
    from roqmock.seed import DEMO
    from roqmock.testing import start_server

    options = request.config.stash[_SETTINGS]
    server = start_server(seed=options.seed, size=DEMO)
    yield server
    server.stop()


@pytest.fixture
def roq_server(request: pytest.FixtureRequest, _roq_server_process: RoqServer) -> Iterator[RoqServer]:
    """A real ``roqmock serve`` on loopback, shared by the session, reset to this test's world first."""
    baseline = _baseline(request)
    server = _roq_server_process
    server.end_sessions()
    server.reseed(**baseline.options())
    yield server
    server.close_sockets()
    if request.config.stash[_SETTINGS].coverage:
        request.config.stash[_COVERAGE].merge(server.coverage())


@pytest.fixture
def roq_world(request: pytest.FixtureRequest) -> WorldView:
    """This test's world as plain objects: ``roq_world.users[0]``, ``roq_world.conversations_of(user)``."""
    if "roq_server" in request.fixturenames and "roq" not in request.fixturenames:
        server: RoqServer = request.getfixturevalue("roq_server")
        return server.world
    in_process: Roq = request.getfixturevalue("roq")
    return in_process.world


def pytest_sessionfinish(session: pytest.Session) -> None:
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None and session.config.stash[_SETTINGS].coverage:
        workeroutput["roq_coverage"] = session.config.stash[_COVERAGE].rows()


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object) -> None:
    """pytest-xdist: add each worker's permission coverage to the controller's."""
    rows = getattr(node, "workeroutput", {}).get("roq_coverage")
    if rows:
        node.config.stash[_COVERAGE].merge(rows)


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    if not config.stash[_SETTINGS].coverage or getattr(config, "workerinput", None) is not None:
        return
    rows = config.stash[_COVERAGE].rows()
    writer = terminalreporter
    writer.section("roqmock permission coverage")
    width = max(len(str(row["rule"])) for row in rows)
    writer.write_line(f"{'rule':<{width}}  allowed  denied")
    for row in rows:
        writer.write_line(f"{row['rule']!s:<{width}}  {row['allowed']!s:>7}  {row['denied']!s:>6}")
    untried = [str(row["rule"]) for row in rows if not row["allowed"] and not row["denied"]]
    tried = len(rows) - len(untried)
    writer.write_line(f"{tried} of {len(rows)} rules tried; never tried: {', '.join(untried) or 'none'}")
