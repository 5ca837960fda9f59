"""Users, chats and message history, with Telegram's rules on who the bot may write to."""

from __future__ import annotations

from typing import Any

from sandbox.clock import SandboxClock
from sandbox.entities import detect_entities
from sandbox.errors import ApiError, bad_request
from sandbox.files import FileStore
from sandbox.models import FakeChat, FakeUser, SentMessage


class World:
    """Everything the emulated Telegram knows about users, chats and messages."""

    def __init__(self, bot: FakeUser) -> None:
        self.bot = bot
        self.users: dict[int, FakeUser] = {}
        self.chats: dict[int, FakeChat] = {}
        self.started: set[int] = set()
        self.blocked: set[int] = set()
        self.files = FileStore()
        self.clock = SandboxClock()

    def add_user(self, user: FakeUser) -> FakeUser:
        """Register a user, or take the newer profile of a known one."""
        if self.users.get(user.id) != user:
            # Replace rather than mutate: the caller's FakeUser objects stay untouched.
            self.users[user.id] = user
            if (chat := self.chats.get(user.id)) is not None:
                chat.user = user
        return self.users[user.id]

    def add_group(self, chat_id: int, title: str, *, username: str | None = None,
                  bot_is_admin: bool = False, chat_type: str = "supergroup") -> FakeChat:
        """Create a group the bot is a member (or administrator) of."""
        if chat_id >= 0:
            raise ValueError(f"group ids are negative on Telegram, got {chat_id}")
        if chat_id in self.chats:
            raise ValueError(f"chat {chat_id} already exists")
        if chat_type not in ("group", "supergroup"):
            raise ValueError(f"chat_type must be 'group' or 'supergroup', got {chat_type!r}")
        chat = FakeChat(id=chat_id, type=chat_type, title=title,
                        username=username.lstrip("@") if username else None,
                        bot_is_admin=bot_is_admin)
        self.chats[chat_id] = chat
        return chat

    def private_chat(self, user: FakeUser) -> FakeChat:
        """The private chat with user (its id is the user's id)."""
        user = self.add_user(user)
        chat = self.chats.get(user.id)
        if chat is None:
            chat = FakeChat(id=user.id, type="private", user=user, members={user.id})
            self.chats[user.id] = chat
        return chat

    def chat(self, chat_id: int | str) -> FakeChat:
        """Resolve a chat_id parameter (id or @username) or fail like Telegram."""
        if isinstance(chat_id, str):
            if chat_id.startswith("@"):
                name = chat_id[1:].lower()
                for chat in self.chats.values():
                    if chat.user is None and chat.username and chat.username.lower() == name:
                        return chat
                raise bad_request("chat not found")
            try:
                chat_id = int(chat_id)
            except ValueError:
                raise bad_request("chat not found") from None
        if chat_id in self.chats:
            return self.chats[chat_id]
        if chat_id in self.users:
            return self.private_chat(self.users[chat_id])
        raise bad_request("chat not found")

    def check_can_send(self, chat: FakeChat) -> None:
        """403 for private chats whose user blocked the bot or never started it."""
        if chat.user is None:
            return
        if chat.user.id in self.blocked:
            raise ApiError(403, "bot was blocked by the user")
        if chat.user.id not in self.started:
            raise ApiError(403, "bot can't initiate conversation with a user")

    def message(self, chat: FakeChat, message_id: int, action: str) -> dict[str, Any]:
        """A live message of chat, or 400 "message to <action> not found"."""
        found = chat.live_message(message_id)
        if found is None:
            raise bad_request(f"message to {action} not found")
        return found

    def _reply_copy(self, chat: FakeChat, message_id: int) -> dict[str, Any]:
        # Telegram nests one level only: a reply's reply_to_message has no reply of its own.
        original = dict(self.message(chat, message_id, "be replied"))
        original.pop("reply_to_message", None)
        return original

    def user_message(self, user: FakeUser, chat: FakeChat, text: str,
                     reply_to: int | None = None,
                     content: dict[str, Any] | None = None) -> dict[str, Any]:
        """Record a text message a user typed (or, with `content`, sent: a photo, a voice, a
        location…) and return its Message dict."""
        user = self.add_user(user)
        if chat.type == "private":
            if chat.user is None or chat.user.id != user.id:
                raise ValueError(f"user {user.id} cannot write in the private chat {chat.id}")
            self.started.add(user.id)
        chat.members.add(user.id)
        msg: dict[str, Any] = {"message_id": chat.next_message_id(), "from": user.to_dict(),
                               "chat": chat.to_dict(), "date": int(self.clock.time())}
        if content is not None:
            msg.update(content)
        else:
            msg["text"] = text
            if entities := detect_entities(text):
                msg["entities"] = entities
        if reply_to is not None:
            try:
                msg["reply_to_message"] = self._reply_copy(chat, reply_to)
            except ApiError:
                raise ValueError(f"no message {reply_to} in chat {chat.id} to reply to") from None
        chat.history[msg["message_id"]] = msg
        return msg

    def bot_message(self, chat: FakeChat, content: dict[str, Any],
                    reply_to: int | None = None) -> tuple[dict[str, Any], SentMessage]:
        """Record a message the bot sent; returns (Message dict, SentMessage)."""
        msg: dict[str, Any] = {"message_id": chat.next_message_id(), "from": self.bot_user(),
                               "chat": chat.to_dict(), "date": int(self.clock.time())}
        if reply_to is not None:
            msg["reply_to_message"] = self._reply_copy(chat, reply_to)
        msg.update(content)
        chat.history[msg["message_id"]] = msg
        sent = SentMessage(message_id=msg["message_id"], chat_id=chat.id, text="",
                           reply_markup=None, date=msg["date"], raw=msg)
        chat.sent[sent.message_id] = sent
        return msg, sent

    def bot_user(self) -> dict[str, Any]:
        """The bot as the `from` of its messages."""
        return {"id": self.bot.id, "is_bot": True, "first_name": self.bot.first_name,
                "username": self.bot.username}
