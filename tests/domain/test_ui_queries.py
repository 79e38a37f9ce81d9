"""The client-graph queries ROQ's chat UI sends (userAccess, userProfiles, translationKeys), in process."""

from __future__ import annotations

import uuid

import pytest

from roqmock.domain.errors import NotFound, ValidationError
from roqmock.domain.lists import ListArgs
from roqmock.domain.permissions import SUPER_ADMIN, Actor
from roqmock.domain.roles import DEFAULT_USER_ROLE, Role, parse_permission
from roqmock.domain.service import ChatService
from roqmock.domain.store import Store

TENANT = "6a0c1f4e-3b7d-4c2a-9e51-0d8f2b6c7a13"
OTHER_TENANT = "b1e2d3c4-5a6b-4c7d-8e9f-0a1b2c3d4e5f"


def _role(key: str, *permissions: str) -> Role:
    return Role(key, key, tuple(parse_permission(text) for text in permissions))


ROLES = {
    role.key: role
    for role in (
        DEFAULT_USER_ROLE,
        _role("self-only", "User:read:own"),
        _role("directory", "User:read:all"),
        _role("reader", "Conversation:read:own", "File:read:own"),
    )
}


@pytest.fixture
def service() -> ChatService:
    return ChatService(Store(seed=3, roles=ROLES))


def _user(
    service: ChatService,
    name: str,
    *,
    tenant: str | None = TENANT,
    roles: list[str] | None = None,
    only: bool = False,
    **profile: object,
) -> Actor:
    user = service.create_user(
        SUPER_ADMIN,
        reference=name,
        email=f"{name}@example.com",
        tenant_id=tenant,
        roles=roles,
        first_name=name.capitalize(),
        **profile,
    )
    if only:  # every user gets the default role: take it back to test the others alone
        service.unassign_roles(SUPER_ADMIN, user.id, ["user"])
    return service.actor_for(user.id)


def _names(service: ChatService, actor: Actor, args: ListArgs | None = None) -> list[str]:
    page = service.user_profiles(actor, args or ListArgs(order={"order": "ASC", "sort": "firstName"}))
    return [user.reference for user in page.data]


# ---------------------------------------------------------------- userProfiles: the users' read rules


def test_user_profiles_follow_the_user_read_scope(service: ChatService) -> None:
    alice = _user(service, "alice")
    _user(service, "bob")
    _user(service, "dave", tenant=OTHER_TENANT)
    loner = _user(service, "loner", tenant=None)
    me = _user(service, "me", roles=["self-only"], only=True)
    everyone = _user(service, "eve", tenant=OTHER_TENANT, roles=["directory"])
    nobody = _user(service, "nobody", roles=["reader"], only=True)

    # The default role reads users with tenant scope: its tenant's users; without a tenant, itself.
    assert _names(service, alice) == ["alice", "bob", "me", "nobody"]
    assert _names(service, loner) == ["loner"]
    assert _names(service, me) == ["me"]
    assert _names(service, nobody) == []
    assert len(_names(service, everyone)) == 7 == len(_names(service, SUPER_ADMIN))
    # The same answer as ``users`` gives the same caller.
    for actor in (alice, loner, me, nobody, everyone):
        assert service.user_profiles(actor, ListArgs()) == service.users(actor, ListArgs())


def test_user_profile_is_404_where_user_is(service: ChatService) -> None:
    alice = _user(service, "alice")
    bob = _user(service, "bob")
    dave = _user(service, "dave", tenant=OTHER_TENANT)
    assert bob.user_id and dave.user_id
    assert service.user_profile(alice, bob.user_id.upper()).reference == "bob"
    with pytest.raises(NotFound) as refused:
        service.user_profile(alice, dave.user_id)
    assert refused.value.error_code == "USER_NOT_FOUND"
    with pytest.raises(NotFound):
        service.user_profile(alice, str(uuid.uuid4()))


def test_user_profiles_hide_deactivated_users_unless_asked(service: ChatService) -> None:
    alice = _user(service, "alice")
    _user(service, "gone", active=False)
    assert _names(service, alice) == ["alice"]
    asked = ListArgs(
        filter={"withDeactivated": {"equalTo": True}}, order={"order": "ASC", "sort": "firstName"}
    )
    assert _names(service, alice, asked) == ["alice", "gone"]


