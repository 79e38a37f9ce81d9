"""Seeded worlds: realistic users, conversations, messages and files from one seed, with Faker.

Everything random comes from the seed (one Faker instance and one ``random.Random`` per world, never the
global ones), and timestamps from a fixed start, so the same seed and sizes give the same world, byte for
byte, on any machine with the same Faker.
"""

from __future__ import annotations

import html
import random
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING
from urllib.parse import quote

from roqmock.chatter import Exchange, Phrasebook, phrasebook
from roqmock.domain.clock import IdSource
from roqmock.domain.models import (
    Conversation,
    ConversationTag,
    ConversationUser,
    File,
    Message,
    Tenant,
    User,
)
from roqmock.domain.roles import DEFAULT_ROLE_KEY
from roqmock.domain.store import Store, World

if TYPE_CHECKING:
    from faker import Faker

EPOCH = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)
DEFAULT_LOCALE = "en_US"
BOT_REFERENCE = "roq-bot"
CHAT_CATEGORY = "CHAT_FILES"

TAGS = ("support", "sales", "urgent", "design", "engineering", "billing", "onboarding", "feedback")
FILE_KINDS = (("pdf", "application/pdf"), ("png", "image/png"), ("txt", "text/plain"), ("csv", "text/csv"))
# The Faker providers a world draws from, in Faker's own order. Faker's default loads all of its ~25 for
# the locale (~25 ms of every seeding, serve's start included); these give the same values for a seed.
FAKER_PROVIDERS: tuple[str, ...] = (
    "faker.providers.company",
    "faker.providers.date_time",
    "faker.providers.internet",
    "faker.providers.lorem",
    "faker.providers.person",
    "faker.providers.phone_number",
)


# Bounds that keep a seeded world within a few GB and a minute of seeding (~300 B and ~6 us a message).
MAX_SIZES = {
    "users": 100_000,
    "conversations": 1_000_000,
    "messages": 5_000_000,
    "files": 100_000,
    "tenants": 10_000,
}


@dataclass(frozen=True, slots=True)
class WorldSize:
    """How many of each record a seeded world holds."""

    users: int = 6
    conversations: int = 5
    messages: int = 40
    files: int = 3
    tenants: int = 2

    def __post_init__(self) -> None:
        for name in SIZE_NAMES:
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool):
                raise ValueError(f"{name} must be a whole number")
            if value < 0:
                raise ValueError(f"{name} must not be negative")
            if value > MAX_SIZES[name]:
                raise ValueError(f"{name} must be at most {MAX_SIZES[name]:,}")
        if self.conversations and self.users < 2:
            raise ValueError("conversations need at least two users")


# The sizes' names, as the control API, the CLI's flags and the pytest marker spell them.
SIZE_NAMES: tuple[str, ...] = tuple(field.name for field in fields(WorldSize))
DEMO = WorldSize()


def is_faker_locale(locale: object) -> bool:
    """Whether Faker can make a world in ``locale``. Faker loads only for a locale other than its default:
    a test run or a server that keeps ``en_US`` checks it without Faker's ~50 ms import."""
    if locale == DEFAULT_LOCALE:
        return True
    from faker.config import AVAILABLE_LOCALES

    return isinstance(locale, str) and locale in AVAILABLE_LOCALES


