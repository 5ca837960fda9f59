"""Emulated message methods: send, edit, delete, and answering callback queries."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sandbox.errors import bad_request
from sandbox.files import StoredFile, UploadedFile
from sandbox.formatting import parse_text
from sandbox.models import FakeChat

if TYPE_CHECKING:
    from sandbox.core import Core, Handler

# Parameters that would need Telegram features the sandbox does not model; rejecting them
# keeps a bot from silently relying on behaviour the tests never exercised.
UNEMULATED = ("business_connection_id", "message_thread_id", "direct_messages_topic_id",
              "suggested_post_parameters", "inline_message_id", "rich_message")
MAX_UPLOAD = 50 * 1024 * 1024
NOT_MODIFIED = ("message is not modified: specified new message content and reply markup are "
                "exactly the same as a current content and reply markup of the message")


def _refuse_unemulated(params: dict[str, Any]) -> None:
    for name in UNEMULATED:
        if name in params:
            raise bad_request(f"sandbox: parameter '{name}' is not emulated")


def _target(core: Core, params: dict[str, Any]) -> FakeChat:
    """The chat a send goes to, after Telegram's existence and permission checks."""
    _refuse_unemulated(params)
    chat = core.world.chat(params["chat_id"])
    core.world.check_can_send(chat)
    return chat


def _reply_to(core: Core, chat: FakeChat, params: dict[str, Any]) -> int | None:
    reply = params.get("reply_parameters")
    if not reply:
        return None
    if "chat_id" in reply and core.world.chat(reply["chat_id"]) is not chat:
        raise bad_request("sandbox: replies to messages in another chat are not emulated")
    if chat.live_message(reply["message_id"]) is None:
        if reply.get("allow_sending_without_reply"):
            return None
        raise bad_request("message to be replied not found")
    return int(reply["message_id"])


def _common(params: dict[str, Any]) -> dict[str, Any]:
    """Message fields that follow directly from send options."""
    content: dict[str, Any] = {}
    markup = params.get("reply_markup")
    if markup and "inline_keyboard" in markup:
        content["reply_markup"] = markup  # Message objects carry inline keyboards only
    if params.get("protect_content"):
        content["has_protected_content"] = True
    return content


def _caption(params: dict[str, Any], content: dict[str, Any]) -> str | None:
    if "caption" not in params:
        return None
    caption, entities = parse_text(params["caption"], params.get("parse_mode"),
                                   params.get("caption_entities"))
    if caption:
        content["caption"] = caption
    if entities:
        content["caption_entities"] = entities
    return caption


async def send_message(core: Core, params: dict[str, Any]) -> dict[str, Any]:
    """sendMessage."""
    chat = _target(core, params)
    reply_to = _reply_to(core, chat, params)
    text, entities = parse_text(params["text"], params.get("parse_mode"), params.get("entities"))
    core.limiter.acquire(chat.id, chat.type)
    content: dict[str, Any] = {"text": text, **_common(params)}
    if entities:
        content["entities"] = entities
    if params.get("link_preview_options"):
        content["link_preview_options"] = params["link_preview_options"]
    msg, sent = core.world.bot_message(chat, content, reply_to)
    sent.text, sent.reply_markup = text, params.get("reply_markup")
    return msg


def _upload(core: Core, value: UploadedFile | str, kind: str) -> StoredFile:
    if isinstance(value, UploadedFile):
        if not value.data:
            raise bad_request("file must be non-empty")
        if value.size > MAX_UPLOAD:
            raise bad_request("file is too big")
    return core.world.files.resolve(value, kind)


async def _send_file(core: Core, params: dict[str, Any], kind: str) -> dict[str, Any]:
    chat = _target(core, params)
    reply_to = _reply_to(core, chat, params)
    stored = _upload(core, params[kind], kind)
    files = core.world.files
    media: Any = files.document(stored) if kind == "document" else files.photo(stored)
    content: dict[str, Any] = {kind: media, **_common(params)}
    caption = _caption(params, content)
    if kind == "photo" and params.get("has_spoiler"):
        content["has_media_spoiler"] = True
    core.limiter.acquire(chat.id, chat.type)
    msg, sent = core.world.bot_message(chat, content, reply_to)
    sent.text, sent.caption, sent.reply_markup = caption or "", caption, params.get("reply_markup")
    sent.file_content = stored.data
    if kind == "document":
        sent.document = media
    else:
        sent.photo = media
    return msg


