"""The control operations the fixtures offer from Python: faults, coverage and sessions."""

from __future__ import annotations

import pytest
from support.inner_pytest import UNRELATED_PLUGINS_OFF

from roqmock.client import RoqHttpError
from roqmock.testing import Roq, WorldView

pytest_plugins = ["pytester"]


def run(pytester: pytest.Pytester) -> pytest.RunResult:
    """The generated suite under a pytest of its own, in file order, as a downstream project would run it."""
    return pytester.runpytest_inprocess(*UNRELATED_PLUGINS_OFF, "-p", "no:randomly")


def test_in_process_faults_coverage_and_sessions(roq: Roq, roq_world: WorldView) -> None:
    alice = roq_world.users[0]
    fault = roq.add_fault(operation="conversations", error={"statusCode": 503, "errorCode": "DOWN"}, count=1)
    assert fault["remaining"] == 1
    with pytest.raises(RoqHttpError) as refused:
        roq.as_user(alice).conversations()
    assert (refused.value.status_code, refused.value.error_code) == (503, "DOWN")
    roq.as_user(alice).conversations()
    rows = {row["rule"]: row for row in roq.coverage()}
    assert rows["Conversation:read:own"]["allowed"] == 1
    session = roq.session("job-a")
    assert session.mock is not roq.mock and session.world.users[0].id == alice.id
    conversation = roq_world.conversations_of(alice)[0]
    session.as_super_admin().delete_conversation(conversation.id)
    assert conversation.id in {c.id for c in roq.world.conversations}


# What one test leaves on the shared server, the next must not see: each case runs a two-test suite under
# a pytest of its own, in file order, so the second test always follows the first.


def test_a_server_fault_does_not_outlive_the_test_that_added_it(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        from roqmock.client import RoqHttpError


        def test_1_adds_a_fault(roq_server, roq_world):
            roq_server.add_fault(operation="*", error={"statusCode": 503, "errorCode": "DOWN"}, count=100)
            with pytest.raises(RoqHttpError) as refused:
                roq_server.as_user(roq_world.users[0]).conversations()
            assert refused.value.error_code == "DOWN"


        def test_2_sees_no_fault(roq_server, roq_world):
            assert roq_server.faults() == []
            roq_server.as_user(roq_world.users[0]).conversations()
            assert [call.operation for call in roq_server.calls()] == ["conversations"]
        """
    )
    run(pytester).assert_outcomes(passed=2)


def test_a_server_session_does_not_outlive_the_test_that_opened_it(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        def test_1_opens_a_session(roq_server):
            roq_server.session("left-over").reset()
            assert roq_server.sessions() == ["left-over"]


        def test_2_sees_no_session(roq_server):
            assert roq_server.sessions() == []
        """
    )
    run(pytester).assert_outcomes(passed=2)
