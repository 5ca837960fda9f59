"""The emulator carries media: what users send arrives as Telegram's objects both libraries read
into the bot's Incoming, and media re-sent by file_id is checked like on Telegram."""

from collections.abc import AsyncIterator
from typing import Any

import pytest
import telegram as tg
from aiogram.types import Update

from bot.channels import incoming_from_message
from sandbox import FakeTelegram
from tests.test_sandbox_support import ALICE, GROUP_ID, api, started_fake


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    fake = await started_fake()
    yield fake
    await fake.stop()


def _raw(fake: FakeTelegram, message_id: int, chat_id: int = ALICE.id) -> dict[str, Any]:
    return fake.core.world.chats[chat_id].history[message_id]


async def test_what_users_send_reads_the_same_in_both_libraries(fake: FakeTelegram) -> None:
    ids = [*fake.user_sends_album(ALICE, 2, "3号楼漏水"), fake.user_sends_voice(ALICE, 7),
           fake.user_sends_location(ALICE, 31.23, 121.47), fake.user_shares_contact(ALICE, "139"),
           fake.user_sends_other(ALICE, "sticker")]
    for message_id in ids:
        raw = {"update_id": message_id, "message": _raw(fake, message_id)}
        aiogram = Update.model_validate(raw).message
        ptb = tg.Update.de_json(raw, None).message
        assert aiogram is not None and ptb is not None
        a, p = (incoming_from_message(m, message_id, 1, "bot")  # type: ignore[arg-type]
                for m in (aiogram, ptb))
        assert a == p and a.has_media
    first, _, voice, place, contact, sticker = (
        incoming_from_message(Update.model_validate(  # type: ignore[arg-type]
            {"update_id": 1, "message": _raw(fake, i)}).message, 1, 1, "bot") for i in ids)
    assert first.text == "3号楼漏水" and first.attachment and first.album
    assert voice.attachment and voice.attachment.duration == 7
    assert place.attachment and place.attachment.latitude == 31.23
    assert contact.contact and contact.contact.user_id == ALICE.id
    assert sticker.unsupported == "sticker" and sticker.attachment is None


async def test_media_is_resent_by_file_id_only_as_its_own_kind(fake: FakeTelegram) -> None:
    photo = _raw(fake, fake.user_sends_photo(ALICE))["photo"][-1]["file_id"]
    voice = _raw(fake, fake.user_sends_voice(ALICE))["voice"]["file_id"]
    ok, _ = await api(fake, "sendVoice", json={"chat_id": GROUP_ID, "voice": voice})
    refused, body = await api(fake, "sendVoice", json={"chat_id": ALICE.id, "voice": photo})
    assert (ok, refused) == (200, 400) and "Photo as Voice" in body["description"]
    one = [{"type": "photo", "media": photo}]
    status, body = await api(fake, "sendMediaGroup", json={"chat_id": ALICE.id, "media": one})
    assert status == 400 and "2-10" in body["description"]
    status, body = await api(fake, "sendMediaGroup", json={
        "chat_id": ALICE.id, "media": [{**one[0], "caption": "照" * 1025}, one[0]]})
    assert status == 400
    status, body = await api(fake, "sendMediaGroup", json={"chat_id": ALICE.id,
                                                           "media": one * 3})
    assert status == 200 and len({m["media_group_id"] for m in body["result"]}) == 1
    status, _ = await api(fake, "sendLocation", json={"chat_id": ALICE.id, "latitude": 91,
                                                      "longitude": 0})
    assert status == 400
    status, body = await api(fake, "copyMessage", json={
        "chat_id": GROUP_ID, "from_chat_id": ALICE.id, "message_id": 1})
    assert status == 200 and fake.messages(GROUP_ID)[-1].photo is not None