def seed_world(store: Store, *, seed: int, size: WorldSize = DEMO, locale: str = "en_US") -> None:
    """Fill ``store``'s world (expected empty) with a world made from ``seed``."""
    from faker import Faker  # here: importing roqmock.seed for its sizes leaves Faker unloaded

    fake = Faker(locale, providers=list(FAKER_PROVIDERS))
    fake.seed_instance(seed)
    rng = random.Random(seed)
    book = phrasebook(locale)
    world, ids = store.world, store.ids
    moment = EPOCH

    def tick(max_minutes: int = 90) -> datetime:
        nonlocal moment
        moment = moment + timedelta(minutes=rng.randint(1, max_minutes), milliseconds=rng.randint(1, 999))
        return moment

    tenants = []
    for index in range(size.tenants):
        when = tick()
        tenant = Tenant(
            ids.new(), fake.company(), when, when, reference=f"tenant-{index + 1}", is_default=index == 0
        )
        world.add_tenant(tenant)
        tenants.append(tenant)

    users: list[User] = []
    emails: set[str] = set()
    for index in range(size.users):
        first, last = fake.first_name(), fake.last_name()
        email = f"{first}.{last}@{fake.free_email_domain()}".lower().replace(" ", "")
        while email in emails:
            email = f"{first}.{last}{rng.randint(2, 999)}@{fake.free_email_domain()}".lower().replace(" ", "")
        emails.add(email)
        when = tick()
        user = User(
            id=ids.new(),
            reference=f"user-{index + 1}",
            email=email,
            created_at=when,
            updated_at=when,
            first_name=first,
            last_name=last,
            phone=fake.phone_number(),
            locale=rng.choice(("en-US", "de-DE", "fr-FR", "es-ES")),
            timezone=fake.timezone(),
            avatar_url=avatar(first, last, index),
            tenant_id=tenants[index % len(tenants)].id if tenants else None,
            is_opted_in=rng.random() < 0.5,
            role_keys=[DEFAULT_ROLE_KEY],
        )
        if user.is_opted_in:
            user.opted_in_at = when
        world.add_user(user)
        users.append(user)

    bot: User | None = None
    if size.conversations and size.messages:
        when = tick()
        bot = User(
            ids.new(), BOT_REFERENCE, "bot@roqmock.invalid", when, when, first_name="ROQ", last_name="Bot"
        )
        world.add_user(bot)

    # Seeded files are chat attachments, with real bytes: they download like uploaded ones.
    chat_files = next((c for c in world.file_categories.values() if c.key == CHAT_CATEGORY), None)
    files: list[File] = []
    for _ in range(size.files if users and chat_files is not None else 0):
        assert chat_files is not None
        extension, content_type = rng.choice(FILE_KINDS)
        when = tick()
        owner = rng.choice(users)
        file_id = ids.new()
        name = f"{fake.word()}-{fake.word()}.{extension}"
        file = File(
            id=file_id,
            name=name,
            content_type=content_type,
            created_by_user_id=owner.id,
            file_category_id=chat_files.id,
            created_at=when,
            updated_at=when,
            is_public=rng.random() < 0.3,
        )
        world.add_file(file)
        world.put_file_bytes(file_id, file_bytes(content_type, fake, rng))
        files.append(file)

    conversations: list[Conversation] = []
    for index in range(size.conversations):
        is_group = index % 2 == 1 and len(users) > 2
        members = rng.sample(users, k=rng.randint(3, min(5, len(users))) if is_group else 2)
        owner = members[0]
        title = rng.choice(book.topics) if is_group else f"{members[0].first_name} & {members[1].first_name}"
        when = tick()
        conversation = Conversation(
            id=ids.new(),
            title=title,
            owner_id=owner.id,
            is_group=is_group,
            archived=rng.random() < 0.15,
            created_at=when,
            updated_at=when,
        )
        world.add_conversation(conversation)
        for member in members:
            joined = tick(1)
            world.add_member(ConversationUser(ids.new(), conversation.id, member.id, joined, joined))
        for tag in rng.sample(TAGS, k=rng.randint(0, 3)):
            world.add_tag(ConversationTag(ids.new(), conversation.id, tag, tick(1)))
        conversations.append(conversation)

    # Everyone belongs somewhere, so "alice's first conversation" always exists when any does.
    groups = [conversation for conversation in conversations if conversation.is_group] or conversations
    for user in users if conversations else ():
        if not world.conversations_by_user.get(user.id):
            home = rng.choice(groups)
            when = tick(1)
            world.add_member(ConversationUser(ids.new(), home.id, user.id, when, when))

    count = size.messages if conversations else 0
    _add_messages(world, ids, rng, count, conversations, bot, files, moment, book)
    if world.message_order:
        moment = max(moment, world.message_order[-1].created_at)
    store.clock.observe(moment)


SYSTEM_CHANCE = 0.08  # of a message being a system one, from the bot
FILE_CHANCE = 0.3  # of an exchange passing a file along, while some seeded file is not attached yet


@dataclass(slots=True)
class _Talk:
    """The exchange a conversation is in: its lines, how many are said, and who A, B and C are."""

    lines: Exchange
    said: int
    speakers: tuple[ConversationUser, ConversationUser, ConversationUser]


def _add_messages(
    world: World,
    ids: IdSource,
    rng: random.Random,
    count: int,
    conversations: list[Conversation],
    bot: User | None,
    files: list[File],
    start: datetime,
    book: Phrasebook,
) -> None:
    """``count`` messages in random conversations, one every 1 to 30 minutes from ``start``.

    Each conversation goes through exchanges from ``book``, line after line, so a reply always follows its
    question. Bodies are the bank's own strings, or made once per line and speakers, shared by the
    messages that say them: a hundred thousand messages take well under a second.
    """
    if not count:
        return
    members = [list(world.members_by_conversation[c.id].values()) for c in conversations]
    talks: list[_Talk | None] = [None] * len(conversations)
    names = {row.user_id: _names(world.users[row.user_id]) for rows in members for row in rows}
    said: dict[tuple[str, ...], str] = {}
    pairs, groups, with_files = book.two_people, book.exchanges, book.file_exchanges
    unattached = list(files)
    moment_ms = int(start.timestamp() * 1000)
    random_ = rng.random
    for _ in range(count):
        index = int(random_() * len(conversations))
        conversation, rows = conversations[index], members[index]
        attachment: File | None = None
        author_row: ConversationUser | None
        talk = talks[index]
        if bot is not None and (talk is None or random_() < SYSTEM_CHANCE):
            if talk is None:  # its first message: the bot says who created it (rows[0], its owner)
                row, template = rows[0], book.created
                talks[index] = _Talk((), 0, (row, row, row))
            else:
                row = rows[int(random_() * len(rows))]
                template = book.system[int(random_() * len(book.system))]
            key: tuple[str, ...] = (template, row.user_id)
            body = said.get(key) or said.setdefault(key, template.format(a=names[row.user_id][0]))
            author_id, author_row = bot.id, None
        else:
            while True:
                if talk is None or talk.said == len(talk.lines):  # an exchange ends, another starts
                    bank = (
                        with_files
                        if unattached and random_() < FILE_CHANCE
                        else groups
                        if len(rows) > 2
                        else pairs
                    )
                    talk = talks[index] = _start(bank, rows, talk, random_)
                speaker, text, is_file, is_template = talk.lines[talk.said]
                talk.said += 1
                if not is_file:
                    break
                if unattached:  # else another conversation took the last file: the line is skipped
                    attachment = unattached.pop()
                    break
            author_row = talk.speakers[speaker]
            author_id = author_row.user_id
            if attachment is not None:
                body = attachment.name
            elif is_template:
                a, b, c = talk.speakers
                key = (text, a.user_id, b.user_id, c.user_id)
                body = said.get(key) or said.setdefault(key, _say(text, talk.speakers, names))
            else:
                body = text
        moment_ms += 60_000 + int(random_() * 29 * 60_000) + 1
        when = datetime.fromtimestamp(moment_ms / 1000, UTC)
        # Positional, in the order of Message's fields (id, body, conversation, author, created, updated,
        # system, file, member row): keywords cost a tenth of the seeding time here.
        world.add_message(
            Message(
                ids.new(),
                body,
                conversation.id,
                author_id,
                when,
                when,
                author_row is None,
                attachment.id if attachment is not None else None,
                author_row.id if author_row is not None else None,
            )
        )