# ---------------------------------------------------------------- userProfiles: the list code


def test_user_profiles_page_order_and_search_as_the_recipient_picker_asks(service: ChatService) -> None:
    alice = _user(service, "alice")
    for name in ("carol", "bob", "dora", "erin"):
        _user(service, name)
    assert alice.user_id
    picker = ListArgs(
        filter={"id": {"valueNotIn": [alice.user_id]}, "search": ""},
        limit=2,
        offset=0,
        order={"order": "ASC", "sort": "firstName"},
    )
    first = service.user_profiles(alice, picker)
    assert [u.reference for u in first.data] == ["bob", "carol"] and first.total_count == 4
    second = service.user_profiles(alice, ListArgs(picker.filter, 2, 2, picker.order))
    assert [u.reference for u in second.data] == ["dora", "erin"] and second.total_count == 4
    beyond = service.user_profiles(alice, ListArgs(picker.filter, 2, 4, picker.order))
    assert beyond.data == [] and beyond.total_count == 4
    # ``search`` is free text over first name, last name and email, ignoring case.
    found = service.user_profiles(alice, ListArgs(filter={"search": "ORA"}))
    assert [u.reference for u in found.data] == ["dora"]
    descending = ListArgs(order={"order": "DESC", "sort": "firstName"})
    assert _names(service, alice, descending) == ["erin", "dora", "carol", "bob", "alice"]


def test_user_profiles_take_only_the_profile_sorts(service: ChatService) -> None:
    alice = _user(service, "alice")
    with pytest.raises(ValidationError) as refused:
        service.user_profiles(alice, ListArgs(order={"order": "ASC", "sort": "email"}))
    assert refused.value.error_code == "IS_IN"
    assert service.users(alice, ListArgs(order={"order": "ASC", "sort": "email"})).total_count == 1
    with pytest.raises(ValidationError) as negative:
        service.user_profiles(alice, ListArgs(limit=-1))
    assert negative.value.error_code == "MIN"


@pytest.mark.parametrize(
    ("operators", "everyone"),
    [
        ({"equalTo": TENANT}, False),
        ({"notEqualTo": TENANT}, False),  # no group is NULL: it is not "another group"
        ({"valueIn": [TENANT]}, False),
        ({"valueIn": []}, False),
        ({"valueNotIn": [TENANT]}, False),
        ({"valueNotIn": []}, True),
        ({"all": [TENANT]}, False),
        ({"all": []}, True),
        ({"equalTo": None}, True),  # IS NULL: in no group
        ({}, True),
    ],
)
def test_user_group_filter_sees_no_user_in_any_group(
    service: ChatService, operators: dict[str, object], everyone: bool
) -> None:
    alice = _user(service, "alice")
    _user(service, "bob")
    for listing in (service.user_profiles, service.users):
        page = listing(alice, ListArgs(filter={"userGroupId": operators}))
        assert page.total_count == (2 if everyone else 0), listing.__name__


@pytest.mark.parametrize("operators", [{"equalTo": "group-1"}, {"all": ["not-a-uuid"]}, {"valueIn": ["x"]}])
def test_user_group_filter_takes_uuids_only(service: ChatService, operators: dict[str, object]) -> None:
    alice = _user(service, "alice")
    with pytest.raises(ValidationError) as refused:
        service.user_profiles(alice, ListArgs(filter={"userGroupId": operators}))
    assert refused.value.error_code == "IS_UUID"


# ---------------------------------------------------------------- userAccess


def _platform(service: ChatService, actor: Actor) -> dict[str, dict[str, bool]]:
    platform: dict[str, dict[str, bool]] = service.user_access(actor)["platform"]
    return platform


