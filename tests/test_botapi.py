"""Telegram's answers to a send, mapped to what the outbox does next; JSON in and out."""

import json

import pytest

from bot.botapi import delivery_of, dumps, loads, raw_keyboard
from bot.sender import Delivery

NOT_MODIFIED = "Bad Request: message is not modified: specified new message content is the same"


@pytest.mark.parametrize(("status", "body", "edited", "expected"), [
    (200, {"ok": True, "result": {"message_id": 42}}, None, Delivery("sent", message_id=42)),
    (200, {"ok": True, "result": True}, 7, Delivery("sent", message_id=7)),
    (429, {"ok": False, "error_code": 429, "description": "Too Many Requests: retry after 3",
           "parameters": {"retry_after": 3}}, None,
     Delivery("retry", retry_after=3.0, error="Too Many Requests: retry after 3")),
    (403, {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked by the user"},
     None, Delivery("failed", error="Forbidden: bot was blocked by the user")),
    (400, {"ok": False, "error_code": 400, "description": NOT_MODIFIED}, 9,
     Delivery("sent", message_id=9)),
    (400, {"ok": False, "error_code": 400, "description": "Bad Request: chat not found"}, None,
     Delivery("failed", error="Bad Request: chat not found")),
    (502, {}, None, Delivery("retry", retry_after=2.0, error="502 ")),
])
def test_each_answer_leads_to_sent_retry_or_failed(
    status: int, body: dict, edited: int | None, expected: Delivery
) -> None:
    assert delivery_of(status, body, edited) == expected


def test_buttons_become_an_inline_keyboard_and_no_buttons_none() -> None:
    rows = [[{"text": "接单", "data": "a:1"}, {"text": "跟踪进度", "url": "https://t.me/x?start=c1"}]]
    assert raw_keyboard(rows) == {"inline_keyboard": [[
        {"text": "接单", "callback_data": "a:1"},
        {"text": "跟踪进度", "url": "https://t.me/x?start=c1"}]]}
    assert raw_keyboard([]) is None


@pytest.mark.parametrize("value", [
    {"chat_id": -1001000000001, "text": "3号楼漏水 ✅\n", "reply_markup": {"inline_keyboard": []}},
    {"chat_id": 1, "text": "a lone \ud800 surrogate"},  # orjson refuses it: json writes it
    {"chat_id": 2**70},  # beyond orjson's 64 bits
])
def test_request_bodies_are_the_json_that_json_would_read(value: dict) -> None:
    assert json.loads(dumps(value)) == value


@pytest.mark.parametrize(("raw", "expected"), [
    (b'{"ok":true,"result":[{"update_id":1}]}', {"ok": True, "result": [{"update_id": 1}]}),
    (b'{"text":"\\ud800"}', {"text": "\ud800"}),  # orjson refuses the lone surrogate
    (b"  ", None),
])
def test_answers_are_read_as_json_reads_them(raw: bytes, expected: object) -> None:
    assert loads(raw) == expected


def test_an_answer_that_is_not_json_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        loads(b"<html>502 Bad Gateway</html>")
