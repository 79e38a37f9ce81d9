"""The demo sandbox at ``GET /``, driven in a real Chromium by Playwright against a real ``roqmock serve``.

Needs Debian's Chromium (``apt-get install chromium``, at /usr/bin/chromium) and Python Playwright
(``pip install playwright``; no ``playwright install``: the system Chromium is used). Without them these
tests fail, they never skip.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

import httpx
import jwt
import pytest
from support.browsers import ARTIFACTS, chromium

from roqmock.domain.models import Conversation, User
from roqmock.testing import RoqServer, WorldView, start_server

if TYPE_CHECKING:
    from playwright.sync_api import Browser, ConsoleMessage, Locator, Page, Route

SEED = 7
TIMEOUT_MS = 10_000

# ---------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


@pytest.fixture(scope="module")
def server() -> Iterator[RoqServer]:
    running = start_server(seed=SEED)
    yield running
    running.stop()


@pytest.fixture
def world(server: RoqServer) -> WorldView:
    """The server's world after a reset (``POST /__roqmock/reset`` with the server header)."""
    response = httpx.post(
        f"{server.url}/__roqmock/reset",
        headers={"roq-platform-server-authorization": server.server_header},
    )
    assert response.status_code == 200, response.text
    return server.world


@pytest.fixture
def page(browser: Browser, server: RoqServer, world: WorldView) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1440, "height": 900}, base_url=server.url)
    context.set_default_timeout(TIMEOUT_MS)
    opened = context.new_page()
    problems: list[str] = []
    opened.on("pageerror", lambda error: problems.append(f"page error: {error}"))

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            problems.append(f"console error: {message.text}")

    opened.on("console", on_console)
    opened.goto("/")
    opened.wait_for_selector("body[data-ready=true]", state="attached")
    yield opened
    context.close()
    assert not problems, problems


# ---------------------------------------------------------------- helpers


def expect(target: Any) -> Any:
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(target)


def name(user: User) -> str:
    return f"{user.first_name} {user.last_name}"


def act_as(page: Page, user: User) -> None:
    page.click(f"[data-testid=user-item][data-user-id='{user.id}']")
    expect(page.get_by_test_id("acting-as")).to_contain_text(name(user))
    expect(
        page.locator("[data-testid=conversation-item], [data-testid=conversations-empty]").first
    ).to_be_visible()


def conversation_item(page: Page, conversation: Conversation | str) -> Locator:
    conversation_id = conversation.id if isinstance(conversation, Conversation) else conversation
    return page.locator(f"[data-testid=conversation-item][data-conversation-id='{conversation_id}']")


def open_conversation(page: Page, conversation: Conversation) -> None:
    conversation_item(page, conversation).click()
    expect(page.get_by_test_id("thread-title")).to_have_text(conversation.title)
    expect(page.locator("[data-testid=message], [data-testid=messages-empty]").first).to_be_visible()


def owned_conversation(world: WorldView) -> tuple[User, Conversation]:
    conversation = world.conversations[0]
    return world.user(conversation.owner_id), conversation


def not_owned_conversation(world: WorldView) -> tuple[User, Conversation]:
    for conversation in world.conversations:
        for member in world.members_of(conversation):
            if member.id != conversation.owner_id:
                return member, conversation
    raise AssertionError("the seeded world has no conversation with a member who is not its owner")


def message_input(page: Page) -> Locator:
    return page.get_by_label("New message", exact=True)


def error_toast(page: Page) -> Locator:
    toast = page.get_by_test_id("error-toast").last
    expect(toast).to_be_visible()
    return toast


def journal_row(page: Page, operation: str, caller: User) -> Locator:
    return page.locator(
        f"[data-testid=journal-row][data-operation='{operation}'][data-caller='{caller.id}']"
    ).first


# ---------------------------------------------------------------- the page


