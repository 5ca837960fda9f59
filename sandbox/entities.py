"""Text helpers shared by the parsers: UTF-16 lengths, byte offsets, entities users type."""

from __future__ import annotations

import re
from typing import Any

Entity = dict[str, Any]


class EntityParseError(ValueError):
    """Text that Telegram would answer with "can't parse entities: ..."."""


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit Telegram uses for entity offsets."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def byte_offset(text: str, index: int) -> int:
    """UTF-8 byte offset of text[index], the unit Telegram uses in parse error messages."""
    return len(text[:index].encode("utf-8"))


def strip_text(text: str, entities: list[Entity]) -> tuple[str, list[Entity]]:
    """Trim surrounding whitespace like Telegram does, moving and clipping the entities."""
    stripped = text.strip()
    if stripped == text:
        return text, entities
    shift = utf16_len(text[: len(text) - len(text.lstrip())])
    end = utf16_len(stripped)
    kept = []
    for ent in entities:
        start = max(ent["offset"] - shift, 0)
        stop = min(ent["offset"] + ent["length"] - shift, end)
        if stop > start:
            kept.append({**ent, "offset": start, "length": stop - start})
    return stripped, kept


_COMMAND = re.compile(r"(?<!\S)/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?(?![\w@])")
_MENTION = re.compile(r"(?<![\w@/])@[A-Za-z][A-Za-z0-9_]{3,31}(?!\w)")
_HASHTAG = re.compile(r"(?<![\w#])#\w+")
_URL = re.compile(r"https?://[^\s<>\"]+")


def detect_entities(text: str) -> list[Entity]:
    """Entities Telegram attaches to what a user types: commands, URLs, mentions, hashtags."""
    found: list[tuple[int, int, str]] = []
    taken: list[range] = []
    for kind, pattern in (("bot_command", _COMMAND), ("url", _URL), ("mention", _MENTION),
                          ("hashtag", _HASHTAG)):
        for m in pattern.finditer(text):
            if any(m.start() in r or m.end() - 1 in r for r in taken):
                continue
            taken.append(range(m.start(), m.end()))
            found.append((m.start(), m.end(), kind))
    found.sort()
    return [{"type": kind, "offset": utf16_len(text[:start]), "length": utf16_len(text[start:end])}
            for start, end, kind in found]
