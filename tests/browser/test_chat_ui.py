"""ROQ's own chat UI (``@roq/ui-react``'s ``<Chat/>``, served by roqmock at ``/chat/``) in a real Chromium,
two users at once, against a real ``roqmock serve``.

Needs what tests/browser/test_sandbox.py needs (Debian's Chromium, Python Playwright) and the chat page's
build (``npm ci --prefix chat && npm run --prefix chat build``; installing roqmock with npm on the PATH
builds it). Without them these tests fail, they never skip.

The pages are opened as ``http://localhost:<port>``: ROQ's UI reaches its notification socket on the page's
port only when the host name says localhost. The selectors are ROQ's own class names (``roq-chat-...``).
"""

from __future__ import annotations

import json
import os
import subprocess
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from support.browsers import ARTIFACTS, chromium
from support.node import node

from roqmock.http.chat import page as chat_page
from roqmock.testing import RoqServer, start_server
from roqmock.uploads import DOWNLOAD_PATH

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Locator, Page

SEED = 11
TIMEOUT_MS = 15_000
SDK_MESSAGE = Path(__file__).with_name("sdk_message.js")  # needs npm ci --prefix tests

CREATE_USER = "mutation($user: UserCreateDto!) { createUser(user: $user) { id } }"
CREATE_CONVERSATION = (
    "mutation($conversation: ConversationCreateDto!) "
    "{ createConversation(conversation: $conversation) { id } }"
)

CARD = ".roq-chat-conversation-card"
MESSAGE = ".roq-chat-message"
EDITOR = ".roq-chat-editor__inner__textarea"
SEND = ".roq-chat-message-input-send-button"

# ---------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if chat_page.BUNDLE.stamp() is None:
        pytest.fail(f"ROQ's chat UI is not built: {chat_page.BUILD_COMMAND}", pytrace=False)
    with chromium() as launched:
        yield launched


@pytest.fixture(scope="module")
def server() -> Iterator[RoqServer]:
    # A seeded world: its users share tenants, so ROQ's recipient picker (userProfiles) lists colleagues.
    running = start_server(seed=SEED)
    yield running
    running.stop()


def local(server: RoqServer) -> str:
    return server.url.replace("://127.0.0.1:", "://localhost:")


class Person:
    def __init__(self, user_id: str, first: str, last: str) -> None:
        self.id = user_id
        self.first = first
        self.last = last

    @property
    def name(self) -> str:
        return f"{self.first} {self.last}"


@pytest.fixture
def person(server: RoqServer) -> Callable[..., Person]:
    """A new user in the seeded users' first tenant, with a name no other test uses."""
    tenant_id = server.world.users[0].tenant_id

    def make(first: str, last: str | None = None) -> Person:
        unique = uuid.uuid4().hex[:8]
        last = last or "Q" + unique  # a name to search ROQ's recipient picker by
        user = {
            "reference": f"{first.lower()}-{unique}",
            "email": f"{first.lower()}.{unique}@example.com",
            "firstName": first,
            "lastName": last,
            "tenantId": tenant_id,
        }
        answer = server.execute(CREATE_USER, {"user": user})
        assert "errors" not in answer, answer
        return Person(answer["data"]["createUser"]["id"], first, last)

    return make


def one_to_one(server: RoqServer, owner: Person, other: Person) -> str:
    conversation = {
        "title": "Lunch",
        "ownerId": owner.id,
        "memberIds": [owner.id, other.id],
        "isGroup": False,
    }
    answer = server.execute(CREATE_CONVERSATION, {"conversation": conversation})
    assert "errors" not in answer, answer
    conversation_id: str = answer["data"]["createConversation"]["id"]
    return conversation_id


@pytest.fixture
def open_chat(browser: Browser, server: RoqServer) -> Iterator[Callable[[Person], Page]]:
    """ROQ's chat UI as a user, each in a browser context of its own; at the end, no page may have logged
    an error or asked anything of another host."""
    contexts: list[BrowserContext] = []
    problems: list[str] = []
    origin = local(server)

    def open_as(who: Person) -> Page:
        context = browser.new_context(viewport={"width": 1280, "height": 760})
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: problems.append(f"{who.first}: page error: {error}"))
        page.on(
            "console",
            lambda message: (
                problems.append(f"{who.first}: console error: {message.text}")
                if message.type == "error"
                else None
            ),
        )
        page.on(
            "request",
            lambda request: (
                problems.append(f"{who.first}: asked another host: {request.url}")
                if not request.url.startswith((origin, "data:", "blob:"))
                else None
            ),
        )
        page.goto(f"{origin}/chat/?token={server.token(who.id)}")
        expect(page.locator(".roq-chat-conversation-list")).to_be_visible()
        return page

    yield open_as
    for context in contexts:
        context.close()
    assert not problems, problems