def test_the_page_is_served_from_the_package_and_needs_nothing_from_outside(
    browser: Browser, server: RoqServer, world: WorldView
) -> None:
    html = httpx.get(f"{server.url}/")
    assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
    for asset, kind in (("app.js", "text/javascript"), ("style.css", "text/css")):
        response = httpx.get(f"{server.url}/__roqmock/sandbox/{asset}")
        assert response.status_code == 200 and response.headers["content-type"].startswith(kind)
    config = httpx.get(f"{server.url}/__roqmock/sandbox/config").json()
    assert config == {
        "environmentId": server.environment_id,
        "apiKey": server.api_key,
        "graphqlUrl": "/v01/server/graphql",
    }

    context = browser.new_context(base_url=server.url)
    try:
        page = context.new_page()
        requested: list[str] = []
        page.on("request", lambda request: requested.append(request.url))
        page.goto("/")
        page.wait_for_selector("body[data-ready=true]", state="attached")
        expect(page.get_by_test_id("user-item")).to_have_count(len(world.users))
        foreign = [url for url in requested if not url.startswith(server.url) and not url.startswith("data:")]
        assert not foreign, f"the sandbox must work offline, yet it asked for {foreign}"
    finally:
        context.close()


def test_the_user_list_shows_names_emails_and_tenants(
    page: Page, server: RoqServer, world: WorldView
) -> None:
    items = page.get_by_test_id("user-item")
    expect(items).to_have_count(len(world.users))  # the seeded bot is not someone to act as
    tenants = {tenant["id"]: tenant["name"] for tenant in server.state()["tenants"]}
    for user in world.users:
        item = page.locator(f"[data-testid=user-item][data-reference='{user.reference}']")
        expect(item.get_by_test_id("user-name")).to_have_text(name(user))
        expect(item).to_contain_text(user.email)
        assert user.tenant_id is not None
        expect(item).to_contain_text(tenants[user.tenant_id])
    expect(page.get_by_test_id("thread-empty")).to_be_visible()


def test_picking_a_user_lists_their_conversations(page: Page, server: RoqServer, world: WorldView) -> None:
    user = world.users[0]
    act_as(page, user)
    mine = world.conversations_of(user)
    assert mine, "the seeded user is in no conversation"
    expect(page.get_by_test_id("conversation-item")).to_have_count(len(mine))
    expect(page.get_by_test_id("user-item").and_(page.locator("[aria-pressed=true]"))).to_have_count(1)
    for conversation in mine:
        item = conversation_item(page, conversation)
        expect(item.get_by_test_id("conversation-title")).to_have_text(conversation.title)
        expect(item.get_by_test_id("badge-kind")).to_have_text("Group" if conversation.is_group else "1:1")
        for member in world.members_of(conversation):
            expect(item.get_by_test_id("conversation-members")).to_contain_text(name(member))
        expect(item.get_by_test_id("tag-chip")).to_have_text(sorted(world.tags_of(conversation)))
    server.assert_called("conversations", as_user=user.id, variables={"withUsers": True, "withTags": True})
    server.assert_called("users", as_super_admin=True)


def test_archived_conversations_wear_a_badge(page: Page, server: RoqServer, world: WorldView) -> None:
    owner, other = world.users[0], world.users[1]
    created = server.as_super_admin().create_conversation(
        {"title": "Old news", "ownerId": owner.id, "memberIds": [owner.id, other.id], "archived": True}
    )
    act_as(page, owner)
    item = conversation_item(page, created["createConversation"]["id"])
    expect(item.get_by_test_id("badge-archived")).to_have_text("Archived")
    archived = [c for c in world.conversations_of(owner) if c.archived]
    expect(page.get_by_test_id("badge-archived")).to_have_count(len(archived) + 1)


def test_a_conversation_shows_its_messages_oldest_first_with_markdown_and_system_messages(
    page: Page, server: RoqServer, world: WorldView
) -> None:
    bot = world.bot
    assert bot is not None
    conversation = next(
        c
        for c in world.conversations
        if any(m.author_id == bot.id for m in world.messages_in(c))
        and any("**" in m.body for m in world.messages_in(c))
    )
    user = world.members_of(conversation)[0]
    act_as(page, user)
    open_conversation(page, conversation)

    messages = world.messages_in(conversation)
    rows = page.get_by_test_id("message")
    expect(rows).to_have_count(len(messages))
    assert rows.evaluate_all("rows => rows.map(row => row.dataset.messageId)") == [m.id for m in messages]

    bold = next(m for m in messages if "**" in m.body)
    strong_text = bold.body.split("**")[1]
    expect(page.locator(f"[data-message-id='{bold.id}'] strong").first).to_have_text(strong_text)
    expect(page.locator(f"[data-message-id='{bold.id}'] [data-testid=message-body]")).not_to_contain_text(
        "**"
    )

    system = next(m for m in messages if m.author_id == bot.id)
    system_row = page.locator(f"[data-message-id='{system.id}']")
    expect(system_row).to_have_attribute("data-system", "true")
    expect(system_row.locator("em")).to_have_count(1)  # _X joined the conversation_
    ordinary = page.locator("[data-testid=message][data-system=false]").first
    assert system_row.evaluate("e => getComputedStyle(e).alignSelf") == "center"
    assert ordinary.evaluate("e => getComputedStyle(e).alignSelf") != "center"
    assert system_row.evaluate("e => getComputedStyle(e).backgroundColor") != ordinary.locator(
        ".bubble"
    ).evaluate("e => getComputedStyle(e).backgroundColor")

    server.assert_called(
        "messages",
        as_user=user.id,
        variables={
            "filter": {"conversationId": {"equalTo": conversation.id}},
            "order": {"order": "ASC", "sort": "createdAt"},
            "withFile": True,
        },
    )


def test_attachments_show_name_type_and_a_link_from_message_file_url(
    page: Page, server: RoqServer, world: WorldView
) -> None:
    message = next(m for m in world.messages if m.file_id is not None)
    file = next(f for f in world.files if f.id == message.file_id)
    conversation = next(c for c in world.conversations if c.id == message.conversation_id)
    user = world.members_of(conversation)[0]
    act_as(page, user)
    open_conversation(page, conversation)
    attachment = page.locator(f"[data-message-id='{message.id}'] [data-testid=attachment]")
    expect(attachment.get_by_test_id("attachment-name")).to_have_text(file.name)
    expect(attachment).to_contain_text(file.content_type)
    link = attachment.get_by_test_id("attachment-link")
    expect(link).to_have_attribute(
        "href", re.compile(rf"^{re.escape(server.url)}/__roqmock/files/{file.id}/")
    )
    server.assert_called("messageFileUrl", as_user=user.id, variables={"id": message.id, "fileId": file.id})
    # The link downloads the file: its very bytes, with its content type.
    download = httpx.get(link.get_attribute("href") or "", timeout=30)
    assert download.status_code == 200 and download.content == world.file_bytes(file)
    assert download.headers["content-type"] == file.content_type


def test_sending_a_message_shows_it_and_journals_create_message(
    page: Page, server: RoqServer, world: WorldView
) -> None:
    user, conversation = owned_conversation(world)
    act_as(page, user)
    open_conversation(page, conversation)
    body = "Shipping **today**, see [the plan](https://example.com/plan)"
    message_input(page).fill(body)
    page.get_by_test_id("composer-send").click()

    last = page.get_by_test_id("message").last
    expect(last.get_by_test_id("message-body")).to_have_text("Shipping today, see the plan")
    expect(last.locator("strong")).to_have_text("today")
    expect(last.locator("a")).to_have_attribute("href", "https://example.com/plan")
    expect(last.get_by_test_id("message-author")).to_have_text("You")
    expect(message_input(page)).to_have_value("")

    row = journal_row(page, "createMessage", user)
    expect(row).to_be_visible()
    expect(row.get_by_test_id("journal-outcome")).to_have_text("ok")
    expect(row.get_by_test_id("journal-caller")).to_have_text(name(user))

    server.assert_called(
        "createMessage",
        times=1,
        as_user=user.id,
        variables={"message": {"authorId": user.id, "body": body, "conversationId": conversation.id}},
        ok=True,
    )
    assert server.world.messages_in(conversation)[-1].body == body


def test_message_bodies_never_become_markup(page: Page, world: WorldView) -> None:
    user, conversation = owned_conversation(world)
    act_as(page, user)
    open_conversation(page, conversation)
    hostile = (
        '<img src=x onerror="window.pwned=1"> <script>window.pwned=2</script> '
        "[click](javascript:window.pwned=3) **<b>bold</b>**"
    )
    message_input(page).fill(hostile)
    page.get_by_test_id("composer-send").click()
    body = page.get_by_test_id("message").last.get_by_test_id("message-body")
    expect(body).to_contain_text('<img src=x onerror="window.pwned=1">')
    assert body.locator("img, script, b, a").count() == 0
    expect(body.locator("strong")).to_have_text("<b>bold</b>")
    assert page.evaluate("window.pwned") is None


def test_the_markdown_renderer(page: Page) -> None:
    render = """source => import('/__roqmock/sandbox/app.js').then(module => {
        const box = document.createElement('div');
        box.append(module.renderMarkdown(source));
        return box.innerHTML;
    })"""
    cases = {
        "**bold** and _it_ and *it* and `x < y`": (
            "<p><strong>bold</strong> and <em>it</em> and <em>it</em> and <code>x &lt; y</code></p>"
        ),
        "[docs](https://roq.tech/a?b=1&c=2)": (
            '<p><a href="https://roq.tech/a?b=1&amp;c=2" target="_blank" rel="noopener noreferrer nofollow">'
            "docs</a></p>"
        ),
        "[bad](javascript:alert(1))": "<p>[bad](javascript:alert(1))</p>",
        "intro\n\n- one\n- **two**": "<p>intro</p><ul><li>one</li><li><strong>two</strong></li></ul>",
        "line one\nline two\n\nnext": "<p>line one<br>line two</p><p>next</p>",
        "snake_case_name stays": "<p>snake_case_name stays</p>",
        "<i>raw</i> & co": "<p>&lt;i&gt;raw&lt;/i&gt; &amp; co</p>",
    }
    for source, html in cases.items():
        assert page.evaluate(render, source) == html, source


def test_starting_a_conversation_with_tags(page: Page, server: RoqServer, world: WorldView) -> None:
    user = world.users[0]
    others = [u for u in world.users if u.id != user.id][:2]
    act_as(page, user)
    page.get_by_test_id("new-conversation").click()
    page.get_by_label("Title").fill("Sandbox launch")
    for other in others:
        page.locator(f"[data-testid=new-member][data-reference='{other.reference}']").check()
    expect(page.get_by_test_id("new-group")).to_be_checked()  # three members make a group
    page.get_by_label("Tags").fill("demo, launch")
    page.get_by_test_id("new-submit").click()

    expect(page.get_by_test_id("thread-title")).to_have_text("Sandbox launch")
    item = page.get_by_test_id("conversation-item").filter(has_text="Sandbox launch")
    expect(item).to_have_count(1)
    expect(item.get_by_test_id("tag-chip")).to_have_text(["demo", "launch"])
    expect(item.get_by_test_id("badge-owner")).to_be_visible()
    expect(item.get_by_test_id("badge-kind")).to_have_text("Group")
    expect(page.get_by_test_id("messages-empty")).to_be_visible()

    server.assert_called("createConversation", times=1, as_user=user.id, ok=True)
    after = server.world
    created = next(c for c in after.conversations if c.title == "Sandbox launch")
    assert created.owner_id == user.id and created.is_group
    assert {m.id for m in after.members_of(created)} == {user.id, *(o.id for o in others)}
    assert after.tags_of(created) == ["demo", "launch"]


