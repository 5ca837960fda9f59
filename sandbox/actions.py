"""What simulated users do: each action records state and queues the update Telegram would send."""

from __future__ import annotations

import copy
import hashlib
from typing import Any

from sandbox.core import Core, IssuedQuery
from sandbox.models import FakeChat, FakeUser


def _chat(core: Core, chat: FakeChat | int) -> FakeChat:
    chat_id = chat.id if isinstance(chat, FakeChat) else chat
    if chat_id not in core.world.chats:
        raise ValueError(f"unknown chat {chat_id}: add it with add_group() or private_chat()")
    return core.world.chats[chat_id]


def chat_instance(chat_id: int) -> str:
    """A stable chat_instance string per chat, like Telegram's opaque one."""
    return str(int(hashlib.sha1(str(chat_id).encode()).hexdigest()[:15], 16))


def user_sends(core: Core, user: FakeUser, text: str, chat: FakeChat | int | None = None,
               reply_to: int | None = None) -> int:
    """A user types `text` (default: in their private chat); returns the new message_id."""
    target = core.world.private_chat(user) if chat is None else _chat(core, chat)
    if target.type == "private" and user.id in core.world.blocked:
        user_starts(core, user)  # writing to a blocked bot means unblocking it first
    msg = core.world.user_message(user, target, text, reply_to)
    core.queue.push("message", copy.deepcopy(msg))
    core.changes.bump()
    return int(msg["message_id"])


def user_presses(core: Core, user: FakeUser, chat_id: int, message_id: int, data: str) -> str:
    """A user presses an inline button carrying `data`; returns the callback query id."""
    chat = _chat(core, chat_id)
    msg = chat.live_message(message_id)
    if msg is None:
        raise ValueError(f"no message {message_id} in chat {chat_id} to press a button on")
    user = core.world.add_user(user)
    if chat.user is not None and chat.user.id != user.id:
        raise ValueError(f"user {user.id} cannot see the private chat {chat_id}")
    query_id = core.issue_query(IssuedQuery(user.id, chat.id, message_id, data))
    core.queue.push("callback_query", {
        "id": query_id, "from": user.to_dict(), "message": copy.deepcopy(msg),
        "chat_instance": chat_instance(chat.id), "data": data,
    })
    core.changes.bump()
    return query_id


def _my_chat_member(core: Core, user: FakeUser, old: str, new: str) -> None:
    chat = core.world.private_chat(user)
    bot = core.world.bot_user()
    new_member: dict[str, Any] = {"status": new, "user": bot}
    if new == "kicked":
        new_member["until_date"] = 0
    old_member: dict[str, Any] = {"status": old, "user": bot}
    if old == "kicked":
        old_member["until_date"] = 0
    core.queue.push("my_chat_member", {
        "chat": chat.to_dict(), "from": user.to_dict(), "date": int(core.world.clock.time()),
        "old_chat_member": old_member, "new_chat_member": new_member,
    })


def user_blocks_bot(core: Core, user: FakeUser) -> None:
    """The user blocks the bot: sends now answer 403 and a my_chat_member update is queued."""
    user = core.world.add_user(user)
    if user.id not in core.world.blocked:
        core.world.blocked.add(user.id)
        _my_chat_member(core, user, "member", "kicked")
    core.changes.bump()


def user_starts(core: Core, user: FakeUser) -> None:
    """The user starts (or unblocks) the bot without typing anything, so it may write to them."""
    user = core.world.add_user(user)
    core.world.private_chat(user)
    core.world.started.add(user.id)
    if user.id in core.world.blocked:
        core.world.blocked.discard(user.id)
        _my_chat_member(core, user, "kicked", "member")
    core.changes.bump()