def _start(
    bank: tuple[Exchange, ...],
    rows: list[ConversationUser],
    previous: _Talk | None,
    random_: Callable[[], float],
) -> _Talk:
    """A new exchange between random members: A, B another, C a third where there is one, else B."""
    lines = bank[int(random_() * len(bank))]
    if previous is not None and lines is previous.lines and len(bank) > 1:  # never the same twice in a row
        lines = bank[(bank.index(lines) + 1) % len(bank)]
    count = len(rows)
    a = int(random_() * count)
    b = int(random_() * (count - 1))
    b += b >= a
    c = b
    if count > 2:
        c = int(random_() * (count - 2))
        c += c >= min(a, b)
        c += c >= max(a, b)
    return _Talk(lines, 0, (rows[a], rows[b], rows[c]))


def _say(text: str, speakers: tuple[ConversationUser, ...], names: dict[str, tuple[str, str]]) -> str:
    """``text`` with the speakers' names: ``{a}`` A's first name, ``{A}`` A's full name, and so on."""
    fields: dict[str, str] = {}
    for letter, row in zip("abc", speakers, strict=True):
        fields[letter], fields[letter.upper()] = names[row.user_id]
    return text.format_map(fields)


def _names(user: User) -> tuple[str, str]:
    """A user's first name and full name, as a mention spells it: ``@First Last``."""
    first = user.first_name or user.email
    return first, f"{first} {user.last_name}" if user.last_name else first


def file_bytes(content_type: str, fake: Faker, rng: random.Random) -> bytes:
    """Small real content of ``content_type``, from the seed: a 1x1 PNG, a PDF page, CSV rows, text."""
    if content_type == "image/png":
        return _png(rng.randrange(256), rng.randrange(256), rng.randrange(256))
    if content_type == "application/pdf":
        return _pdf(fake.sentence())
    if content_type == "text/csv":
        rows = [f"{fake.word()},{rng.randint(1, 999)}" for _ in range(rng.randint(2, 6))]
        return ("name,value\n" + "\n".join(rows) + "\n").encode()
    return (fake.paragraph() + "\n").encode()


def _png(red: int, green: int, blue: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)  # 1x1, 8-bit RGB
    pixels = zlib.compress(bytes((0, red, green, blue)))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def _pdf(text: str) -> bytes:
    """A one-page PDF showing ``text``, with a correct cross-reference table."""
    safe = text.replace("\\", "").replace("(", "").replace(")", "")
    stream = f"BT /F1 12 Tf 72 720 Td ({safe}) Tj ET".encode("latin-1", "replace")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


_AVATAR_COLOURS = ("#5b6abf", "#2f8f83", "#c05a3c", "#8a5bb8", "#b8860b", "#3c7dc0", "#a0445e", "#4f7f3a")


def avatar(first: str, last: str, index: int) -> str:
    """A seeded user's picture: the initials on a colour, as an SVG ``data:`` URL, so that every client
    (ROQ's UI in a browser with no internet access included) shows it without asking another host."""
    initials = (first[:1] + last[:1]).upper() or "?"
    colour = _AVATAR_COLOURS[index % len(_AVATAR_COLOURS)]
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64">'
        f'<rect width="64" height="64" fill="{colour}"/>'
        '<text x="32" y="41" font-family="sans-serif" font-size="26" fill="#fff" text-anchor="middle">'
        f"{html.escape(initials)}</text></svg>"
    )
    return "data:image/svg+xml," + quote(svg, safe="")
