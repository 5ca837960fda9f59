"""Telegram's MarkdownV2 and legacy Markdown parsers, strict where Telegram is strict."""

from __future__ import annotations

from typing import Any

from sandbox.entities import Entity, EntityParseError, byte_offset, utf16_len

_RESERVED_V2 = set("_*[]()~`>#+-=|{}.!")
_V2_TOGGLES = {"*": "bold", "_": "italic", "__": "underline", "~": "strikethrough",
               "||": "spoiler"}
_NAMES = {"bold": "Bold", "italic": "Italic", "underline": "Underline",
          "strikethrough": "Strikethrough", "spoiler": "Spoiler", "text_link": "TextUrl"}


class _Builder:
    """Accumulates plain text and entities while a parser walks the source."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.length = 0
        self.entities: list[Entity] = []

    def add(self, text: str) -> None:
        self.parts.append(text)
        self.length += utf16_len(text)

    def entity(self, kind: str, start: int, **extra: Any) -> None:
        if self.length > start:
            self.entities.append({"type": kind, "offset": start, "length": self.length - start,
                                  **extra})

    def result(self) -> tuple[str, list[Entity]]:
        self.entities.sort(key=lambda e: (e["offset"], -e["length"]))
        return "".join(self.parts), self.entities


def _read_until(src: str, i: int, end: str, escapable: str) -> tuple[str, int] | None:
    """Read src from i to the unescaped `end`; returns (content, index after end) or None."""
    buf: list[str] = []
    while i < len(src):
        if src[i] == "\\" and i + 1 < len(src) and src[i + 1] in escapable:
            buf.append(src[i + 1])
            i += 2
        elif src.startswith(end, i):
            return "".join(buf), i + len(end)
        else:
            buf.append(src[i])
            i += 1
    return None


def parse_markdown_v2(src: str) -> tuple[str, list[Entity]]:
    """Parse MarkdownV2; unescaped reserved characters and unclosed entities are errors."""
    out = _Builder()
    stack: list[tuple[str, int, int]] = []  # (kind, utf16 start, source index)
    i = 0
    while i < len(src):
        ch = src[i]
        if ch == "\\" and i + 1 < len(src) and 0 < ord(src[i + 1]) <= 126:
            out.add(src[i + 1])
            i += 2
            continue
        if src.startswith("```", i):
            body = _read_until(src, i + 3, "```", "`\\")
            if body is None:
                raise EntityParseError(
                    f"Can't find end of Pre entity at byte offset {byte_offset(src, i)}")
            text, i = body
            lang, sep, rest = text.partition("\n")
            extra = {"language": lang} if sep and lang and " " not in lang else {}
            start = out.length
            out.add(rest if extra or (sep and not lang) else text)
            out.entity("pre", start, **extra)
            continue
        if ch == "`":
            body = _read_until(src, i + 1, "`", "`\\")
            if body is None:
                raise EntityParseError(
                    f"Can't find end of Code entity at byte offset {byte_offset(src, i)}")
            start = out.length
            out.add(body[0])
            out.entity("code", start)
            i = body[1]
            continue
        token = src[i:i + 2] if src[i:i + 2] in ("__", "||") else ch
        if token in _V2_TOGGLES:
            kind = _V2_TOGGLES[token]
            if stack and stack[-1][0] == kind:
                _, start, _ = stack.pop()
                out.entity(kind, start)
            elif any(k == kind for k, _, _ in stack):
                k, _, at = stack[-1]
                raise EntityParseError(f"Can't find end of {_NAMES[k]} entity at byte offset "
                             f"{byte_offset(src, at)}")
            else:
                stack.append((kind, out.length, i))
            i += len(token)
            continue
        if ch == "[" or (ch == "!" and src.startswith("![", i)):
            stack.append(("text_link" if ch == "[" else "custom_emoji", out.length, i))
            i += 1 if ch == "[" else 2
            continue
        if ch == "]" and stack and stack[-1][0] in ("text_link", "custom_emoji"):
            kind, start, at = stack.pop()
            url = _read_until(src, i + 2, ")", ")\\") if src.startswith("(", i + 1) else None
            if url is None:
                raise EntityParseError(
                    f"Can't find end of a URL at byte offset {byte_offset(src, at)}")
            extra = ({"url": url[0]} if kind == "text_link"
                     else {"custom_emoji_id": url[0].rpartition("id=")[2]})
            out.entity(kind, start, **extra)
            i = url[1]
            continue
        if ch == ">" and (i == 0 or src[i - 1] == "\n"):
            end = src.find("\n", i)
            end = len(src) if end == -1 else end
            inner_text, inner = parse_markdown_v2(src[i + 1:end])
            start = out.length
            out.add(inner_text)
            out.entities.extend({**e, "offset": e["offset"] + start} for e in inner)
            out.entity("blockquote", start)
            i = end
            continue
        if ch in _RESERVED_V2:
            raise EntityParseError(
                f"Character '{ch}' is reserved and must be escaped with the preceding '\\'")
        out.add(ch)
        i += 1
    if stack:
        kind, _, at = stack[-1]
        raise EntityParseError(f"Can't find end of {_NAMES.get(kind, kind)} entity at byte offset "
                     f"{byte_offset(src, at)}")
    return out.result()


_LEGACY = {"*": "bold", "_": "italic"}


def parse_markdown(src: str) -> tuple[str, list[Entity]]:
    """Parse legacy Markdown: *bold*, _italic_, `code`, ```pre```, [text](url); no nesting."""
    out = _Builder()
    i = 0
    while i < len(src):
        ch = src[i]
        if ch == "\\" and i + 1 < len(src) and src[i + 1] in "_*`[":
            out.add(src[i + 1])
            i += 2
            continue
        if ch not in "*_`[":
            out.add(ch)
            i += 1
            continue
        end_mark = "```" if src.startswith("```", i) else ("]" if ch == "[" else ch)
        body_start = i + len(end_mark) if end_mark != "]" else i + 1
        close = src.find(end_mark, body_start)
        if close == -1:
            raise EntityParseError("Can't find end of the entity starting at byte offset "
                         f"{byte_offset(src, i)}")
        body = src[body_start:close]
        start = out.length
        after = close + len(end_mark)
        if ch == "[":
            if not src.startswith("(", after) or (paren := src.find(")", after)) == -1:
                out.add(body)
                i = after
                continue
            out.add(body)
            out.entity("text_link", start, url=src[after + 1:paren])
            i = paren + 1
            continue
        if end_mark == "```":
            lang, sep, rest = body.partition("\n")
            out.add(rest if sep and lang and " " not in lang else body)
            extra = {"language": lang} if sep and lang and " " not in lang else {}
            out.entity("pre", start, **extra)
        else:
            out.add(body)
            out.entity("code" if ch == "`" else _LEGACY[ch], start)
        i = after
    return out.result()
