"""Entity parsing like Telegram's: parse_mode text -> (plain text, entities), UTF-16 offsets."""

from __future__ import annotations

import html
import re

from sandbox.entities import Entity, EntityParseError, byte_offset, strip_text, utf16_len
from sandbox.markdown import parse_markdown, parse_markdown_v2


def parse_text(text: str, parse_mode: str | None,
               entities: list[Entity] | None = None) -> tuple[str, list[Entity]]:
    """Apply parse_mode like Telegram, then trim surrounding whitespace; raises EntityParseError."""
    if parse_mode == "HTML":
        plain, found = parse_html(text)
    elif parse_mode == "MarkdownV2":
        plain, found = parse_markdown_v2(text)
    elif parse_mode == "Markdown":
        plain, found = parse_markdown(text)
    else:
        plain, found = text, [dict(e) for e in entities or []]
    return strip_text(plain, found)


_SIMPLE_TAGS = {
    "b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline",
    "ins": "underline", "s": "strikethrough", "strike": "strikethrough", "del": "strikethrough",
    "tg-spoiler": "spoiler", "code": "code", "pre": "pre",
}
_OTHER_TAGS = {"a", "span", "tg-emoji", "blockquote", "tg-time"}
_VALUE = r"(?:\"([^\"]*)\"|'([^']*)'|([^\s>]+))"
_ATTR = re.compile(rf"([a-zA-Z-]+)(?:\s*=\s*{_VALUE})?")
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[a-zA-Z-]+(?:\s*=\s*"
                  r"(?:\"[^\"]*\"|'[^']*'|[^\s>]+))?)*)\s*>")
_TAG_NAME = re.compile(r"</?([^\s>/]*)")
_ENTITY_REF = re.compile(r"&(#\d+|#x[0-9a-fA-F]+|lt|gt|amp|quot);")


def _unescape(text: str) -> str:
    # Only numeric references and &lt; &gt; &amp; &quot; are supported; others stay as typed.
    return _ENTITY_REF.sub(lambda m: html.unescape(m[0]), text)


def _html_entity(tag: str, attrs: dict[str, str]) -> Entity | None:
    if tag in _SIMPLE_TAGS:
        return {"type": _SIMPLE_TAGS[tag]}
    if tag == "a":
        url = attrs.get("href", "")
        if m := re.fullmatch(r"tg://user\?id=(\d+)", url):
            return {"type": "text_mention", "user": {"id": int(m[1]), "is_bot": False,
                                                     "first_name": ""}}
        return {"type": "text_link", "url": url} if url else None
    if tag == "span":
        return {"type": "spoiler"} if attrs.get("class") == "tg-spoiler" else None
    if tag == "tg-emoji":
        return {"type": "custom_emoji", "custom_emoji_id": attrs.get("emoji-id", "")}
    if tag == "blockquote":
        return {"type": "expandable_blockquote" if "expandable" in attrs else "blockquote"}
    if tag == "tg-time":
        ent: Entity = {"type": "date_time", "unix_time": int(attrs.get("unix", "0") or 0)}
        if attrs.get("format"):
            ent["date_time_format"] = attrs["format"]
        return ent
    return None


def parse_html(source: str) -> tuple[str, list[Entity]]:
    """Parse Telegram's HTML subset; unsupported or unbalanced tags raise EntityParseError."""
    out: list[str] = []
    length = 0  # UTF-16 length of the text produced so far
    stack: list[tuple[str, int, Entity | None]] = []
    entities: list[Entity] = []
    pos = 0
    while (lt := source.find("<", pos)) != -1:
        chunk = _unescape(source[pos:lt])
        out.append(chunk)
        length += utf16_len(chunk)
        m = _TAG.match(source, lt)
        name = (m[2] if m else _TAG_NAME.match(source, lt)[1]).lower()  # type: ignore[index]
        if m is None or (name not in _SIMPLE_TAGS and name not in _OTHER_TAGS):
            kind = "end" if source.startswith("</", lt) else "start"
            raise EntityParseError(f'Unsupported {kind} tag "{name}" at byte offset '
                                   f"{byte_offset(source, lt)}")
        if m[1]:
            if not stack:
                raise EntityParseError(
                    f"Unexpected end tag at byte offset {byte_offset(source, lt)}")
            open_name, start, ent = stack.pop()
            if open_name != name:
                raise EntityParseError(
                    f"Unmatched end tag at byte offset {byte_offset(source, lt)}, "
                    f'expected "</{open_name}>", found "</{name}>"')
            if ent is not None and length > start:
                entities.append({**ent, "offset": start, "length": length - start})
        else:
            attrs = {a[1].lower(): _unescape(a[2] or a[3] or a[4] or "")
                     for a in _ATTR.finditer(m[3])}
            ent = _html_entity(name, attrs)
            if name == "code" and stack and stack[-1][0] == "pre" and stack[-1][2] is not None:
                # <pre><code class="language-x"> is one pre entity with a language.
                lang = attrs.get("class", "").removeprefix("language-")
                if lang:
                    stack[-1][2]["language"] = lang
                ent = None
            stack.append((name, length, ent))
        pos = m.end()
    tail = _unescape(source[pos:])
    out.append(tail)
    if stack:
        raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities
