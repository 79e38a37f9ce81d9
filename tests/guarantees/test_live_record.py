"""What the live chat sent is bounded like the journal (by count and by weight, the newest event always
kept), and a world's reset or loaded state empties it while its connected sockets stay listed."""

from __future__ import annotations

import time

from roqmock.live import LiveRecord, SocketInfo
from roqmock.mock import RoqMock


def _info(sid: str) -> SocketInfo:
    return SocketInfo(sid, "user", None, None, None, time.time(), "in-process")


def test_the_record_keeps_the_last_events_by_count() -> None:
    record = LiveRecord(capacity=3)
    for index in range(5):
        record.record("messageReceived", f"user-{index}", "sid", {"n": index}, time.time())
    assert [e.payload["n"] for e in record.emitted()] == [2, 3, 4]
    assert [e.sequence for e in record.emitted()] == [3, 4, 5]
    assert [e.to for e in record.emitted(to="user-3")] == ["user-3"]


def test_what_was_sent_reads_back_field_for_field_and_filters_by_event_and_user() -> None:
    record = LiveRecord()
    record.record("messageReceived", "a", "sid-a", {"n": 1}, 10.0)
    record.record("userTyping", "a", "sid-a", {"n": 2}, 11.0, delay_ms=5)
    record.record("messageReceived", "b", "sid-b", {"n": 3}, 12.0)
    typing = record.emitted("userTyping")
    assert [(e.sequence, e.event, e.to, e.sid, e.data, e.timestamp, e.delay_ms) for e in typing] == [
        (2, "userTyping", "a", "sid-a", {"n": 2}, 11.0, 5)
    ]
    assert [e.data["n"] for e in record.emitted("messageReceived")] == [1, 3]
    assert [e.data["n"] for e in record.emitted("messageReceived", to="b")] == [3]
    assert record.emitted("userTyping", to="b") == []


def test_the_record_keeps_the_last_events_by_weight_and_always_the_newest() -> None:
    record = LiveRecord(max_bytes=1000)
    record.record("messageReceived", "a", "sid", {"body": "x" * 400}, time.time())
    record.record("messageReceived", "b", "sid", {"body": "y" * 400}, time.time())
    record.record("messageReceived", "c", "sid", {"body": "z" * 400}, time.time())
    assert [e.to for e in record.emitted()] == ["b", "c"]
    record.record("messageReceived", "d", "sid", {"body": "w" * 5000}, time.time())
    assert [e.to for e in record.emitted()] == ["d"]


def test_a_reset_or_a_loaded_state_empties_what_was_sent_not_who_is_connected() -> None:
    mock = RoqMock()
    for clear in (mock.reset, lambda: mock.load_state(mock.dump_state())):
        mock.live.connected(_info("s1"))
        mock.live.record("userOnline", "user", "s1", {"id": "user"}, time.time())
        clear()
        assert mock.live.emitted() == []
        assert [info.sid for info in mock.live.sockets()] == ["s1"]
        mock.live.disconnected("s1")
        assert mock.live.sockets() == []
