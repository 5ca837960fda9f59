"""The one mapping from what the bot says to Bot API calls, for every channel adapter: a typed
outgoing Message becomes (method, parameters, files); so do a button's answer and the webhook
set-up. Adapters only make the call and map their library's errors to a Delivery."""

from dataclasses import dataclass, field
from typing import Any

from bot.sender import Delivery
from services.outgoing import (
    Document,
    Keyboard,
    Message,
    Photo,
    Place,
    SavedPhotos,
    SavedVoice,
)

MAX_ANSWER = 200  # answerCallbackQuery's text limit
ALLOWED_UPDATES = ["message", "callback_query"]


@dataclass(frozen=True, slots=True)
class Upload:
    """A file sent with a call, as a multipart part."""

    filename: str
    content: bytes


@dataclass(frozen=True, slots=True)
class BotCall:
    """One Bot API call: JSON-ready parameters, files by parameter name, and the id of the
    message it changes (an edit's delivery reports that id)."""

    method: str
    params: dict[str, Any]
    files: dict[str, Upload] = field(default_factory=dict)
    edited: int | None = None


def inline_keyboard(buttons: Keyboard) -> dict[str, Any] | None:
    """An inline keyboard (reply_markup) from button rows; None without buttons."""
    if not buttons:
        return None
    return {"inline_keyboard": [
        [{"text": b.text, "url": b.url} if b.url else {"text": b.text, "callback_data": b.data}
         for b in row] for row in buttons]}


def reply_keyboard(message: Message) -> dict[str, Any] | None:
    """The reply keyboard: one big button sharing the person's own phone, or none any more."""
    if message.ask_contact:
        return {"keyboard": [[{"text": message.ask_contact, "request_contact": True}]],
                "resize_keyboard": True, "one_time_keyboard": True}
    if message.remove_keyboard:
        return {"remove_keyboard": True}
    return None


def message_call(chat_id: int, message: Message) -> BotCall:
    """The call that sends, edits or deletes the message."""
    if message.delete_message_id:
        return BotCall("deleteMessage", {"chat_id": chat_id,
                                         "message_id": message.delete_message_id})
    params: dict[str, Any] = {"chat_id": chat_id}
    if markup := inline_keyboard(message.buttons) or reply_keyboard(message):
        params["reply_markup"] = markup
    if message.edit_message_id:
        return BotCall("editMessageText", {**params, "message_id": message.edit_message_id,
                                           "text": message.fitted_text},
                       edited=message.edit_message_id)
    if message.reply_to_message_id:
        params["reply_parameters"] = {"message_id": message.reply_to_message_id,
                                      "allow_sending_without_reply": True}
    text = message.fitted_text
    match message.media:
        case Photo(content):
            return BotCall("sendPhoto", {**params, **({"caption": text} if text else {})},
                           {"photo": Upload("chart.png", content)})
        case Document(name, content):
            return BotCall("sendDocument", {**params, **({"caption": text} if text else {})},
                           {"document": Upload(name, content)})
        case SavedPhotos(file_ids) if len(file_ids) > 1:  # an album takes no buttons
            params.pop("reply_markup", None)
            media = [{"type": "photo", "media": file_id} for file_id in file_ids]
            if text:
                media[0]["caption"] = text
            return BotCall("sendMediaGroup", {**params, "media": media})
        case SavedPhotos(file_ids):
            return BotCall("sendPhoto", {**params, "photo": file_ids[0],
                                         **({"caption": text} if text else {})})
        case SavedVoice(file_id):
            return BotCall("sendVoice", {**params, "voice": file_id,
                                         **({"caption": text} if text else {})})
        case Place(latitude, longitude):
            return BotCall("sendLocation", {**params, "latitude": latitude,
                                            "longitude": longitude})
    return BotCall("sendMessage", {**params, "text": text})


def get_me_call() -> BotCall:
    """Ask Telegram who the bot is."""
    return BotCall("getMe", {})


def admin_check(chat_id: int, bot_id: int) -> BotCall:
    """Ask whether the bot is an administrator of the chat (getChatMember)."""
    return BotCall("getChatMember", {"chat_id": chat_id, "user_id": bot_id})


def may_delete(member: Any) -> bool:
    """Tell from getChatMember's answer whether the bot may delete messages there."""
    if not isinstance(member, dict):
        return False
    status = member.get("status")
    return status == "creator" or (status == "administrator"
                                   and bool(member.get("can_delete_messages")))


def answer_call(query_id: str, text: str = "", *, alert: bool = False) -> BotCall:
    """Answer a button press: a toast, an alert, or just stop the spinner."""
    params: dict[str, Any] = {"callback_query_id": query_id}
    if text:
        params["text"] = text[:MAX_ANSWER]
    if alert:
        params["show_alert"] = True
    return BotCall("answerCallbackQuery", params)


def set_webhook_call(url: str, secret: str, drop_pending_updates: bool) -> BotCall:
    """Ask Telegram to POST updates to url with the secret header."""
    return BotCall("setWebhook", {"url": url, "secret_token": secret,
                                  "allowed_updates": ALLOWED_UPDATES,
                                  "drop_pending_updates": drop_pending_updates})


def delete_webhook_call() -> BotCall:
    """Go back to getUpdates; pending updates are kept."""
    return BotCall("deleteWebhook", {})


def delivered(call: BotCall, result: Any) -> Delivery:
    """A successful answer as a Delivery: the new message's id, or the edited one's."""
    if isinstance(result, list) and result and isinstance(result[0], dict):
        result = result[0]  # an album: its first message
    if isinstance(result, dict) and isinstance(result.get("message_id"), int):
        return Delivery("sent", message_id=result["message_id"])
    return Delivery("sent", message_id=call.edited)
