"""Entity parsing, spec rule extraction and flood-limit arithmetic, without a server."""

from __future__ import annotations

import pytest

from sandbox.entities import EntityParseError, detect_entities, utf16_len
from sandbox.errors import ApiError
from sandbox.formatting import parse_text
from sandbox.limits import FloodLimiter
from sandbox.spec import load_spec


def test_html_is_parsed_into_plain_text_and_utf16_entities() -> None:
    text, entities = parse_text('😀 <b>工单</b> &lt;1&gt; <a href="https://x.cn/?a=1&amp;b=2">链接</a>',
                                "HTML")
    assert text == "😀 工单 <1> 链接"
    assert entities == [{"type": "bold", "offset": 3, "length": 2},
                        {"type": "text_link", "url": "https://x.cn/?a=1&b=2", "offset": 10,
                         "length": 2}]


@pytest.mark.parametrize(("source", "error"), [
    ("<div>x</div>", 'Unsupported start tag "div" at byte offset 0'),
    ("a < b", 'Unsupported start tag "" at byte offset 2'),
    ("<b>x", 'Can\'t find end tag corresponding to start tag "b"'),
    ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
])
def test_bad_html_is_refused_like_telegram(source: str, error: str) -> None:
    with pytest.raises(EntityParseError) as info:
        parse_text(source, "HTML")
    assert str(info.value) == error


def test_markdown_v2_requires_escaping_reserved_characters() -> None:
    with pytest.raises(EntityParseError, match="Character '.' is reserved"):
        parse_text("第1.2条", "MarkdownV2")
    text, entities = parse_text(r"*第1\.2条* [链接](https://x.cn) `a_b`", "MarkdownV2")
    assert text == "第1.2条 链接 a_b"
    assert [e["type"] for e in entities] == ["bold", "text_link", "code"]


def test_markdown_v2_unclosed_entity_is_refused() -> None:
    with pytest.raises(EntityParseError, match="Can't find end of Bold entity"):
        parse_text("*粗体", "MarkdownV2")


def test_legacy_markdown_parses_simple_entities() -> None:
    assert parse_text("*粗* _斜_ 1.5-2", "Markdown") == (
        "粗 斜 1.5-2", [{"type": "bold", "offset": 0, "length": 1},
                       {"type": "italic", "offset": 2, "length": 1}])


def test_surrounding_whitespace_is_trimmed_and_entities_move_with_it() -> None:
    assert parse_text("  <b>x</b> ", "HTML") == ("x", [{"type": "bold", "offset": 0, "length": 1}])


def test_typed_commands_mentions_and_urls_get_entities() -> None:
    text = "/start 找 @gridbot_test_bot 看 https://x.cn #报修"
    kinds = [(e["type"], text[e["offset"]:e["offset"] + e["length"]])
             for e in detect_entities(text)]
    assert kinds == [("bot_command", "/start"), ("mention", "@gridbot_test_bot"),
                     ("url", "https://x.cn"), ("hashtag", "#报修")]
    assert utf16_len("😀a") == 3


def test_spec_limits_are_read_from_descriptions() -> None:
    spec = load_spec()
    text = spec.methods["sendMessage"].fields["text"]
    assert (text.min_len, text.max_len, text.after_entities) == (1, 4096, True)
    data = spec.types["InlineKeyboardButton"].fields["callback_data"]
    assert (data.max_len, data.len_unit) == (64, "bytes")
    assert spec.methods["getUpdates"].fields["limit"].max_value == 100
    assert spec.types["BotCommandScopeChat"].fields["type"].const == "chat"
    button = spec.types["InlineKeyboardButton"]
    assert button.one_of_exact and "callback_data" in button.one_of and "text" not in button.one_of
    assert spec.find_method("SENDMESSAGE") is spec.methods["sendMessage"]


def test_private_chat_allows_a_burst_of_three_then_one_per_second() -> None:
    now = [0.0]
    limiter = FloodLimiter(enabled=True, clock=lambda: now[0])
    for _ in range(3):
        limiter.acquire(1, "private")
    with pytest.raises(ApiError) as info:
        limiter.acquire(1, "private")
    assert (info.value.code, info.value.retry_after) == (429, 1)
    now[0] = 1.0
    limiter.acquire(1, "private")
    with pytest.raises(ApiError):
        limiter.acquire(1, "private")


def test_groups_allow_twenty_messages_per_minute() -> None:
    now = [0.0]
    limiter = FloodLimiter(enabled=True, clock=lambda: now[0])
    for i in range(20):
        now[0] = i * 0.1
        limiter.acquire(-100, "supergroup")
    with pytest.raises(ApiError) as info:
        limiter.acquire(-100, "supergroup")
    assert info.value.retry_after == 59
    now[0] = 60.0
    limiter.acquire(-100, "supergroup")


def test_thirty_sends_per_second_overall() -> None:
    limiter = FloodLimiter(enabled=True, clock=lambda: 0.0)
    for chat in range(30):
        limiter.acquire(-chat - 1, "supergroup")
    with pytest.raises(ApiError):
        limiter.acquire(-999, "supergroup")
