"""The people, chats and bot messages a test talks about."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class FakeUser:
    """A Telegram user who can send messages and press buttons."""

    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None
    is_bot: bool = False

    def to_dict(self) -> dict[str, Any]:
        """The User object Telegram sends for this person."""
        user: dict[str, Any] = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        for key in ("last_name", "username", "language_code"):
            if (value := getattr(self, key)) is not None:
                user[key] = value
        return user


@dataclass
class FakeChat:
    """A chat the emulator knows: a private chat with a user, or a group."""

    id: int
    type: str
    title: str | None = None
    username: str | None = None
    user: FakeUser | None = None  # the other side of a private chat
    bot_is_admin: bool = False
    admins: set[int] = field(default_factory=set, repr=False)
    members: set[int] = field(default_factory=set, repr=False)
    # Every message in the chat (users' and the bot's) as Telegram's Message dict, by id.
    history: dict[int, dict[str, Any]] = field(default_factory=dict, repr=False)
    deleted: set[int] = field(default_factory=set, repr=False)
    sent: dict[int, SentMessage] = field(default_factory=dict, repr=False)
    last_message_id: int = field(default=0, repr=False)

    def to_dict(self) -> dict[str, Any]:
        """The Chat object embedded in messages."""
        chat: dict[str, Any] = {"id": self.id, "type": self.type}
        if self.user is not None:
            chat["first_name"] = self.user.first_name
            if self.user.last_name:
                chat["last_name"] = self.user.last_name
            if self.user.username:
                chat["username"] = self.user.username
        else:
            chat["title"] = self.title or ""
            if self.username:
                chat["username"] = self.username
        return chat

    def next_message_id(self) -> int:
        """Allocate the next id of the per-chat sequence users and the bot share."""
        self.last_message_id += 1
        return self.last_message_id

    def live_message(self, message_id: int) -> dict[str, Any] | None:
        """The current Message dict, or None if it never existed or was deleted."""
        if message_id in self.deleted:
            return None
        return self.history.get(message_id)


@dataclass
class SentMessage:
    """A message the bot sent, in its current (possibly edited or deleted) state."""

    message_id: int
    chat_id: int
    text: str
    reply_markup: dict[str, Any] | None
    date: int
    raw: dict[str, Any]
    edited: bool = False
    deleted: bool = False
    caption: str | None = None
    document: dict[str, Any] | None = None
    photo: list[dict[str, Any]] | None = None
    file_content: bytes | None = None
    voice: dict[str, Any] | None = None
    location: dict[str, Any] | None = None
    media_group_id: str | None = None

    @property
    def buttons(self) -> list[list[dict[str, Any]]]:
        """Inline keyboard rows (empty when there is no inline keyboard)."""
        return list((self.reply_markup or {}).get("inline_keyboard", []))

    @property
    def button_texts(self) -> list[str]:
        """Texts of all inline buttons, row by row."""
        return [button["text"] for row in self.buttons for button in row]

    def callback_data(self, text: str) -> str:
        """callback_data of the inline button labelled `text`; KeyError lists the labels."""
        for row in self.buttons:
            for button in row:
                if button["text"] == text and "callback_data" in button:
                    return str(button["callback_data"])
        raise KeyError(f"no callback button {text!r} on message {self.message_id} "
                       f"in chat {self.chat_id}; buttons: {self.button_texts}")
