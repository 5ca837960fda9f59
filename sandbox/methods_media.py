"""Emulated media methods: voice messages, locations, albums and copies, each checked the way
Telegram checks them (an album of 2–10, a file_id of the right type, coordinates on Earth)."""

from __future__ import annotations

import copy
import itertools
from typing import TYPE_CHECKING, Any

from sandbox.errors import bad_request
from sandbox.formatting import parse_text
from sandbox.methods import _caption, _common, _reply_to, _target, _upload

if TYPE_CHECKING:
    from sandbox.core import Core, Handler

MAX_CAPTION = 1024
_group_ids = itertools.count(13_000_000_000_000_000)
# What copyMessage carries over from the original message.
COPIED = ("text", "entities", "photo", "voice", "location", "document", "contact", "caption",
          "caption_entities")


async def send_voice(core: Core, params: dict[str, Any]) -> dict[str, Any]:
    """sendVoice (a new upload or a voice's file_id)."""
    chat = _target(core, params)
    reply_to = _reply_to(core, chat, params)
    stored = _upload(core, params["voice"], "voice")
    voice: dict[str, Any] = {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id,
                             "duration": int(params.get("duration") or 0),
                             "mime_type": stored.mime_type or "audio/ogg"}
    if stored.data is not None:
        voice["file_size"] = len(stored.data)
    content: dict[str, Any] = {"voice": voice, **_common(params)}
    caption = _caption(params, content)
    core.limiter.acquire(chat.id, chat.type)
    msg, sent = core.world.bot_message(chat, content, reply_to)
    sent.text, sent.caption, sent.reply_markup = caption or "", caption, params.get("reply_markup")
    sent.voice = voice
    return msg


async def send_location(core: Core, params: dict[str, Any]) -> dict[str, Any]:
    """sendLocation (a point on the map)."""
    chat = _target(core, params)
    reply_to = _reply_to(core, chat, params)
    latitude, longitude = float(params["latitude"]), float(params["longitude"])
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise bad_request("invalid coordinates")
    location = {"latitude": latitude, "longitude": longitude}
    core.limiter.acquire(chat.id, chat.type)
    msg, sent = core.world.bot_message(chat, {"location": location, **_common(params)}, reply_to)
    sent.location, sent.reply_markup = location, params.get("reply_markup")
    return msg


async def send_media_group(core: Core, params: dict[str, Any]) -> list[dict[str, Any]]:
    """sendMediaGroup: an album of 2–10 photos, each a file_id or an upload."""
    chat = _target(core, params)
    reply_to = _reply_to(core, chat, params)
    items = list(params["media"])
    if not 2 <= len(items) <= 10:
        raise bad_request("wrong number of media in the album: must include 2-10 items")
    if any(item.get("type") != "photo" for item in items):
        raise bad_request("sandbox: only albums of photos are emulated")
    stored = []
    for item in items:
        value = item["media"]
        if isinstance(value, str) and value.startswith("attach://"):
            raise bad_request("sandbox: uploads inside albums are not emulated")
        stored.append(_upload(core, value, "photo"))
    group_id = str(next(_group_ids))
    core.limiter.acquire(chat.id, chat.type)
    messages = []
    for item, file in zip(items, stored, strict=True):
        content: dict[str, Any] = {"media_group_id": group_id,
                                   "photo": core.world.files.photo(file)}
        caption, entities = parse_text(item.get("caption") or "", item.get("parse_mode"),
                                       item.get("caption_entities"))
        if len(caption) > MAX_CAPTION:
            raise bad_request("message caption is too long")
        if caption:
            content["caption"] = caption
        if entities:
            content["caption_entities"] = entities
        msg, sent = core.world.bot_message(chat, content, reply_to)
        sent.text, sent.caption = caption, caption or None
        sent.photo, sent.media_group_id, sent.file_content = content["photo"], group_id, file.data
        messages.append(msg)
    return messages


async def copy_message(core: Core, params: dict[str, Any]) -> dict[str, Any]:
    """copyMessage: the content of a message in another chat, without a link to it."""
    chat = _target(core, params)
    source = core.world.chat(params["from_chat_id"])
    original = core.world.message(source, params["message_id"], "copy")
    if "contact" in original or not any(key in original for key in COPIED):
        raise bad_request("the message can't be copied")
    reply_to = _reply_to(core, chat, params)
    content = {key: copy.deepcopy(original[key]) for key in COPIED if key in original}
    if "caption" in params:
        content.pop("caption", None)
        content.pop("caption_entities", None)
        _caption(params, content)
    content.update(_common(params))
    core.limiter.acquire(chat.id, chat.type)
    msg, sent = core.world.bot_message(chat, content, reply_to)
    sent.text = str(content.get("text") or content.get("caption") or "")
    sent.caption, sent.reply_markup = content.get("caption"), params.get("reply_markup")
    sent.photo, sent.voice = content.get("photo"), content.get("voice")
    sent.location = content.get("location")
    return {"message_id": msg["message_id"]}


MEDIA_METHODS: dict[str, Handler] = {
    "sendVoice": send_voice,
    "sendLocation": send_location,
    "sendMediaGroup": send_media_group,
    "copyMessage": copy_message,
}