async def send_document(core: Core, params: dict[str, Any]) -> dict[str, Any]:
    """sendDocument (uploads keep their file name, type and size)."""
    return await _send_file(core, params, "document")


async def send_photo(core: Core, params: dict[str, Any]) -> dict[str, Any]:
    """sendPhoto (the upload must be a PNG, JPEG, GIF or WebP image)."""
    return await _send_file(core, params, "photo")


def _editable(core: Core, params: dict[str, Any]) -> tuple[FakeChat, dict[str, Any]]:
    """The bot's own message an edit targets, or Telegram's error."""
    _refuse_unemulated(params)
    if "chat_id" not in params:
        raise bad_request("chat_id is empty")
    if "message_id" not in params:
        raise bad_request("message identifier is not specified")
    chat = core.world.chat(params["chat_id"])
    if chat.user is not None and chat.user.id in core.world.blocked:
        core.world.check_can_send(chat)
    msg = core.world.message(chat, params["message_id"], "edit")
    if msg["from"]["id"] != core.bot_id:
        raise bad_request("message can't be edited")
    return chat, msg


def _apply_edit(core: Core, chat: FakeChat, msg: dict[str, Any], changes: dict[str, Any],
                markup: dict[str, Any] | None) -> dict[str, Any]:
    current = {key: msg.get(key) for key in changes}
    if current == changes and msg.get("reply_markup") == markup:
        raise bad_request(NOT_MODIFIED)
    core.limiter.acquire(chat.id, chat.type)
    for key, value in {**changes, "reply_markup": markup}.items():
        if value:
            msg[key] = value
        else:
            msg.pop(key, None)
    msg["edit_date"] = int(core.world.clock.time())
    sent = chat.sent[msg["message_id"]]
    sent.edited, sent.reply_markup = True, markup
    sent.text = msg.get("text", msg.get("caption", ""))
    return msg


async def edit_message_text(core: Core, params: dict[str, Any]) -> dict[str, Any]:
    """editMessageText (without reply_markup the inline keyboard is removed, as on Telegram)."""
    chat, msg = _editable(core, params)
    if "text" not in params:
        raise bad_request("message text is empty")
    if "text" not in msg:
        raise bad_request("there is no text in the message to edit")
    text, entities = parse_text(params["text"], params.get("parse_mode"), params.get("entities"))
    changes = {"text": text, "entities": entities or None}
    return _apply_edit(core, chat, msg, changes, params.get("reply_markup"))


async def edit_message_reply_markup(core: Core, params: dict[str, Any]) -> dict[str, Any]:
    """editMessageReplyMarkup (no reply_markup removes the keyboard)."""
    chat, msg = _editable(core, params)
    return _apply_edit(core, chat, msg, {}, params.get("reply_markup"))


async def delete_message(core: Core, params: dict[str, Any]) -> bool:
    """deleteMessage (others' messages in groups need the bot to be an administrator)."""
    chat = core.world.chat(params["chat_id"])
    msg = core.world.message(chat, params["message_id"], "delete")
    if msg["from"]["id"] != core.bot_id and chat.type != "private" and not chat.bot_is_admin:
        raise bad_request("message can't be deleted")
    chat.deleted.add(msg["message_id"])
    if sent := chat.sent.get(msg["message_id"]):
        sent.deleted = True
    return True


async def answer_callback_query(core: Core, params: dict[str, Any]) -> bool:
    """answerCallbackQuery (each query can be answered once)."""
    query_id = params["callback_query_id"]
    if query_id not in core.queries or query_id in core.callback_answers:
        raise bad_request("query is too old and response timeout expired or query ID is invalid")
    core.callback_answers[query_id] = params
    return True


MESSAGE_METHODS: dict[str, Handler] = {
    "sendMessage": send_message,
    "sendDocument": send_document,
    "sendPhoto": send_photo,
    "editMessageText": edit_message_text,
    "editMessageReplyMarkup": edit_message_reply_markup,
    "deleteMessage": delete_message,
    "answerCallbackQuery": answer_callback_query,
}