# ---------------------------------------------------------------- helpers


def expect(target: Any) -> Any:
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(target)


def card(page: Page, who: Person) -> Locator:
    return page.locator(CARD, has_text=who.name)


def open_conversation(page: Page, with_whom: Person) -> None:
    page.bring_to_front()
    card(page, with_whom).click()
    expect(page.locator(".roq-chat-conversation-header__info__name")).to_have_text(with_whom.name)


def send(page: Page, body: str) -> None:
    # With two pages open, ROQ's editor takes input only on the page in front.
    page.bring_to_front()
    page.locator(EDITOR).click()
    page.keyboard.type(body)
    page.locator(SEND).click()


def screenshot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name))


# ---------------------------------------------------------------- the tests


def test_two_users_chat_live_with_read_ticks(
    server: RoqServer, person: Callable[..., Person], open_chat: Callable[[Person], Page]
) -> None:
    alice, bob = person("Alice", "Archer"), person("Bob", "Baker")
    conversation_id = one_to_one(server, alice, bob)
    alice_page, bob_page = open_chat(alice), open_chat(bob)
    # The conversation list renders, the other member's name as a one-to-one's title.
    expect(card(alice_page, bob)).to_be_visible()
    expect(card(bob_page, alice)).to_be_visible()

    open_conversation(alice_page, bob)
    body = "Lunch at noon? The usual place"
    send(alice_page, body)
    sent = alice_page.locator(f"{MESSAGE}--sent", has_text=body)
    expect(sent).to_be_visible()
    # Bob's page hears it live: his list shows it, unread.
    expect(card(bob_page, alice)).to_contain_text(body)
    expect(card(bob_page, alice).locator(".roq-chat-conversation-card__inner__actions")).to_contain_text("1")
    assert [message.body for message in server.world.messages_in(conversation_id)] == [body]
    # Seen by no one else yet: delivered.
    expect(alice_page.locator(f"{MESSAGE}--sent{MESSAGE}--delivered", has_text=body)).to_be_visible()

    open_conversation(bob_page, alice)
    expect(bob_page.locator(f"{MESSAGE}--received", has_text=body)).to_be_visible()
    # Bob read it: Alice's page turns its ticks to seen, live.
    expect(alice_page.locator(f"{MESSAGE}--sent{MESSAGE}--seen", has_text=body)).to_be_visible()

    reply = "Sure, see you **there**"  # markdown, as ROQ's UI renders it
    typing = alice_page.locator(".roq-chat-window", has_text=f"{bob.name} is Typing")
    bob_page.bring_to_front()
    bob_page.locator(EDITOR).click()
    bob_page.keyboard.type(reply)
    expect(typing).to_be_visible()  # userTyping, relayed
    bob_page.locator(SEND).click()
    expect(typing).to_have_count(0)  # and its end
    expect(alice_page.locator(f"{MESSAGE}--received", has_text="Sure, see you there")).to_be_visible()
    expect(alice_page.locator(f"{MESSAGE}--received strong", has_text="there")).to_be_visible()
    # Alice has the conversation open: Bob's reply is seen at once.
    expect(
        bob_page.locator(f"{MESSAGE}--sent{MESSAGE}--seen", has_text="Sure, see you there")
    ).to_be_visible()
    bob_page.bring_to_front()
    screenshot(bob_page, "chat.png")


def test_a_one_to_one_started_through_the_recipient_picker(
    server: RoqServer, person: Callable[..., Person], open_chat: Callable[[Person], Page]
) -> None:
    alice, carol = person("Alice"), person("Carol")
    alice_page, carol_page = open_chat(alice), open_chat(carol)
    alice_page.bring_to_front()
    alice_page.locator(".roq-chat-conversation-list-sidebar__header__top__action").click()
    search = alice_page.get_by_placeholder("Search or start new chat")
    search.fill(carol.last)  # getRecipients → userProfiles(search)
    alice_page.get_by_text(carol.name, exact=True).click()  # createConversation → conversationCreated

    expect(alice_page.locator(".roq-chat-conversation-header__info__name")).to_have_text(carol.name)
    expect(card(alice_page, carol)).to_be_visible()
    # Carol hears of it live.
    expect(card(carol_page, alice)).to_be_visible()
    (created,) = server.world.conversations_of(alice.id)
    assert {member.id for member in server.world.members_of(created)} == {alice.id, carol.id}
    assert not created.is_group and created.owner_id == alice.id