def test_adding_and_removing_a_tag(page: Page, server: RoqServer, world: WorldView) -> None:
    user, conversation = owned_conversation(world)
    act_as(page, user)
    open_conversation(page, conversation)
    page.get_by_label("New tag").fill("sandbox")
    page.get_by_test_id("tag-add").click()
    expect(page.locator("[data-testid=thread-tag][data-tag=sandbox]")).to_be_visible()
    chips = conversation_item(page, conversation).get_by_test_id("tag-chip")
    expect(chips).to_have_text(sorted([*world.tags_of(conversation), "sandbox"]))
    assert "sandbox" in server.world.tags_of(conversation)

    page.get_by_role("button", name="Remove tag sandbox").click()
    expect(page.locator("[data-testid=thread-tag][data-tag=sandbox]")).to_have_count(0)
    assert server.world.tags_of(conversation) == world.tags_of(conversation)
    server.assert_called("assignTagsToConversation", times=1, as_user=user.id, ok=True)
    server.assert_called(
        "unassignTagsFromConversation", times=1, as_user=user.id, variables={"tags": ["sandbox"]}, ok=True
    )


def test_deleting_a_conversation_you_own(page: Page, server: RoqServer, world: WorldView) -> None:
    user, conversation = owned_conversation(world)
    act_as(page, user)
    open_conversation(page, conversation)
    page.get_by_test_id("delete-conversation").click()
    expect(page.get_by_test_id("ok-toast").last).to_contain_text(conversation.title)
    expect(conversation_item(page, conversation)).to_have_count(0)
    expect(page.get_by_test_id("thread-empty")).to_be_visible()
    assert conversation.id not in {c.id for c in server.world.conversations}
    server.assert_called("deleteConversation", times=1, as_user=user.id, ok=True)


def test_trying_to_delete_what_you_do_not_own_shows_roq_error(
    page: Page, server: RoqServer, world: WorldView
) -> None:
    user, conversation = not_owned_conversation(world)
    act_as(page, user)
    open_conversation(page, conversation)
    expect(page.get_by_test_id("delete-conversation")).to_have_count(0)
    page.get_by_test_id("try-delete-conversation").click()

    toast = error_toast(page)
    expect(toast.get_by_test_id("error-status")).to_have_text("403")
    expect(toast.get_by_test_id("error-code")).to_have_text("FORBIDDEN")
    expect(toast.get_by_test_id("error-message")).to_have_text(
        "You are not allowed to delete this conversation"
    )
    row = journal_row(page, "deleteConversation", user)
    expect(row.get_by_test_id("journal-outcome")).to_have_text("FORBIDDEN")
    expect(row).to_have_attribute("data-ok", "false")

    expect(conversation_item(page, conversation)).to_have_count(1)
    assert conversation.id in {c.id for c in server.world.conversations}
    server.assert_called("deleteConversation", times=1, as_user=user.id, ok=False)


def test_writing_where_you_are_no_member_shows_roq_error(
    page: Page, server: RoqServer, world: WorldView
) -> None:
    user = next(u for u in world.users if len(world.conversations_of(u)) < len(world.conversations))
    act_as(page, user)
    page.get_by_test_id("try-write-foreign").click()
    toast = error_toast(page)
    expect(toast.get_by_test_id("error-status")).to_have_text("403")
    expect(toast.get_by_test_id("error-code")).to_have_text("FORBIDDEN")
    expect(toast.get_by_test_id("error-message")).to_have_text(
        "Only members of a conversation may write to it"
    )
    calls = server.calls("createMessage", as_user=user)
    assert [call.error_code for call in calls] == ["FORBIDDEN"]
    assert len(server.world.messages) == len(world.messages)


def test_the_graphiql_link_carries_the_users_token_and_the_server_header(
    page: Page, server: RoqServer, world: WorldView
) -> None:
    link = page.get_by_test_id("graphiql-link")
    expect(link).to_have_attribute("aria-disabled", "true")
    user = world.users[1]
    act_as(page, user)
    expect(link).not_to_have_attribute("aria-disabled", "true")
    href = link.get_attribute("href")
    assert href is not None
    parts = urlsplit(href)
    assert parts.path == "/v01/server/graphql" and parts.fragment.startswith("headers=")
    headers = json.loads(unquote(parts.fragment.removeprefix("headers=")))
    assert headers["roq-platform-server-authorization"] == server.server_header
    scheme, token = headers["roq-platform-authorization"].split(" ")
    assert scheme == "Bearer"
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["roqUserId"] == user.id and claims["roqEnvironmentId"] == server.environment_id
    # The token works: the explorer's headers are enough to query as that user.
    answer = httpx.post(
        f"{server.url}/v01/server/graphql",
        json={"query": "{ conversations { totalCount } }"},
        headers=headers,
    ).json()
    assert answer["data"]["conversations"]["totalCount"] == len(world.conversations_of(user))


