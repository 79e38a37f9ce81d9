"""The control operations the fixtures offer from Python: faults, coverage and sessions."""

from __future__ import annotations

import pytest

from roqmock.client import RoqHttpError
from roqmock.testing import Roq, RoqServer, WorldView


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


def test_server_faults_and_sessions_do_not_outlive_a_test_part_one(roq_server: RoqServer) -> None:
    roq_server.add_fault(operation="*", latencyMs=1, count=100)
    roq_server.http.post(
        f"{roq_server.url}/__roqmock/reset",
        headers={
            "roq-platform-server-authorization": roq_server.server_header,
            "x-roqmock-session": "left-over",
        },
    )
    assert roq_server.sessions() == ["left-over"]


def test_server_faults_and_sessions_do_not_outlive_a_test_part_two(
    roq_server: RoqServer, roq_world: WorldView
) -> None:
    assert roq_server.sessions() == []
    roq_server.as_user(roq_world.users[0]).conversations()
    assert roq_server.calls()[0].duration_ms < 1000
    faults = roq_server.http.get(
        f"{roq_server.url}/__roqmock/faults",
        headers={"roq-platform-server-authorization": roq_server.server_header},
    ).json()
    assert faults == {"faults": []}
