"""Telegram updates read straight from their JSON, for the aiogram channel: validating every
update into aiogram's pydantic objects and routing it through aiogram's dispatcher only to read
a dozen fields was about a tenth of the bot's CPU at a steady pace (issue 19).

`plain_update` says whether an update is in a shape whose fields read exactly as aiogram would
read them: only fields listed below, each of its JSON type, the required ones present. Such an
update is reduced through `JsonView` by the same functions as the libraries' objects
(bot/channels.py); any other update (an odd type, an unknown or ill-typed field, a poll without
its required fields) still goes through aiogram, which accepts, coerces or rejects it as before.
"""

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, eq=False)
class Shape:
    """An object's fields this module reads as aiogram would, and which of them it requires."""

    fields: dict[str, Any]  # name -> a JSON type (or a tuple of them), a Shape, or [check]
    required: frozenset[str]


def shape(required: str, **fields: Any) -> Shape:
    """A Shape from its required field names (space-separated) and every field's check."""
    return Shape(fields, frozenset(required.split()))


NUMBER = (int, float)
USER = shape("id is_bot first_name", id=int, is_bot=bool, first_name=str, last_name=str,
             username=str, language_code=str, is_premium=bool, added_to_attachment_menu=bool)
CHAT = shape("id type", id=int, type=str, title=str, username=str, first_name=str,
             last_name=str, is_forum=bool)
ENTITY = shape("type offset length", type=str, offset=int, length=int, url=str, user=USER,
               language=str, custom_emoji_id=str)
PHOTO_SIZE = shape("file_id file_unique_id width height", file_id=str, file_unique_id=str,
                   width=int, height=int, file_size=int)
VOICE = shape("file_id file_unique_id duration", file_id=str, file_unique_id=str,
              duration=int, mime_type=str, file_size=int)
LOCATION = shape("latitude longitude", latitude=NUMBER, longitude=NUMBER,
                 horizontal_accuracy=NUMBER, live_period=int, heading=int,
                 proximity_alert_radius=int)
CONTACT = shape("phone_number first_name", phone_number=str, first_name=str, last_name=str,
                user_id=int, vcard=str)
BUTTON = shape("text", text=str, callback_data=str, url=str)
KEYBOARD = shape("inline_keyboard", inline_keyboard=[[BUTTON]])
LINK_PREVIEW = shape("", is_disabled=bool, url=str, prefer_small_media=bool,
                     prefer_large_media=bool, show_above_text=bool)
MESSAGE = shape(
    "message_id date chat", message_id=int, date=int, chat=CHAT, sender_chat=CHAT,
    message_thread_id=int, is_topic_message=bool, is_automatic_forward=bool, via_bot=USER,
    edit_date=int, has_protected_content=bool, is_from_offline=bool, media_group_id=str,
    author_signature=str, sender_boost_count=int, effect_id=str, text=str, entities=[ENTITY],
    link_preview_options=LINK_PREVIEW, caption=str, caption_entities=[ENTITY],
    show_caption_above_media=bool, has_media_spoiler=bool, photo=[PHOTO_SIZE], voice=VOICE,
    location=LOCATION, contact=CONTACT, reply_markup=KEYBOARD)
MESSAGE.fields.update({"from": USER, "reply_to_message": MESSAGE})
CALLBACK = shape("id from chat_instance", id=str, chat_instance=str, message=MESSAGE,
                 inline_message_id=str, data=str, game_short_name=str)
CALLBACK.fields["from"] = USER
KINDS = {"message": MESSAGE, "callback_query": CALLBACK}


def _fits(value: Any, check: Any) -> bool:
    # Every update is checked: a field of a JSON type is checked in the loop, only an object
    # or a list costs a call (a call a field was a tenth of the update's Python calls).
    # Exact types: a bool is no int here, and "5" no number; aiogram decides about those.
    if type(check) is Shape:
        if type(value) is not dict or not check.required <= value.keys():
            return False
        fields = check.fields
        for name, item in value.items():
            if name not in fields:
                return False
            expected = fields[name]
            kind = type(expected)
            if kind is type:
                if type(item) is not expected:
                    return False
            elif kind is tuple:
                if type(item) not in expected:
                    return False
            elif not _fits(item, expected):
                return False
        return True
    if type(check) is list:
        if type(value) is not list:
            return False
        for item in value:
            if not _fits(item, check[0]):
                return False
        return True
    return type(value) in check if type(check) is tuple else type(value) is check


def plain_update(data: Any) -> str | None:
    """The kind of a plain update ("message" or "callback_query"), or None when only aiogram
    can tell what it is."""
    if type(data) is not dict or len(data) != 2 or type(data.get("update_id")) is not int:
        return None
    kind = next(name for name in data if name != "update_id")
    fields = KINDS.get(kind)
    return kind if fields is not None and _fits(data[kind], fields) else None


class JsonView:
    """A Bot API object's JSON read as the libraries show it: `message.chat.id`,
    `query.from_user`; a field that is not there reads as None. Built whole at once (a handful
    of objects an update), so that the many reads of its fields are plain attribute reads."""

    def __init__(self, data: dict[str, Any]) -> None:
        fields = self.__dict__
        for name, value in data.items():
            if type(value) is dict:
                value = JsonView(value)
            elif type(value) is list:
                value = view_of(value)
            fields["from_user" if name == "from" else name] = value

    def __getattr__(self, name: str) -> Any:
        # Only for a field that is not there.
        if name.startswith("__"):  # copy, pickle and friends must not see a None method
            raise AttributeError(name)
        return None


def view_of(value: Any) -> Any:
    """Objects (also inside lists) as JsonViews, anything else as it is."""
    if isinstance(value, dict):
        return JsonView(value)
    if isinstance(value, list):
        return [view_of(item) for item in value]
    return value
