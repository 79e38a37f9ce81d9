"""The translation keys roqmock serves on ``translationKeys``: a few of ROQ's UI's own, nothing more.

ROQ's ``<Chat/>`` asks for every key under ``roq-ui.`` (``translationKeys(searchTerm: "roq-ui.")``) for its
locale, and asks again each time it settles until the answer holds a translation in that locale; its own
bundled English and German are the fallback. roqmock answers a handful of the UI's chat keys in both of the
UI's locales (``en-US``, ``de-DE``), worded as the UI's bundle words them, so the screen looks the same and
the UI caches the answer (ten minutes) instead of asking again. The catalogue is fixed: it is the same in
every world and no mutation changes it. Every caller may read it.

* ``searchTerm`` keeps the keys whose key contains it, ignoring case (an empty term keeps every key).
* ``filter.locale`` keeps the keys translated into a matching locale; ``filter.translated`` compares with
  whether the key has any translation (every key here has).
* ``translations(filter, order, limit, offset)`` lists one key's translations with the same list code.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from roqmock.domain.clock import BUILT_IN_SINCE
from roqmock.domain.lists import FilterField, Kind, ListSpec

UI_KEY_PREFIX = "roq-ui."
UI_LOCALES = ("en-US", "de-DE")

# key (without the prefix) -> (en-US, de-DE)
_CATALOGUE: dict[str, tuple[str, str]] = {
    "chat.conversation-list-sidebar.title": ("Messages", "Mitteilungen"),
    "chat.create-conversation-sidebar.title": ("New Chat", "Neuer Chat"),
    "chat.conversation-header.online": ("Active now", "Jetzt aktiv"),
    "chat.conversation-header.offline": ("Offline", "Offline"),
}

_NAMESPACE = uuid.UUID("2b4e3c1d-7f0a-4d8e-9a61-3c5f0b7d2e94")


@dataclass(frozen=True, slots=True)
class Translation:
    """A translation key's text in one locale."""

    id: str
    key: str
    locale: str
    value: str
    translation_key_id: str
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class TranslationKey:
    """A translation key and its translations."""

    id: str
    key: str
    created_at: datetime
    updated_at: datetime
    translations: tuple[Translation, ...]


def _catalogue() -> tuple[TranslationKey, ...]:
    keys = []
    for index, (name, values) in enumerate(_CATALOGUE.items()):
        key = UI_KEY_PREFIX + name
        key_id = str(uuid.uuid5(_NAMESPACE, key))
        # Distinct times in catalogue order: the default order (createdAt DESC) is then fixed.
        created = BUILT_IN_SINCE.replace(minute=index)
        translations = tuple(
            Translation(
                str(uuid.uuid5(_NAMESPACE, f"{key}/{locale}")), key, locale, value, key_id, created, created
            )
            for locale, value in zip(UI_LOCALES, values, strict=True)
        )
        keys.append(TranslationKey(key_id, key, created, created, translations))
    return tuple(keys)


TRANSLATION_KEYS: tuple[TranslationKey, ...] = _catalogue()

TRANSLATION_KEY_SPEC: ListSpec[TranslationKey] = ListSpec(
    filters={
        "id": FilterField(Kind.ID, lambda k: k.id),
        "key": FilterField(Kind.STRING, lambda k: k.key),
        "locale": FilterField(Kind.STRING, lambda k: tuple(t.locale for t in k.translations), many=True),
        "translated": FilterField(Kind.BOOLEAN, lambda k: bool(k.translations)),
    },
    sorts={
        "createdAt": lambda k: k.created_at,
        "key": lambda k: k.key,
        "updatedAt": lambda k: k.updated_at,
    },
    search_keys={},
    id_of=lambda k: k.id,
)

TRANSLATION_SPEC: ListSpec[Translation] = ListSpec(
    filters={
        "id": FilterField(Kind.ID, lambda t: t.id),
        "locale": FilterField(Kind.STRING, lambda t: t.locale),
        "translationKeyId": FilterField(Kind.ID, lambda t: t.translation_key_id),
    },
    sorts={
        "createdAt": lambda t: t.created_at,
        "updatedAt": lambda t: t.updated_at,
        "value": lambda t: t.value,
    },
    search_keys={},
    id_of=lambda t: t.id,
)