def test_the_explorer_runs_a_query_offline_with_the_links_headers(
    page: Page, server: RoqServer, world: WorldView
) -> None:
    """GraphiQL, React and Monaco's workers come from roqmock: with every other host cut off it still runs."""
    elsewhere: list[str] = []

    def loopback_only(route: Route) -> None:
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort()

    context = page.context
    context.route("**/*", loopback_only)
    requested: list[str] = []
    context.on("request", lambda request: requested.append(request.url))
    user = world.users[1]
    act_as(page, user)
    with context.expect_page() as opened:
        page.get_by_test_id("graphiql-link").click()
    explorer = opened.value
    errors: list[str] = []
    explorer.on("pageerror", lambda error: errors.append(str(error)))
    explorer.wait_for_load_state()
    query_editor = explorer.get_by_role("region", name="Operation Editor").get_by_role("code")
    expect(query_editor).to_contain_text("query conversations")  # roqmock's default query
    headers_editor = explorer.get_by_role("region", name="Headers").get_by_role("code")
    expect(headers_editor).to_contain_text("roq-platform-server-authorization")  # from #headers=

    query_editor.click()
    explorer.keyboard.press("ControlOrMeta+A")
    # The operation keeps its name: GraphiQL re-reads the operation name a moment after an edit, and a
    # click inside that moment would send the old name with the new text.
    explorer.keyboard.insert_text("query conversations { mine: conversations { totalCount } }")
    expect(query_editor).to_contain_text("mine: conversations")
    with explorer.expect_response(
        lambda response: (
            response.request.method == "POST" and "mine: conversations" in (response.request.post_data or "")
        )
    ) as answered:
        explorer.get_by_role("button", name=re.compile("Execute query")).click()
    request = answered.value.request
    assert request.headers["roq-platform-server-authorization"] == server.server_header
    claims = jwt.decode(
        request.headers["roq-platform-authorization"].removeprefix("Bearer "),
        options={"verify_signature": False},
    )
    assert claims["roqUserId"] == user.id
    count = len(world.conversations_of(user))
    assert answered.value.json() == {"data": {"mine": {"totalCount": count}}}
    result = explorer.get_by_role("region", name="Result Window").get_by_role("code")
    expect(result).to_contain_text(re.compile(rf'"totalCount":\s*{count}'))

    assert elsewhere == []
    assert requested and all(urlsplit(url).hostname == "127.0.0.1" for url in requested), requested
    assert any(url.endswith(".worker.js") or ".worker.js?" in url for url in requested)  # Monaco's workers
    assert errors == []


def test_reset_world_and_clear_journal(page: Page, server: RoqServer, world: WorldView) -> None:
    user, conversation = owned_conversation(world)
    act_as(page, user)
    open_conversation(page, conversation)
    page.get_by_test_id("delete-conversation").click()
    expect(conversation_item(page, conversation)).to_have_count(0)
    page.get_by_test_id("reset-world").click()
    expect(page.get_by_test_id("ok-toast").last).to_contain_text("baseline")
    expect(conversation_item(page, conversation)).to_have_count(1)
    assert conversation.id in {c.id for c in server.world.conversations}

    expect(page.get_by_test_id("journal-row").first).to_be_visible()
    page.get_by_test_id("journal-clear").click()
    expect(page.get_by_test_id("journal-empty")).to_be_visible()
    assert server.calls() == []


