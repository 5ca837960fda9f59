"""One mapping from an outgoing message to a Bot API call, checked against the Bot API spec,
and the outbox payload read back as the message it was written from."""

import pytest

from bot.botcalls import BotCall, answer_call, may_delete, message_call, set_webhook_call
from sandbox.files import UploadedFile
from sandbox.spec import load_spec
from sandbox.validate import validate_params
from services.outgoing import (
    MAX_TEXT,
    Button,
    Document,
    Message,
    Photo,
    Place,
    SavedPhotos,
    SavedVoice,
    split_text,
)

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
       b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00"
       b"\x00\x00\x00IEND\xaeB`\x82")
BUTTONS = ((Button("接单", data="a:1"), Button("跟踪进度", url="https://t.me/x?start=c1")),)

MESSAGES = {
    "text": Message("你好", BUTTONS),
    "reply": Message("收到", reply_to_message_id=7),
    "edit": Message("已接单", BUTTONS, edit_message_id=9),
    "delete": Message(delete_message_id=11),
    "photo": Message("图表", media=Photo(PNG)),
    "document": Message("台账", BUTTONS, media=Document("台账.xlsx", b"PK\x03\x04")),
    "offer to admins": Message("删除原消息？", BUTTONS, only_if_bot_admin=True),
    "saved photo": Message("#1 居民发来的照片", BUTTONS, media=SavedPhotos(("AgAC1",))),
    "album": Message("#1 照片" * 200, BUTTONS,
                     media=SavedPhotos(tuple(f"Ag{i}" for i in range(10)))),
    "voice": Message("#1 居民的语音", media=SavedVoice("AwAC1")),
    "place": Message(media=Place(31.2304, 121.4737)),
    "ask phone": Message("已受理 #1", ask_contact="📱 共享手机号"),
    "phone kept": Message("已记下", remove_keyboard=True),
}


@pytest.mark.parametrize(("kind", "method"), [
    ("text", "sendMessage"), ("reply", "sendMessage"), ("edit", "editMessageText"),
    ("delete", "deleteMessage"), ("photo", "sendPhoto"), ("document", "sendDocument"),
    ("offer to admins", "sendMessage"), ("saved photo", "sendPhoto"), ("album", "sendMediaGroup"),
    ("voice", "sendVoice"), ("place", "sendLocation"), ("ask phone", "sendMessage"),
    ("phone kept", "sendMessage"),
])
def test_every_kind_of_message_becomes_one_valid_call(kind: str, method: str) -> None:
    call = message_call(5550001, MESSAGES[kind])
    assert call.method == method
    assert_valid(call)


def test_an_edit_reports_the_edited_message_and_a_reply_survives_a_deleted_original() -> None:
    assert message_call(1, MESSAGES["edit"]).edited == 9
    reply = message_call(1, MESSAGES["reply"]).params["reply_parameters"]
    assert reply == {"message_id": 7, "allow_sending_without_reply": True}


def test_a_file_travels_as_a_multipart_part_with_the_text_as_caption() -> None:
    call = message_call(1, MESSAGES["document"])
    assert call.files["document"].filename == "台账.xlsx" and call.params["caption"] == "台账"
    assert "text" not in call.params


@pytest.mark.parametrize("kind", list(MESSAGES))
def test_a_message_reads_back_from_its_outbox_payload_unchanged(kind: str) -> None:
    message = MESSAGES[kind]
    assert Message.from_json(message.to_json()) == message


def test_a_payload_queued_before_the_typed_message_still_delivers() -> None:
    old = {"text": "hi", "buttons": [[{"text": "好", "data": "x", "url": None}]],
           "edit_message_id": None, "reply_to_message_id": None}
    assert Message.from_json(old) == Message("hi", ((Button("好", data="x"),),))


def test_an_album_holds_two_to_ten_photos_and_its_caption_fits() -> None:
    call = message_call(1, MESSAGES["album"])
    assert len(call.params["media"]) == 10 and "reply_markup" not in call.params
    assert len(call.params["media"][0]["caption"]) <= 1024
    with pytest.raises(ValueError):
        SavedPhotos(tuple(f"Ag{i}" for i in range(11)))
    with pytest.raises(ValueError):
        Message("x", BUTTONS, ask_contact="📱")


def test_media_is_never_an_edit() -> None:
    with pytest.raises(ValueError):
        Message("x", media=Photo(PNG), edit_message_id=3)


def test_answers_and_webhook_calls_are_valid_too() -> None:
    assert_valid(answer_call("q1", "好" * 300, alert=True))
    assert len(answer_call("q1", "好" * 300).params["text"]) == 200
    assert "text" not in answer_call("q1").params
    assert_valid(set_webhook_call("https://example.org/hook", "s3cret", True))


def test_only_an_administrator_who_may_delete_gets_the_offer() -> None:
    assert may_delete({"status": "creator"})
    assert may_delete({"status": "administrator", "can_delete_messages": True})
    assert not may_delete({"status": "administrator", "can_delete_messages": False})
    assert not may_delete({"status": "member"}) and not may_delete(True)


def assert_valid(call: BotCall) -> None:
    """Raise unless the emulator's spec check accepts the call."""
    spec = load_spec()
    files = {name: UploadedFile(field=name, filename=f.filename, data=f.content,
                                content_type="application/octet-stream")
             for name, f in call.files.items()}
    validate_params(spec, spec.methods[call.method], call.params, files)


def test_a_long_text_is_split_at_line_boundaries_and_nothing_is_lost() -> None:
    lines = [f"· 第{n}行 " + "字" * 60 for n in range(200)]
    parts = split_text("\n".join(lines))
    assert len(parts) == 4 and "\n".join(parts) == "\n".join(lines)
    assert all(len(p) <= MAX_TEXT and p.split("\n")[0] in lines for p in parts)
    assert [len(p) for p in split_text("a" * 9000)] == [4096, 4096, 808]
    assert [len(p) for p in split_text("😀" * 3000)] == [2048, 952]  # two UTF-16 units each
    assert split_text("短") == ["短"]
