"""File bytes in the world: an upload's bytes, their bounds, and their undo like every other write."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from roqmock.domain.errors import Conflict, NotFound, RoqError, TooLarge
from roqmock.domain.models import File, FileCategory
from roqmock.domain.service import ChatService
from roqmock.domain.store import Store

MOMENT = datetime(2025, 1, 1, tzinfo=UTC)
CATEGORY_ID = "2f0d7c1e-5b8a-4c3d-9e6f-1a2b3c4d5e6f"


def _file(service: ChatService, *, status: str = "upload_pending", max_size: float | None = 100) -> File:
    world = service.world
    if CATEGORY_ID not in world.file_categories:
        world.add_file_category(
            FileCategory(CATEGORY_ID, "CHAT_FILES", "Chat files", MOMENT, MOMENT, max_size=max_size)
        )
    file = File(str(uuid.uuid4()), "a.txt", "text/plain", str(uuid.uuid4()), CATEGORY_ID, MOMENT, MOMENT)
    file.status = status
    world.add_file(file)
    return file


def test_an_upload_is_held_and_read_back_while_the_file_stays_pending() -> None:
    service = ChatService(Store(seed=1))
    file = _file(service)
    stored = service.store_upload(file.id.upper(), b"hello")
    assert stored is file and file.status == "upload_pending"
    assert service.file_content(file.id) == (file, b"hello")
    assert service.world.file_bytes_total == 5
    service.store_upload(file.id, b"hi")  # a second post while pending replaces the first
    assert service.file_content(file.id)[1] == b"hi" and service.world.file_bytes_total == 2


@pytest.mark.parametrize("file_id", ["0d9b6c4e-3f2a-4b1c-8e7d-6a5f4e3d2c1b", "not-a-uuid"])
def test_an_upload_for_no_file_is_not_found(file_id: str) -> None:
    service = ChatService(Store(seed=1))
    with pytest.raises(NotFound) as caught:
        service.store_upload(file_id, b"x")
    assert caught.value.error_code == "FILE_NOT_FOUND"
    assert service.world.file_bytes == {}


@pytest.mark.parametrize("status", ["ready", "cancelled", "error", "processing"])
def test_an_upload_for_a_file_not_pending_is_a_conflict(status: str) -> None:
    service = ChatService(Store(seed=1))
    file = _file(service, status=status)
    with pytest.raises(Conflict):
        service.store_upload(file.id, b"x")
    assert service.world.file_bytes == {} and service.world.file_bytes_total == 0


def test_an_upload_over_its_categorys_max_size_is_too_large_and_changes_nothing() -> None:
    service = ChatService(Store(seed=1))
    file = _file(service, max_size=4)
    service.store_upload(file.id, b"1234")
    with pytest.raises(TooLarge) as caught:
        service.store_upload(file.id, b"12345")
    assert caught.value.status == 400 and caught.value.error_code == "ENTITY_TOO_LARGE"
    assert isinstance(caught.value, RoqError)
    assert service.file_content(file.id)[1] == b"1234" and service.world.file_bytes_total == 4


def test_a_world_refuses_bytes_past_its_bound() -> None:
    service = ChatService(Store(seed=1), max_file_bytes=10)
    first, second = _file(service, max_size=None), _file(service, max_size=None)
    service.store_upload(first.id, b"x" * 6)
    with pytest.raises(TooLarge):
        service.store_upload(second.id, b"y" * 5)
    service.store_upload(second.id, b"y" * 4)
    service.store_upload(first.id, b"x" * 6)  # replacing counts the new bytes only
    assert service.world.file_bytes_total == 10


def test_file_content_needs_the_file_and_its_bytes() -> None:
    service = ChatService(Store(seed=1))
    file = _file(service)
    for missing in (file.id, str(uuid.uuid4()), "nope"):
        with pytest.raises(NotFound) as caught:
            service.file_content(missing)
        assert caught.value.error_code == "FILE_NOT_FOUND"


def test_a_rewind_a_reset_and_a_failed_block_take_the_bytes_back() -> None:
    store = Store(seed=1)
    service = ChatService(store)
    kept = _file(service)
    service.store_upload(kept.id, b"kept")
    store.checkpoint()
    later = _file(service)
    service.store_upload(later.id, b"later")
    service.store_upload(kept.id, b"changed")
    assert store.rewind()
    assert service.world.file_bytes == {kept.id: b"kept"} and service.world.file_bytes_total == 4

    with pytest.raises(RuntimeError), store.transaction():
        service.world.put_file_bytes(kept.id, b"inside a failed block")
        service.world.remove_file_bytes(kept.id)
        raise RuntimeError
    assert service.world.file_bytes == {kept.id: b"kept"} and service.world.file_bytes_total == 4

    store.reset()
    assert service.world.file_bytes == {} and service.world.file_bytes_total == 0
