"""Seeded worlds: realistic users, conversations, messages and files from one seed, with Faker.

Everything random comes from the seed (one Faker instance and one ``random.Random`` per world, never the
global ones), and timestamps from a fixed start, so the same seed and sizes give the same world, byte for
byte, on any machine with the same Faker.
"""

from __future__ import annotations

import random
import struct
import zlib
from dataclasses import dataclass, fields
from datetime import UTC, datetime, timedelta

from faker import Faker

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

EPOCH = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)
BOT_REFERENCE = "roq-bot"
CHAT_CATEGORY = "CHAT_FILES"

TAGS = ("support", "sales", "urgent", "design", "engineering", "billing", "onboarding", "feedback")
GROUP_TOPICS = ("Launch plan", "Design review", "Weekly sync", "Support escalations", "Offsite", "Roadmap")
FILE_KINDS = (("pdf", "application/pdf"), ("png", "image/png"), ("txt", "text/plain"), ("csv", "text/csv"))


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


def seed_world(store: Store, *, seed: int, size: WorldSize = DEMO, locale: str = "en_US") -> None:
    """Fill ``store``'s world (expected empty) with a world made from ``seed``."""
    fake = Faker(locale)
    fake.seed_instance(seed)
    rng = random.Random(seed)
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
            avatar_url=f"https://avatars.roqmock.invalid/{index + 1}.png",
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
        title = rng.choice(GROUP_TOPICS) if is_group else f"{members[0].first_name} & {members[1].first_name}"
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

    _add_messages(
        world, ids, fake, rng, size.messages if conversations else 0, conversations, bot, files, moment
    )
    if world.message_order:
        moment = max(moment, world.message_order[-1].created_at)
    store.clock.observe(moment)


BODY_POOL = 512  # message bodies Faker writes per world; messages draw from them


def _add_messages(
    world: World,
    ids: IdSource,
    fake: Faker,
    rng: random.Random,
    count: int,
    conversations: list[Conversation],
    bot: User | None,
    files: list[File],
    start: datetime,
) -> None:
    """``count`` messages in random conversations, one every 1 to 30 minutes from ``start``.

    Faker is slow (tens of microseconds a sentence), so it writes a pool of bodies once and each message
    draws from the pool: a hundred thousand messages take well under a second.
    """
    if not count:
        return
    bodies = [_markdown_body(fake, rng) for _ in range(min(BODY_POOL, count))]
    # A system message names a member of its own conversation: one body per person, made on first use.
    joined: dict[str, str] = {}
    members = [list(world.members_by_conversation[c.id].values()) for c in conversations]
    unattached = list(files)
    moment_ms = int(start.timestamp() * 1000)
    random_ = rng.random
    for _ in range(count):
        index = int(random_() * len(conversations))
        conversation = conversations[index]
        system = bot is not None and random_() < 0.08
        row = members[index][int(random_() * len(members[index]))]
        if system and bot is not None:
            body = joined.get(row.user_id) or joined.setdefault(row.user_id, _joined_body(world, row))
            author_id, author_row = bot.id, None
        else:
            author_id, author_row, body = row.user_id, row, bodies[int(random_() * len(bodies))]
        attachment = unattached.pop() if unattached and not system and random_() < 0.2 else None
        moment_ms += 60_000 + int(random_() * 29 * 60_000) + 1
        when = datetime.fromtimestamp(moment_ms / 1000, UTC)
        world.add_message(
            Message(
                id=ids.new(),
                body=body,
                conversation_id=conversation.id,
                author_id=author_id,
                created_at=when,
                updated_at=when,
                is_system=system,
                file_id=attachment.id if attachment is not None else None,
                conversation_user_id=author_row.id if author_row is not None else None,
            )
        )


def _markdown_body(fake: Faker, rng: random.Random) -> str:
    shape = rng.random()
    if shape < 0.5:
        return str(fake.sentence(nb_words=rng.randint(4, 14)))
    if shape < 0.7:
        words = fake.words(nb=2)
        return f"**{words[0].capitalize()}** {fake.sentence()} _{words[1]}_"
    if shape < 0.85:
        items = "\n".join(f"- {fake.sentence(nb_words=5)}" for _ in range(rng.randint(2, 4)))
        return f"{fake.sentence(nb_words=6)}\n\n{items}"
    return f"{fake.sentence(nb_words=5)} See `{fake.file_name()}` and [the notes]({fake.uri()})."


def _joined_body(world: World, member: ConversationUser) -> str:
    user = world.users[member.user_id]
    return f"_{user.first_name or user.email} joined the conversation_"


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