def test_screenshot(page: Page, world: WorldView) -> None:
    """A full-page screenshot of a typical session, for people to look at: artifacts/sandbox.png."""
    conversation = max(
        world.conversations,
        key=lambda c: (
            any(m.author_id == (world.bot.id if world.bot else None) for m in world.messages_in(c)),
            any(m.file_id for m in world.messages_in(c)),
        ),
    )
    user = next(m for m in world.members_of(conversation) if m.id != conversation.owner_id)
    act_as(page, user)
    open_conversation(page, conversation)
    message_input(page).fill("Looks good to me. **Ship it** on _Friday_, notes in `plan.md`.")
    page.get_by_test_id("composer-send").click()
    expect(page.get_by_test_id("message").last).to_contain_text("Ship it")
    page.get_by_test_id("try-delete-conversation").click()
    error_toast(page)
    expect(journal_row(page, "deleteConversation", user)).to_be_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    target = ARTIFACTS / "sandbox.png"
    page.screenshot(path=str(target), full_page=True)
    assert target.stat().st_size > 20_000
    header = target.read_bytes()[:8]
    assert header == b"\x89PNG\r\n\x1a\n", base64.b64encode(header)


def test_attaching_a_file_sends_it_as_roqs_chat_ui_does_and_its_link_downloads_it(
    page: Page, server: RoqServer, world: WorldView
) -> None:
    user, conversation = owned_conversation(world)
    act_as(page, user)
    open_conversation(page, conversation)
    data = "Minutes of the meeting\n\u00e9t\u00e9 \u2713\n".encode()

    page.get_by_test_id("composer-file").set_input_files(
        {"name": "minutes.txt", "mimeType": "text/plain", "buffer": data}
    )

    last = page.get_by_test_id("message").last
    expect(last.get_by_test_id("attachment-name")).to_have_text("minutes.txt")
    expect(last.get_by_test_id("message-body")).to_have_text("minutes.txt")
    link = last.get_by_test_id("attachment-link")
    with page.expect_download() as started:
        link.click()
    download = started.value
    assert download.suggested_filename == "minutes.txt"
    assert Path(download.path()).read_bytes() == data

    (message,) = [m for m in server.world.messages_in(conversation) if m.body == "minutes.txt"]
    assert message.file_id is not None
    server.assert_called("createFileUpload", times=1, as_user=user.id)
    server.assert_called("upload", times=1, as_user=user.id, ok=True, variables={"fileId": message.file_id})
    server.assert_called("updateFileStatus", times=1, as_user=user.id, variables={"status": "ready"})
    server.assert_called(
        "createMessage", times=1, as_user=user.id, variables={"message": {"fileId": message.file_id}}
    )
    server.assert_called("download", times=1, as_user=user.id, variables={"fileId": message.file_id})


def test_a_refused_upload_shows_s3s_message(browser: Browser, server: RoqServer, world: WorldView) -> None:
    """ROQ's UI reads S3's ``Error.Message`` from a refused upload; so does the sandbox. (Its own page:
    Chromium logs the refused POST as a console error, which the ``page`` fixture would take for a bug.)"""
    context = browser.new_context(base_url=server.url)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto("/")
    page.wait_for_selector("body[data-ready=true]", state="attached")
    user, conversation = owned_conversation(world)
    act_as(page, user)
    open_conversation(page, conversation)

    def forge(route: Route) -> None:
        # The form as createFileUpload answered it, but with another signature: S3 refuses it.
        body = route.request.post_data_buffer or b""
        route.continue_(post_data=re.sub(rb"\r\n[0-9a-f]{64}\r\n", b"\r\n" + b"0" * 64 + b"\r\n", body))

    page.route("**/__roqmock/uploads", forge)
    page.get_by_test_id("composer-file").set_input_files(
        {"name": "forged.txt", "mimeType": "text/plain", "buffer": b"never stored"}
    )

    toast = error_toast(page)
    expect(toast.get_by_test_id("error-code")).to_have_text("SignatureDoesNotMatch")
    expect(toast.get_by_test_id("error-message")).to_contain_text("signature")
    server.assert_called("updateFileStatus", times=1, as_user=user.id, variables={"status": "error"})
    server.assert_called("upload", times=1, ok=False)
    server.assert_not_called("createMessage")
    context.close()
    assert errors == []
