"""What simulated users send besides text: photos (alone or as an album), voice messages,
locations, their phone number, and what a bot may not understand (stickers, videos)."""

from __future__ import annotations

import copy
import itertools
import struct
import zlib
from typing import Any

from sandbox.core import Core
from sandbox.models import FakeChat, FakeUser

_albums = itertools.count(14_000_000_000_000_000)
# Telegram's objects for what the sandbox does not otherwise model, minimal but valid.
OTHER_CONTENT: dict[str, dict[str, Any]] = {
    "sticker": {"type": "regular", "width": 512, "height": 512, "is_animated": False,
                "is_video": False},
    "video": {"width": 640, "height": 360, "duration": 12},
    "video_note": {"length": 240, "duration": 5},
    "animation": {"width": 320, "height": 240, "duration": 3},
    "audio": {"duration": 180},
    "document": {"file_name": "file.pdf", "mime_type": "application/pdf"},
}


def png(width: int = 640, height: int = 480, seed: int = 0) -> bytes:
    """A small valid PNG header of the given size (what a phone's camera would have sent)."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + header
    return (b"\x89PNG\r\n\x1a\n" + struct.pack(">I", len(header)) + chunk
            + struct.pack(">I", zlib.crc32(chunk)) + seed.to_bytes(4, "big"))


def new_album_id() -> str:
    """A fresh media_group_id for photos a user sends together."""
    return str(next(_albums))


def _push(core: Core, user: FakeUser, chat: FakeChat | None, content: dict[str, Any],
          reply_to: int | None = None) -> int:
    target = core.world.private_chat(user) if chat is None else chat
    msg = core.world.user_message(user, target, "", reply_to, content=content)
    core.queue.push("message", copy.deepcopy(msg))
    core.changes.bump()
    return int(msg["message_id"])


def _caption(content: dict[str, Any], caption: str | None) -> dict[str, Any]:
    if caption:
        content["caption"] = caption
    return content


def user_sends_photo(core: Core, user: FakeUser, caption: str | None = None,
                     chat: FakeChat | None = None, *, album: str | None = None,
                     seed: int = 0, reply_to: int | None = None) -> int:
    """A user sends one photo (part of an album when `album` names its media_group_id)."""
    stored = core.world.files.add(png(seed=seed), f"photo{seed}.png", "image/png", "photo")
    content = _caption({"photo": core.world.files.photo(stored)}, caption)
    if album is not None:
        content["media_group_id"] = album
    return _push(core, user, chat, content, reply_to)


def user_sends_album(core: Core, user: FakeUser, count: int, caption: str | None = None,
                     chat: FakeChat | None = None) -> list[int]:
    """A user sends several photos at once: one message each, the caption on the first."""
    album = new_album_id()
    return [user_sends_photo(core, user, caption if i == 0 else None, chat, album=album,
                             seed=i + 1) for i in range(count)]


def user_sends_voice(core: Core, user: FakeUser, duration: int = 8,
                     chat: FakeChat | None = None) -> int:
    """A user records a voice message of `duration` seconds."""
    data = b"OggS" + bytes(duration * 200)
    stored = core.world.files.add(data, "voice.ogg", "audio/ogg", "voice")
    voice = {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id,
             "duration": duration, "mime_type": "audio/ogg", "file_size": len(data)}
    return _push(core, user, chat, {"voice": voice})


def user_sends_location(core: Core, user: FakeUser, latitude: float, longitude: float,
                        chat: FakeChat | None = None) -> int:
    """A user shares a point on the map."""
    return _push(core, user, chat, {"location": {"latitude": latitude, "longitude": longitude}})


def user_shares_contact(core: Core, user: FakeUser, phone: str, *,
                        owner: FakeUser | None = None) -> int:
    """A user shares a phone number: their own (the 📱 button), or `owner`'s from contacts."""
    person = owner or user
    contact: dict[str, Any] = {"phone_number": phone, "first_name": person.first_name,
                               "user_id": person.id}
    if person.last_name:
        contact["last_name"] = person.last_name
    return _push(core, user, None, {"contact": contact})


def user_sends_other(core: Core, user: FakeUser, kind: str, chat: FakeChat | None = None) -> int:
    """A user sends a sticker, a video, a voice-less video note, an audio file…"""
    stored = core.world.files.add(kind.encode(), kind, None, kind)
    content = {kind: {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id,
                      **OTHER_CONTENT[kind]}}
    return _push(core, user, chat, content)