def test_user_access_of_the_default_role_opens_the_chat(service: ChatService) -> None:
    alice = _user(service, "alice")
    access = service.user_access(alice)
    assert access["project"] == {}
    every = {"read": True, "create": True, "update": True, "delete": True}
    assert access["platform"] == {
        "conversation": every,
        "file": every,
        "userProfile": {"read": True, "create": False, "update": False, "delete": False},
        "userInvite": {"read": False, "create": False, "update": False, "delete": False},
    }
    assert access["access"]["roles"] == ["user"]
    assert "Conversation:read:own" in access["access"]["permissions"]
    assert access["access"]["superAdmin"] is False


def test_user_access_follows_the_roles_held(service: ChatService) -> None:
    reader = _user(service, "reader", roles=["reader"], only=True)
    platform = _platform(service, reader)
    assert platform["conversation"] == {"read": True, "create": False, "update": False, "delete": False}
    assert platform["file"]["read"] and not platform["file"]["create"]
    assert not platform["userProfile"]["read"]
    assert service.user_access(reader)["access"] == {
        "superAdmin": False,
        "roles": ["reader"],
        "permissions": ["Conversation:read:own", "File:read:own"],
    }
    # A user without roles is told nothing is allowed: ROQ's UI then shows the chat as restricted.
    bare = _user(service, "bare", only=True)
    assert not any(allowed for ops in _platform(service, bare).values() for allowed in ops.values())
    assert service.user_access(bare)["access"]["permissions"] == []


def test_user_access_changes_with_role_assignment(service: ChatService) -> None:
    bare = _user(service, "bare", only=True)
    assert bare.user_id
    assert not _platform(service, bare)["conversation"]["read"]
    service.assign_roles(SUPER_ADMIN, bare.user_id, ["user"])
    assert _platform(service, bare)["conversation"]["read"]


def test_user_access_of_the_super_admin_grants_everything_but_what_roqmock_lacks(
    service: ChatService,
) -> None:
    access = service.user_access(SUPER_ADMIN)
    assert access["access"]["superAdmin"] is True
    assert all(access["platform"]["conversation"].values()) and all(access["platform"]["file"].values())
    assert not any(access["platform"]["userInvite"].values())


# ---------------------------------------------------------------- translationKeys


def test_translation_keys_answer_the_uis_search_in_both_its_locales(service: ChatService) -> None:
    alice = _user(service, "alice")
    page = service.translation_keys(alice, ListArgs(), "roq-ui.")
    assert page.total_count == len(page.data) >= 1
    for key in page.data:
        assert key.key.startswith("roq-ui.chat.")
        for locale in ("en-US", "de-DE"):
            only = service.translations(key, ListArgs(filter={"locale": {"valueIn": [locale]}}))
            assert [t.locale for t in only.data] == [locale] and only.data[0].value
            assert only.data[0].translation_key_id == key.id and only.data[0].key == key.key
    assert service.translations(page.data[0], ListArgs(filter={"locale": {"equalTo": "fr-FR"}})).data == []


def test_translation_keys_search_filter_order_and_page(service: ChatService) -> None:
    every = service.translation_keys(SUPER_ADMIN, ListArgs(), None)
    assert service.translation_keys(SUPER_ADMIN, ListArgs(), "ROQ-UI.CHAT") == every
    assert service.translation_keys(SUPER_ADMIN, ListArgs(), "no-such-key").total_count == 0
    online = service.translation_keys(SUPER_ADMIN, ListArgs(), "header.online")
    assert [key.key for key in online.data] == ["roq-ui.chat.conversation-header.online"]
    by_key = ListArgs(order={"order": "ASC", "sort": "key"}, limit=2, offset=1)
    page = service.translation_keys(SUPER_ADMIN, by_key, None)
    assert [key.key for key in page.data] == sorted(key.key for key in every.data)[1:3]
    assert page.total_count == every.total_count
    german = ListArgs(filter={"locale": {"equalTo": "de-DE"}, "translated": {"equalTo": True}})
    assert service.translation_keys(SUPER_ADMIN, german, None).total_count == every.total_count
    assert (
        service.translation_keys(SUPER_ADMIN, ListArgs(filter={"locale": {"equalTo": "fr-FR"}}), None).data
        == []
    )
    untranslated = ListArgs(filter={"translated": {"equalTo": False}})
    assert service.translation_keys(SUPER_ADMIN, untranslated, None).total_count == 0