def test_a_file_attached_in_alices_page_shows_in_bobs(
    server: RoqServer, person: Callable[..., Person], open_chat: Callable[[Person], Page]
) -> None:
    alice, bob = person("Alice"), person("Bob")
    conversation_id = one_to_one(server, alice, bob)
    alice_page, bob_page = open_chat(alice), open_chat(bob)
    open_conversation(bob_page, alice)
    open_conversation(alice_page, bob)

    content = b"minutes of the meeting\n"
    with alice_page.expect_file_chooser() as chooser:
        alice_page.locator(".roq-chat-message-file-attachment-button").click()
    # createFileUpload, the presigned POST, updateFileStatus(ready); then sendMessage (type file)
    chooser.value.set_files(files=[{"name": "minutes.txt", "mimeType": "text/plain", "buffer": content}])
    alice_page.locator(SEND).click()  # enabled once the upload is done

    expect(alice_page.locator(f"{MESSAGE}--sent{MESSAGE}--file", has_text="minutes.txt")).to_be_visible()
    expect(bob_page.locator(f"{MESSAGE}--received{MESSAGE}--file", has_text="minutes.txt")).to_be_visible()
    (message,) = server.world.messages_in(conversation_id)
    assert message.file_id is not None
    assert server.world.file_bytes(message.file_id) == content

    # Bob opens it: messageFileUrl, then its URL in a new tab (a download), served by roqmock.
    bob_page.bring_to_front()
    downloads = f"{local(server)}{DOWNLOAD_PATH}/"
    with bob_page.context.expect_event("request", lambda request: request.url.startswith(downloads)) as asked:
        bob_page.locator(f"{MESSAGE}--file").get_by_text("minutes.txt").click()
    assert httpx.get(asked.value.url).content == content


@pytest.mark.sdk
def test_a_message_from_server_code_appears_live_in_both_pages(
    server: RoqServer, person: Callable[..., Person], open_chat: Callable[[Person], Page]
) -> None:
    alice, bob = person("Alice"), person("Bob")
    conversation_id = one_to_one(server, alice, bob)
    alice_page, bob_page = open_chat(alice), open_chat(bob)
    open_conversation(alice_page, bob)
    open_conversation(bob_page, alice)

    body = "Your table is booked for 12:00"
    # Server code: ROQ's own Node SDK, as the team's backend would send it.
    sent = subprocess.run(
        [node(), str(SDK_MESSAGE), conversation_id, alice.id, body, "--system"],
        env={
            **os.environ,
            "ROQMOCK_URL": server.url,
            "ROQMOCK_ENVIRONMENT_ID": server.environment_id,
            "ROQMOCK_API_KEY": server.api_key,
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert sent.returncode == 0, sent.stderr
    assert json.loads(sent.stdout) == {"createMessage": True}

    for page in (alice_page, bob_page):
        expect(page.locator(f"{MESSAGE}--system", has_text=body)).to_be_visible()


def test_the_sandbox_opens_roqs_chat_as_a_user(browser: Browser, server: RoqServer) -> None:
    user = server.world.user("user-1")  # a seeded person, whatever the tests before made
    context = browser.new_context(base_url=server.url)
    context.set_default_timeout(TIMEOUT_MS)
    try:
        sandbox = context.new_page()
        sandbox.goto("/")
        sandbox.wait_for_selector("body[data-ready=true]", state="attached")
        link = sandbox.locator(f"[data-testid=user-item][data-user-id='{user.id}'] + [data-testid=chat-link]")
        assert link.get_attribute("href") == f"{local(server)}/chat/?user={user.id}"
        with context.expect_page() as opened:
            link.click()
        chat = opened.value
        expect(chat.locator(".roq-chat-conversation-list")).to_be_visible()
        expect(chat.locator(CARD).first).to_be_visible()
        # The seeded world as a person sees it: a conversation open, its messages read like a chat.
        talk = max(
            (c for c in server.world.conversations_of(user) if c.is_group and c.title),
            key=lambda c: len(server.world.messages_in(c)),
        )
        assert server.world.messages_in(talk), "the seeded user has a group conversation with messages"
        chat.locator(CARD, has_text=talk.title).first.click()
        expect(chat.locator(MESSAGE).first).to_be_visible()
        ARTIFACTS.mkdir(exist_ok=True)
        chat.screenshot(path=str(ARTIFACTS / "chat-seeded.png"))
        assert httpx.get(f"{server.url}/chat/", params={"user": user.reference}).status_code == 200
    finally:
        context.close()
