"""The upload flow in the domain: categories, createFileUpload, statuses, file permissions, deletes and
associations, and a file attached to a message; every refusal changes nothing."""

from __future__ import annotations

import copy

import pytest

from roqmock.domain.categories import category_from_json, content_type_allowed, parse_categories
from roqmock.domain.errors import BadRequest, Forbidden, NotFound, RoqError, ValidationError
from roqmock.domain.lists import ListArgs
from roqmock.domain.permissions import SUPER_ADMIN, Actor
from roqmock.domain.service import ChatService
from roqmock.domain.store import Store
from roqmock.state import StateError, dump_world, load_world

NOBODY = "0d9b6c4e-3f2a-4b1c-8e7d-6a5f4e3d2c1b"


@pytest.fixture
def service() -> ChatService:
    return ChatService(Store(seed=5), service_user_id="11111111-2222-4333-8444-555555555555")


def _user(service: ChatService, name: str, tenant: str | None = None) -> Actor:
    user = service.create_user(SUPER_ADMIN, reference=name, email=f"{name}@example.com", tenant_id=tenant)
    return service.actor_for(user.id)


def _snapshot(service: ChatService) -> object:
    return copy.deepcopy((dump_world(service.world), service.world.file_bytes))


def _refused(service: ChatService, call: object, kind: type[RoqError], code: str) -> None:
    before = _snapshot(service)
    with pytest.raises(kind) as caught:
        call()  # type: ignore[operator]
    assert caught.value.error_code == code
    assert _snapshot(service) == before, "a refusal changed the world"


def _ready(service: ChatService, actor: Actor, name: str = "a.txt", data: bytes = b"abc") -> str:
    file = service.create_file_upload(actor, name=name, content_type="text/plain", category_key="CHAT_FILES")
    service.store_upload(file.id, data)
    return service.update_file_status(actor, file.id, "ready").id


def test_every_world_has_roq_uis_categories_with_their_bounds(service: ChatService) -> None:
    page = service.file_categories(SUPER_ADMIN, ListArgs(order={"order": "ASC", "sort": "key"}))
    assert [c.key for c in page.data] == ["CHAT_FILES", "USER_AVATAR_FILES", "USER_FILES"]
    assert all(c.max_size and c.content_types for c in page.data)
    small = service.file_categories(SUPER_ADMIN, ListArgs(filter={"maxSize": {"lessThan": 5_000_000}}))
    assert [c.key for c in small.data] == ["USER_AVATAR_FILES"]
    category = page.data[0]
    assert service.file_category_by_id(SUPER_ADMIN, category.id.upper()) is category
    with pytest.raises(NotFound) as caught:
        service.file_category_by_id(SUPER_ADMIN, NOBODY)
    assert caught.value.error_code == "FILE_CATEGORY_NOT_FOUND"


def test_configured_categories_replace_by_key_and_bad_ones_are_refused() -> None:
    specs = parse_categories(
        {"CHAT_FILES": {"maxSize": 10, "contentTypes": ["text/plain"]}, "DOCS": {"maxSize": 5}}
    )
    service = ChatService(Store(seed=1, file_categories=specs))
    assert {c.key: c.max_size for c in service.world.file_categories.values()} == {
        "CHAT_FILES": 10,
        "DOCS": 5,
    }
    for bad in (
        {},
        {"maxSize": 0},
        {"maxSize": True},
        {"maxSize": 1, "contentTypes": ["image"]},
        {"maxSize": 1, "x": 1},
    ):
        with pytest.raises(ValueError):
            category_from_json("K", bad)
    with pytest.raises(ValueError):
        parse_categories([])


@pytest.mark.parametrize(
    ("content_type", "allowed"),
    [
        ("image/png", True),
        ("IMAGE/PNG; q=1", True),
        ("text/plain", True),
        ("video/mp4", False),
        ("png", False),
    ],
)
def test_content_types_match_exactly_or_by_family(content_type: str, allowed: bool) -> None:
    assert content_type_allowed(["image/*", "text/plain"], content_type) is allowed


