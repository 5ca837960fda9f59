"""The emulator rejects calls the Bot API spec forbids and answers like Telegram otherwise."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import aiohttp
import pytest

from sandbox import FakeTelegram, SentMessage
from sandbox.spec import load_spec
from sandbox.validate import validate_object
from tests.test_sandbox_support import (
    ALICE,
    BOB,
    GROUP_ID,
    TOKEN,
    api,
    inline_keyboard,
    started_fake,
)


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    fake = await started_fake()
    yield fake
    await fake.stop()


async def send(fake: FakeTelegram, **params: object) -> tuple[int, dict]:
    return await api(fake, "sendMessage", json={"chat_id": GROUP_ID, **params})


def only_rejection(fake: FakeTelegram) -> str:
    assert len(fake.rejections) == 1, fake.rejections
    return fake.rejections[0][2]


async def test_unknown_method_answers_404_not_found(fake: FakeTelegram) -> None:
    status, body = await api(fake, "sendTelepathy", json={"chat_id": 1})
    assert (status, body) == (404, {"ok": False, "error_code": 404, "description": "Not Found"})
    assert fake.rejections == [("sendTelepathy", {"chat_id": 1}, "Not Found")]


async def test_wrong_token_answers_401_unauthorized(fake: FakeTelegram) -> None:
    status, body = await api(fake, "getMe", token="123456:WRONG")
    assert status == 401 and body["description"] == "Unauthorized"


async def test_missing_required_field_is_rejected(fake: FakeTelegram) -> None:
    status, body = await send(fake)
    assert status == 400
    assert body["description"] == "Bad Request: sendMessage: required field 'text' is missing"
    assert only_rejection(fake) == body["description"]


async def test_unknown_parameter_is_rejected(fake: FakeTelegram) -> None:
    status, body = await send(fake, text="hi", reply_to_message_id=3)
    assert status == 400
    assert "sendMessage: unknown parameter 'reply_to_message_id'" in body["description"]


async def test_wrong_type_is_rejected(fake: FakeTelegram) -> None:
    status, body = await send(fake, text="hi", disable_notification="maybe")
    assert status == 400
    assert "field 'disable_notification' must be Boolean, got \"maybe\"" in body["description"]
    status, body = await api(fake, "sendMessage", json={"chat_id": 1.5, "text": "hi"})
    assert "field 'chat_id' must be Integer or String" in body["description"]


async def test_nested_object_with_wrong_field_type_is_rejected(fake: FakeTelegram) -> None:
    status, body = await send(fake, text="hi", reply_parameters={"message_id": "1"})
    assert status == 400
    assert "field 'reply_parameters.message_id' must be Integer" in body["description"]


async def test_text_longer_than_4096_characters_is_rejected(fake: FakeTelegram) -> None:
    status, body = await send(fake, text="灯" * 4097)
    assert status == 400
    assert "sendMessage: field 'text' is longer than 4096 characters" in body["description"]
    status, _ = await send(fake, text="灯" * 4096)
    assert status == 200


async def test_html_tags_do_not_count_towards_the_text_limit(fake: FakeTelegram) -> None:
    status, body = await send(fake, text="<b>" + "x" * 4095 + "&amp;</b>", parse_mode="HTML")
    assert status == 200, body
    assert body["result"]["text"] == "x" * 4095 + "&"
    status, body = await send(fake, text="<b>" + "x" * 4097 + "</b>", parse_mode="HTML")
    assert "is longer than 4096 characters" in body["description"]


async def test_unsupported_html_tag_is_rejected(fake: FakeTelegram) -> None:
    status, body = await send(fake, text="<div>工单</div>", parse_mode="HTML")
    assert status == 400
    assert "can't parse entities: Unsupported start tag \"div\"" in body["description"]


async def test_unknown_parse_mode_is_rejected(fake: FakeTelegram) -> None:
    status, body = await send(fake, text="hi", parse_mode="html")
    assert status == 400 and "field 'parse_mode' must be one of" in body["description"]


async def test_empty_text_is_rejected(fake: FakeTelegram) -> None:
    status, body = await send(fake, text="  \n ")
    assert status == 400 and "field 'text' must not be empty" in body["description"]


async def test_callback_data_limit_counts_utf8_bytes(fake: FakeTelegram) -> None:
    ok = inline_keyboard({"text": "受理", "callback_data": "单" * 21})  # 63 bytes
    assert (await send(fake, text="x", reply_markup=ok))[0] == 200
    too_long = inline_keyboard({"text": "受理", "callback_data": "单" * 22})  # 22 chars, 66 bytes
    status, body = await send(fake, text="x", reply_markup=too_long)
    assert status == 400
    assert ("field 'reply_markup.inline_keyboard[0][0].callback_data' is longer than 64 bytes"
            in body["description"])


async def test_button_with_two_action_fields_is_rejected(fake: FakeTelegram) -> None:
    markup = inline_keyboard({"text": "看", "callback_data": "a", "url": "https://example.com"})
    status, body = await send(fake, text="x", reply_markup=markup)
    assert status == 400
    assert "must use exactly one of" in body["description"]
    assert "got url, callback_data" in body["description"]


async def test_button_without_action_is_rejected(fake: FakeTelegram) -> None:
    status, body = await send(fake, text="x", reply_markup=inline_keyboard({"text": "空"}))
    assert status == 400 and "got none" in body["description"]


async def test_reply_markup_matching_no_markup_type_is_rejected(fake: FakeTelegram) -> None:
    status, body = await send(fake, text="x", reply_markup={"buttons": []})
    assert status == 400
    assert "field 'reply_markup' must be InlineKeyboardMarkup or ReplyKeyboardMarkup" in (
        body["description"])


async def test_reply_keyboard_with_plain_string_buttons_is_accepted(fake: FakeTelegram) -> None:
    markup = {"keyboard": [["报修", {"text": "查询"}]], "resize_keyboard": True}
    status, body = await send(fake, text="选择", reply_markup=markup)
    assert status == 200, body
    assert "reply_markup" not in body["result"]  # only inline keyboards appear in messages
    assert fake.messages(GROUP_ID)[0].reply_markup == markup


async def test_set_my_commands_checks_command_names_and_lengths(fake: FakeTelegram) -> None:
    bad_name = {"commands": [{"command": "Report", "description": "报修"}]}
    status, body = await api(fake, "setMyCommands", json=bad_name)
    assert status == 400 and "may contain only lowercase" in body["description"]
    too_long = {"commands": [{"command": "r" * 33, "description": "报修"}]}
    status, body = await api(fake, "setMyCommands", json=too_long)
    assert "field 'commands[0].command' is longer than 32 characters" in body["description"]
    good = {"commands": [{"command": "report", "description": "报修"}]}
    assert (await api(fake, "setMyCommands", json=good))[0] == 200
    assert (await api(fake, "getMyCommands"))[1]["result"] == good["commands"]
    assert fake.my_commands() == good["commands"]
    assert (await api(fake, "deleteMyCommands"))[0] == 200
    assert fake.my_commands() == []


async def test_get_updates_limit_must_be_between_1_and_100(fake: FakeTelegram) -> None:
    status, body = await api(fake, "getUpdates", json={"limit": 101})
    assert status == 400 and "field 'limit' must be between 1 and 100" in body["description"]


async def test_answer_callback_text_over_200_characters_is_rejected(fake: FakeTelegram) -> None:
    status, body = await api(fake, "answerCallbackQuery",
                             json={"callback_query_id": "1", "text": "好" * 201})
    assert "field 'text' is longer than 200 characters" in body["description"]


async def test_valid_but_unemulated_method_is_rejected(fake: FakeTelegram) -> None:
    status, body = await api(fake, "sendDice", json={"chat_id": GROUP_ID})
    assert status == 400
    assert body["description"] == "Bad Request: sandbox: method sendDice is not emulated"
    assert len(fake.rejections) == 1


async def test_invalid_call_to_unemulated_method_reports_the_spec_error(fake: FakeTelegram) -> None:
    status, body = await api(fake, "sendDice", json={"chat_id": GROUP_ID, "emoji": "x"})
    assert "field 'emoji' must be one of" in body["description"]


async def test_sending_to_an_unknown_chat_is_chat_not_found(fake: FakeTelegram) -> None:
    status, body = await api(fake, "sendMessage", json={"chat_id": -100999, "text": "hi"})
    assert (status, body["description"]) == (400, "Bad Request: chat not found")


async def test_user_who_never_started_the_bot_cannot_be_messaged(fake: FakeTelegram) -> None:
    fake.private_chat(BOB)
    status, body = await api(fake, "sendMessage", json={"chat_id": BOB.id, "text": "hi"})
    assert status == 403
    assert body["description"] == "Forbidden: bot can't initiate conversation with a user"
    fake.user_sends(BOB, "你好")
    assert (await api(fake, "sendMessage", json={"chat_id": BOB.id, "text": "hi"}))[0] == 200


async def test_user_who_blocked_the_bot_cannot_be_messaged(fake: FakeTelegram) -> None:
    fake.user_blocks_bot(ALICE)
    status, body = await api(fake, "sendMessage", json={"chat_id": ALICE.id, "text": "hi"})
    assert (status, body["description"]) == (403, "Forbidden: bot was blocked by the user")
    fake.user_starts(ALICE)
    assert (await api(fake, "sendMessage", json={"chat_id": ALICE.id, "text": "hi"}))[0] == 200


async def test_editing_with_identical_content_is_not_modified(fake: FakeTelegram) -> None:
    markup = inline_keyboard({"text": "受理", "callback_data": "t:1:ok"})
    _, sent = await send(fake, text="工单 #1", reply_markup=markup)
    edit = {"chat_id": GROUP_ID, "message_id": sent["result"]["message_id"], "text": "工单 #1",
            "reply_markup": markup}
    status, body = await api(fake, "editMessageText", json=edit)
    assert status == 400
    assert body["description"].startswith("Bad Request: message is not modified: ")
    status, body = await api(fake, "editMessageText", json={**edit, "text": "工单 #1 已受理"})
    assert status == 200 and body["result"]["edit_date"] > 0


async def test_edits_and_deletions_show_in_sent_messages(fake: FakeTelegram) -> None:
    markup = inline_keyboard({"text": "受理", "callback_data": "t:1:ok"},
                             {"text": "驳回", "callback_data": "t:1:no"})
    _, sent = await send(fake, text="工单 #1", reply_markup=markup)
    message_id = sent["result"]["message_id"]
    msg = fake.messages(GROUP_ID)[0]
    assert isinstance(msg, SentMessage)
    assert msg.button_texts == ["受理", "驳回"] and msg.callback_data("驳回") == "t:1:no"
    with pytest.raises(KeyError, match="buttons"):
        msg.callback_data("不存在")
    await api(fake, "editMessageText",
              json={"chat_id": GROUP_ID, "message_id": message_id, "text": "已受理"})
    assert (msg.text, msg.edited, msg.reply_markup, msg.buttons) == ("已受理", True, None, [])
    await api(fake, "deleteMessage", json={"chat_id": GROUP_ID, "message_id": message_id})
    assert fake.messages(GROUP_ID)[0].deleted


async def test_edit_reply_markup_replaces_and_removes_the_keyboard(fake: FakeTelegram) -> None:
    _, sent = await send(fake, text="工单", reply_markup=inline_keyboard(
        {"text": "受理", "callback_data": "a"}))
    target = {"chat_id": GROUP_ID, "message_id": sent["result"]["message_id"]}
    new = inline_keyboard({"text": "完成", "callback_data": "b"})
    status, body = await api(fake, "editMessageReplyMarkup", json={**target, "reply_markup": new})
    assert status == 200 and body["result"]["reply_markup"] == new
    status, body = await api(fake, "editMessageReplyMarkup", json=target)
    assert status == 200 and "reply_markup" not in body["result"]
    status, body = await api(fake, "editMessageReplyMarkup", json=target)
    assert "message is not modified" in body["description"]


async def test_editing_or_deleting_a_missing_message_fails(fake: FakeTelegram) -> None:
    target = {"chat_id": GROUP_ID, "message_id": 99}
    _, body = await api(fake, "editMessageText", json={**target, "text": "x"})
    assert body["description"] == "Bad Request: message to edit not found"
    _, body = await api(fake, "deleteMessage", json=target)
    assert body["description"] == "Bad Request: message to delete not found"


async def test_bot_cannot_edit_a_users_message(fake: FakeTelegram) -> None:
    message_id = fake.user_sends(ALICE, "楼道灯坏了", chat=GROUP_ID)
    _, body = await api(fake, "editMessageText",
                        json={"chat_id": GROUP_ID, "message_id": message_id, "text": "x"})
    assert body["description"] == "Bad Request: message can't be edited"


async def test_answer_callback_query_works_once_for_a_real_query(fake: FakeTelegram) -> None:
    _, sent = await send(fake, text="工单", reply_markup=inline_keyboard(
        {"text": "受理", "callback_data": "a"}))
    query_id = fake.user_presses(ALICE, GROUP_ID, sent["result"]["message_id"], "forged:data")
    answer = {"callback_query_id": query_id, "text": "已受理"}
    assert (await api(fake, "answerCallbackQuery", json=answer))[0] == 200
    assert fake.callback_answers[query_id] == answer
    invalid = "Bad Request: query is too old and response timeout expired or query ID is invalid"
    assert (await api(fake, "answerCallbackQuery", json=answer))[1]["description"] == invalid
    unknown = {"callback_query_id": "424242"}
    assert (await api(fake, "answerCallbackQuery", json=unknown))[1]["description"] == invalid


async def test_pressing_requires_an_existing_message(fake: FakeTelegram) -> None:
    with pytest.raises(ValueError, match="no message 7"):
        fake.user_presses(ALICE, GROUP_ID, 7, "x")


async def test_users_and_bot_share_the_per_chat_message_sequence(fake: FakeTelegram) -> None:
    first = fake.user_sends(ALICE, "一", chat=GROUP_ID)
    _, sent = await send(fake, text="二")
    third = fake.user_sends(BOB, "三", chat=GROUP_ID)
    assert (first, sent["result"]["message_id"], third) == (1, 2, 3)
    assert fake.user_sends(ALICE, "私聊") == 1  # another chat, its own sequence


async def test_user_messages_carry_entities_and_reply(fake: FakeTelegram) -> None:
    _, sent = await send(fake, text="请描述问题")
    fake.user_sends(ALICE, "/report@gridbot_test_bot 灯坏了 @gridbot_test_bot", chat=GROUP_ID,
                    reply_to=sent["result"]["message_id"])
    _, body = await api(fake, "getUpdates")
    message = body["result"][0]["message"]
    assert message["entities"] == [
        {"type": "bot_command", "offset": 0, "length": 24},
        {"type": "mention", "offset": 29, "length": 17},
    ]
    assert message["reply_to_message"]["text"] == "请描述问题"
    assert message["from"] == {"id": 5001, "is_bot": False, "first_name": "王",
                               "last_name": "大爷", "language_code": "zh-hans"}


async def test_get_chat_member_reports_the_bots_admin_status(fake: FakeTelegram) -> None:
    fake.add_group(-1002, "普通群")
    _, admin = await api(fake, "getChatMember", json={"chat_id": GROUP_ID, "user_id": fake.bot_id})
    _, member = await api(fake, "getChatMember", json={"chat_id": -1002, "user_id": fake.bot_id})
    assert admin["result"]["status"] == "administrator"
    assert member["result"]["status"] == "member"
    fake.user_sends(ALICE, "hi", chat=-1002)
    _, alice = await api(fake, "getChatMember", json={"chat_id": -1002, "user_id": ALICE.id})
    assert alice["result"]["status"] == "member"


async def test_send_document_keeps_file_name_and_size(fake: FakeTelegram) -> None:
    # Raw UTF-8 file names, as aiogram (quote_fields=False) and httpx send them.
    form = aiohttp.FormData({"chat_id": str(GROUP_ID), "caption": "导出"}, quote_fields=False)
    form.add_field("document", b"a,b\n1,2\n", filename="工单.csv", content_type="text/csv")
    status, body = await api(fake, "sendDocument", data=form)
    assert status == 200, body
    doc = body["result"]["document"]
    assert (doc["file_name"], doc["file_size"], doc["mime_type"]) == ("工单.csv", 8, "text/csv")
    msg = fake.messages(GROUP_ID)[0]
    assert (msg.text, msg.file_content) == ("导出", b"a,b\n1,2\n")
    resend = {"chat_id": GROUP_ID, "document": doc["file_id"]}
    assert (await api(fake, "sendDocument", json=resend))[0] == 200
    _, body = await api(fake, "sendDocument", json={**resend, "document": "no-such-id"})
    assert body["description"] == "Bad Request: wrong file identifier/HTTP URL specified"


async def test_send_photo_needs_a_real_image(fake: FakeTelegram) -> None:
    png = (b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + (640).to_bytes(4, "big")
           + (480).to_bytes(4, "big") + b"\x08\x02\x00\x00\x00")
    form = aiohttp.FormData({"chat_id": str(GROUP_ID)})
    form.add_field("photo", png, filename="lamp.png", content_type="image/png")
    status, body = await api(fake, "sendPhoto", data=form)
    assert status == 200, body
    assert body["result"]["photo"][0]["width"] == 640
    form = aiohttp.FormData({"chat_id": str(GROUP_ID)})
    form.add_field("photo", b"not an image", filename="x.png")
    _, body = await api(fake, "sendPhoto", data=form)
    assert body["description"] == "Bad Request: IMAGE_PROCESS_FAILED"


async def test_returned_objects_and_updates_match_the_spec(fake: FakeTelegram) -> None:
    spec = load_spec()
    user_msg = fake.user_sends(ALICE, "/start", chat=GROUP_ID)
    _, sent = await send(fake, text="<b>收到</b>", parse_mode="HTML",
                         reply_parameters={"message_id": user_msg},
                         reply_markup=inline_keyboard({"text": "受理", "callback_data": "a"}))
    validate_object(spec, "Message", sent["result"])
    fake.user_presses(BOB, GROUP_ID, sent["result"]["message_id"], "a")
    fake.user_blocks_bot(ALICE)
    _, updates = await api(fake, "getUpdates", json={"allowed_updates": []})
    assert [next(k for k in u if k != "update_id") for u in updates["result"]] == [
        "message", "callback_query", "my_chat_member"]
    for update in updates["result"]:
        validate_object(spec, "Update", update)
    for method, params, kind in [("getMe", {}, "User"), ("getChat", {"chat_id": GROUP_ID},
                                                          "ChatFullInfo"),
                                 ("getWebhookInfo", {}, "WebhookInfo"),
                                 ("getChatMember", {"chat_id": GROUP_ID, "user_id": BOB.id},
                                  "ChatMember")]:
        _, body = await api(fake, method, json=params)
        validate_object(spec, kind, body["result"])


async def test_form_encoded_values_are_coerced_before_validation(fake: FakeTelegram) -> None:
    markup = json.dumps(inline_keyboard({"text": "受理", "callback_data": "a"}))
    status, body = await api(fake, "sendMessage", data={
        "chat_id": str(GROUP_ID), "text": "表单", "disable_notification": "false",
        "reply_markup": markup})
    assert status == 200, body
    method, params = fake.calls[-1]
    assert method == "sendMessage" and params["chat_id"] == GROUP_ID
    assert params["disable_notification"] is False
    assert params["reply_markup"]["inline_keyboard"][0][0]["text"] == "受理"
    _, body = await api(fake, "sendMessage", data={"chat_id": str(GROUP_ID), "text": "x",
                                                   "reply_markup": "{not json"})
    assert "must be JSON-serialized" in body["description"]


async def test_json_form_multipart_and_query_encodings_are_all_accepted(fake: FakeTelegram) -> None:
    base = {"chat_id": str(GROUP_ID), "text": "编码"}
    multipart = aiohttp.FormData(base, default_to_multipart=True)
    results = [
        await api(fake, "sendMessage", json={**base, "chat_id": GROUP_ID}),
        await api(fake, "sendMessage", data=base),
        await api(fake, "sendMessage", data=multipart),
        await api(fake, "sendMessage", params=base, http="GET"),
        await api(fake, "sendmessage", params={"chat_id": str(GROUP_ID)}, data={"text": "编码"}),
    ]
    assert [status for status, _ in results] == [200] * 5, results
    assert [m.text for m in fake.messages(GROUP_ID)] == ["编码"] * 5
    assert fake.rejections == []


async def test_uploaded_file_nothing_refers_to_is_rejected(fake: FakeTelegram) -> None:
    form = aiohttp.FormData({"chat_id": str(GROUP_ID), "document": "attach://missing"})
    form.add_field("other", b"x", filename="x.txt")
    _, body = await api(fake, "sendDocument", data=form)
    assert "refers to attach://missing but no such file part was sent" in body["description"]


async def test_wait_for_times_out_with_a_useful_message(fake: FakeTelegram) -> None:
    await send(fake, text="已受理")
    with pytest.raises(AssertionError) as info:
        await fake.wait_for_message(GROUP_ID, contains="已完成", timeout=0.05)
    report = str(info.value)
    assert "containing '已完成'" in report and "已受理" in report
    found = await fake.wait_for_message(GROUP_ID, contains="受理", timeout=0.05)
    assert found.text == "已受理"


def test_token_must_look_like_a_bot_token() -> None:
    with pytest.raises(ValueError, match="token"):
        FakeTelegram(token="not-a-token")
    assert FakeTelegram(token=TOKEN).bot_id == 123456


async def test_wait_for_treats_lookup_errors_as_not_yet(fake: FakeTelegram) -> None:
    waiting = fake.wait_for(lambda: fake.messages(GROUP_ID)[0].text == "好", timeout=1)
    task = asyncio.ensure_future(waiting)
    await asyncio.sleep(0.03)
    await send(fake, text="好")
    await task
    with pytest.raises(AssertionError, match="last raised IndexError"):
        await fake.wait_for(lambda: fake.messages(-5)[0], timeout=0.03)


async def test_writing_to_a_blocked_bot_unblocks_it(fake: FakeTelegram) -> None:
    fake.user_blocks_bot(ALICE)
    fake.user_sends(ALICE, "/start")
    _, body = await api(fake, "getUpdates", json={"allowed_updates": []})
    kinds = [next(k for k in u if k != "update_id") for u in body["result"]]
    assert kinds == ["my_chat_member", "my_chat_member", "message"]
    statuses = [u["my_chat_member"]["new_chat_member"]["status"] for u in body["result"][:2]]
    assert statuses == ["kicked", "member"]
    assert (await api(fake, "sendMessage", json={"chat_id": ALICE.id, "text": "hi"}))[0] == 200
