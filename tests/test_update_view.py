"""The aiogram channel reads plain updates straight from their JSON: what it reads is what
aiogram's objects would give, and anything odd is still left to aiogram."""

import copy
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiogram.types import Update

from bot.channels import incoming_from_callback, incoming_from_message, understood
from bot.update_view import JsonView, plain_update
from handlers.types import Incoming
from sandbox import FakeTelegram
from tests.test_sandbox_support import ALICE, BOB, GROUP_ID, api, inline_keyboard, started_fake

BOT_ID = 123456


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    fake = await started_fake()
    yield fake
    await fake.stop()


def _by_aiogram(data: dict[str, Any]) -> Incoming | None:
    update = Update.model_validate(data)
    if update.message is not None:
        message = update.message
        return (incoming_from_message(message, update.update_id, BOT_ID, "gridbot_test_bot")
                if understood(message) else None)
    assert update.callback_query is not None
    return incoming_from_callback(update.callback_query, update.update_id)


def _by_view(data: dict[str, Any]) -> Incoming | None:
    kind = plain_update(data)
    assert kind is not None, data
    view = JsonView(data[kind])
    if kind == "callback_query":
        return incoming_from_callback(view, data["update_id"])
    return (incoming_from_message(view, data["update_id"], BOT_ID, "gridbot_test_bot")
            if understood(view) else None)


async def _updates(fake: FakeTelegram) -> list[dict[str, Any]]:
    """Every kind of update the bot takes, as the emulator sends them."""
    _, sent = await api(fake, "sendMessage", json={
        "chat_id": ALICE.id, "text": "请选择", "reply_markup": inline_keyboard(
            {"text": "接单", "callback_data": "ok:1"}, {"text": "看看", "url": "https://e.cn"})})
    _, in_group = await api(fake, "sendMessage", json={"chat_id": GROUP_ID, "text": "收到"})
    fake.user_sends(ALICE, "/report 3号楼2单元301楼道灯坏了")
    fake.user_sends(BOB, "@gridbot_test_bot 也坏了\x00", chat=GROUP_ID,
                    reply_to=in_group["result"]["message_id"])
    fake.user_presses(ALICE, ALICE.id, sent["result"]["message_id"], "ok:1")
    fake.user_sends_album(ALICE, 2, "3号楼漏水")
    fake.user_sends_voice(ALICE, 7)
    fake.user_sends_location(ALICE, 31.23, 121.47)
    fake.user_shares_contact(ALICE, "139")
    return copy.deepcopy(fake.core.queue.peek(100))


async def test_plain_updates_read_the_same_as_aiogram_reads_them(fake: FakeTelegram) -> None:
    updates = await _updates(fake)
    assert len(updates) == 8
    for data in updates:
        assert _by_view(data) == _by_aiogram(data)
    incomings = [i for u in updates if (i := _by_view(u)) is not None]
    assert len(incomings) == 8
    assert any(i.chat_type == "supergroup" and i.reply_to_bot and i.mentions_bot
               and "\x00" not in i.text for i in incomings)
    assert any(i.callback_data == "ok:1" for i in incomings)
    assert sum(1 for i in incomings if i.attachment) == 4  # two photos, a voice, a place
    assert any(i.contact for i in incomings)


@pytest.mark.parametrize("change", [
    {"poll": {"id": "p", "question": "?"}},  # aiogram refuses it: fields are missing
    {"sticker": {"file_id": "x", "file_unique_id": "y", "type": "regular", "width": 1,
                 "height": 1, "is_animated": False, "is_video": False}},
    {"chat": "not a chat"},
    {"chat": {"id": "5001", "type": "private"}},  # aiogram coerces the string: its call
    {"message_id": True},
    {"date": 1.5},
    {"text": None},
    {"entities": [{"type": "bold", "offset": 0}]},
    {"new_chat_members": []},
    {"forward_origin": {"type": "hidden_user", "date": 1, "sender_user_name": "x"}},
])
def test_an_odd_message_is_left_to_aiogram(change: dict[str, Any]) -> None:
    message = {"message_id": 1, "date": 1, "chat": {"id": 5001, "type": "private"},
               "from": {"id": 5001, "is_bot": False, "first_name": "王"}, "text": "hi"}
    assert plain_update({"update_id": 1, "message": message}) == "message"
    assert plain_update({"update_id": 1, "message": {**message, **change}}) is None


@pytest.mark.parametrize("data", [
    {"update_id": "1", "message": {"message_id": 1, "date": 1,
                                   "chat": {"id": 1, "type": "private"}}},
    {"update_id": 1},
    ["update_id", 1],
    {"update_id": 1, "edited_message": {"message_id": 1, "date": 1,
                                        "chat": {"id": 1, "type": "private"}}},
    {"update_id": 1, "callback_query": {"id": "q", "chat_instance": "c"}},  # no "from"
    {"update_id": 1, "message": {"message_id": 1, "date": 1, "chat": {"id": 1, "type": "x"}},
     "callback_query": {"id": "q", "chat_instance": "c", "from": {
         "id": 1, "is_bot": False, "first_name": "a"}}},
])
def test_an_odd_update_is_left_to_aiogram(data: Any) -> None:
    assert plain_update(data) is None


@pytest.mark.parametrize(("extra", "unsupported"), [
    ({"document": {"file_id": "d", "file_unique_id": "u"}, "caption": "台账"}, "document"),
    ({"dice": {"emoji": "🎲", "value": 3}}, "dice"),
    ({"text": "楼道灯坏了"}, None),
])
def test_what_the_bot_cannot_take_is_named_whichever_way_the_message_is_read(
    extra: dict[str, Any], unsupported: str | None,
) -> None:
    data = {"message_id": 4, "date": 1, "chat": {"id": ALICE.id, "type": "private"},
            "from": {"id": ALICE.id, "is_bot": False, "first_name": "Alice"}, **extra}
    by_view = incoming_from_message(JsonView(data), 7, BOT_ID, "gridbot_test_bot")
    message = Update.model_validate({"update_id": 7, "message": data}).message
    assert message is not None
    assert by_view.unsupported == unsupported
    assert by_view == incoming_from_message(message, 7, BOT_ID, "gridbot_test_bot")