def test_an_upload_is_pending_until_its_bytes_arrive_then_ready(service: ChatService) -> None:
    alice = _user(service, "alice")
    file = service.create_file_upload(
        alice, name="a.png", content_type="image/png", category_key="CHAT_FILES"
    )
    assert (file.status, file.created_by_user_id, file.is_public) == ("upload_pending", alice.user_id, False)
    assert service.file_max_size(file) == 10 * 1024 * 1024
    _refused(
        service,
        lambda: service.update_file_status(alice, file.id, "ready"),
        BadRequest,
        "FILE_NOT_COMPLETELY_UPLOADED_STATUS_UPDATE_FAILED",
    )
    service.store_upload(file.id, b"\x89PNG")
    assert service.update_file_status(alice, file.id, "ready").status == "ready"
    avatar = service.create_file_upload(
        alice, name="me.png", content_type="image/png", category_key="USER_AVATAR_FILES"
    )
    assert avatar.is_public is True  # its category's default


def test_the_super_admin_uploads_as_the_service_account(service: ChatService) -> None:
    file = service.create_file_upload(
        SUPER_ADMIN, name="x.csv", content_type="text/csv", category_key="USER_FILES"
    )
    assert file.created_by_user_id == "11111111-2222-4333-8444-555555555555"


def test_unknown_keys_refused_content_types_and_empty_names_change_nothing(service: ChatService) -> None:
    alice = _user(service, "alice")

    def create(key: str = "CHAT_FILES", content_type: str = "text/plain", name: str = "a") -> object:
        return lambda: service.create_file_upload(
            alice, name=name, content_type=content_type, category_key=key
        )

    _refused(service, create(key="NOPE"), NotFound, "FILE_CATEGORY_WITH_GIVEN_KEY_NOT_FOUND")
    _refused(service, create(key="USER_AVATAR_FILES"), BadRequest, "INVALID_CONTENT_TYPE_FOR_FILE_CATEGORY")
    _refused(service, create(content_type="nonsense"), BadRequest, "INVALID_CONTENT_TYPE_FOR_FILE_CATEGORY")
    _refused(service, create(name=" "), ValidationError, "IS_NOT_EMPTY")


def test_statuses_cancelled_and_error_need_no_bytes_and_bad_ones_are_refused(service: ChatService) -> None:
    alice = _user(service, "alice")
    file = service.create_file_upload(alice, name="a", content_type="text/plain", category_key="CHAT_FILES")
    assert service.update_file_status(alice, file.id, "cancelled").status == "cancelled"
    assert service.update_file_status(alice, file.id, "error").status == "error"
    _refused(service, lambda: service.update_file_status(alice, file.id, "done"), ValidationError, "IS_ENUM")


def test_only_the_creator_manages_a_file_under_the_default_role(service: ChatService) -> None:
    alice, bob = _user(service, "alice"), _user(service, "bob")
    file_id = _ready(service, alice)
    service.set_file_public(alice, file_id, public=True)  # bob may read it now, not change it
    assert service.file(bob, file_id).id == file_id
    for call in (
        lambda: service.update_file(bob, file_id, name="mine"),
        lambda: service.set_file_public(bob, file_id, public=False),
        lambda: service.update_file_status(bob, file_id, "error"),
        lambda: service.delete_files(bob, [file_id]),
        lambda: service.create_file_association(
            bob, file_id=file_id, entity_name="x", entity_reference=NOBODY
        ),
    ):
        _refused(service, call, Forbidden, "FORBIDDEN")
    service.set_file_public(alice, file_id, public=False)  # now bob may not even read it
    _refused(service, lambda: service.delete_files(bob, [file_id]), NotFound, "FILE_NOT_FOUND")
    assert service.update_file(alice, file_id, name="renamed").name == "renamed"
    rows = {row["rule"]: row for row in service.coverage.rows()}
    assert rows["File:delete:own"] == {"rule": "File:delete:own", "allowed": 0, "denied": 1}
    assert rows["File:update:own"]["allowed"] >= 3 and rows["File:create"]["allowed"] == 1


def test_delete_files_is_all_or_nothing_and_takes_the_bytes(service: ChatService) -> None:
    alice = _user(service, "alice")
    first, second = _ready(service, alice, "1"), _ready(service, alice, "2")
    _refused(service, lambda: service.delete_files(alice, [first, NOBODY]), NotFound, "FILE_NOT_FOUND")
    _refused(service, lambda: service.delete_files(alice, [first, "nope"]), BadRequest, "INVALID_UUID")
    assert service.delete_files(alice, [first, first.upper(), second]) == [first, second]
    assert service.world.files.keys().isdisjoint({first, second}) and service.world.file_bytes == {}
    assert service.delete_files(alice, []) == []


def test_associations_are_records_of_their_file(service: ChatService) -> None:
    alice = _user(service, "alice")
    file_id = _ready(service, alice)
    file = service.world.files[file_id]
    made = [
        service.create_file_association(
            alice, file_id=file_id, entity_name="invoice", entity_reference=NOBODY
        )
        for _ in range(2)
    ]
    assert [a.id for a in service.file_associations(alice, file).data] == [a.id for a in made]
    filtered = service.files(alice, ListArgs(filter={"entityName": {"equalTo": "invoice"}}))
    assert [f.id for f in filtered.data] == [file_id]
    _refused(
        service,
        lambda: service.delete_file_associations(alice, ids=[made[0].id, NOBODY], file_ids=None),
        NotFound,
        "FILE_ASSOCIATION_NOT_FOUND",
    )
    assert service.delete_file_associations(alice, ids=[made[0].id], file_ids=None) == [made[0].id]
    assert service.delete_file_associations(alice, ids=None, file_ids=[file_id]) == [made[1].id]
    again = service.create_file_association(alice, file_id=file_id, entity_name="x", entity_reference=NOBODY)
    service.delete_files(alice, [file_id])
    assert again.id not in service.world.file_associations


def test_a_message_takes_only_a_ready_file_its_author_may_read(service: ChatService) -> None:
    alice, bob = _user(service, "alice"), _user(service, "bob")
    assert alice.user_id and bob.user_id
    conversation = service.create_conversation(
        alice, title="t", owner_id=alice.user_id, member_ids=[alice.user_id, bob.user_id]
    )
    pending = service.create_file_upload(
        alice, name="p", content_type="text/plain", category_key="CHAT_FILES"
    )
    bobs = _ready(service, bob)

    def send(actor: Actor, file_id: str) -> object:
        assert actor.user_id
        return lambda: service.create_message(
            actor,
            author_id=actor.user_id,
            body="f",
            conversation_id=conversation.id,
            is_system=False,
            file_id=file_id,
        )

    _refused(service, send(alice, pending.id), BadRequest, "FILE_NOT_READY")
    _refused(service, send(alice, bobs), NotFound, "FILE_NOT_FOUND")
    _refused(service, send(alice, NOBODY), NotFound, "FILE_NOT_FOUND")
    message = service.create_message(
        bob, author_id=bob.user_id, body="f", conversation_id=conversation.id, is_system=False, file_id=bobs
    )
    # Once attached, a member of the conversation reads the file and may get its URL, not change it.
    assert service.message_file_for_url(alice, message.id, bobs).id == bobs
    _refused(service, lambda: service.delete_files(alice, [bobs]), Forbidden, "FORBIDDEN")
    # Deleted, the file is detached from its messages: no message names a file that is not there.
    assert service.delete_files(bob, [bobs]) == [bobs]
    assert message.file_id is None and bobs not in service.world.messages_by_file


def test_a_state_carries_bytes_and_associations_and_refuses_past_the_bound(service: ChatService) -> None:
    alice = _user(service, "alice")
    file_id = _ready(service, alice, data=b"\x00\x01bytes")
    service.create_file_association(alice, file_id=file_id, entity_name="invoice", entity_reference=NOBODY)
    state = dump_world(service.world)
    world = load_world(state, default_roles=service.world.roles)
    assert world.file_bytes == {file_id: b"\x00\x01bytes"} and len(world.file_associations) == 1
    with pytest.raises(StateError) as refused:
        load_world(state, default_roles=service.world.roles, max_file_bytes=6)
    assert "bound" in str(refused.value)
    state["files"][0]["contentBase64"] = "not base64!"
    with pytest.raises(StateError):
        load_world(state, default_roles=service.world.roles)
