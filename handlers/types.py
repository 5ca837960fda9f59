"""Channel-neutral messages: what arrives (Incoming) and what goes out (Outgoing: a typed
Message from services/outgoing.py, addressed to a chat)."""

from dataclasses import dataclass, field
from typing import Any

from services.outgoing import Button, Keyboard, Message

__all__ = ["Attachment", "Button", "CallbackAnswer", "Contact", "Effects", "Incoming", "Keyboard",
           "Message", "Outgoing", "Sender"]


@dataclass(frozen=True, slots=True)
class Sender:
    """The person who sent an update."""

    id: int
    name: str
    language: str | None = None


@dataclass(frozen=True, slots=True)
class Attachment:
    """What came with a message besides words: a photo or a voice (kept by Telegram's file_id,
    never downloaded), or a point on the map."""

    kind: str  # "photo", "voice", "location"
    file_id: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    duration: int | None = None  # a voice's seconds


@dataclass(frozen=True, slots=True)
class Contact:
    """A shared phone number and whose it is (Telegram's user id; None for a typed contact)."""

    phone: str
    user_id: int | None = None


@dataclass(frozen=True, slots=True)
class Incoming:
    """One update from a chat app, reduced to what the conversations need."""

    update_id: int
    chat_id: int
    chat_type: str  # "private", "group", "supergroup", "channel"
    sender: Sender
    text: str = ""
    message_id: int | None = None
    callback_id: str | None = None
    callback_data: str | None = None
    reply_to_bot: bool = False
    mentions_bot: bool = False
    attachment: Attachment | None = None
    album: str | None = None  # media_group_id: photos sent together
    contact: Contact | None = None
    unsupported: str | None = None  # a sticker, a video…: what the bot cannot take

    @property
    def has_media(self) -> bool:
        """Tell whether this message carries more than text (media, a contact, or media the bot
        cannot take)."""
        return bool(self.attachment or self.contact or self.unsupported)

    @property
    def is_private(self) -> bool:
        """Tell whether this came from a private chat with the bot."""
        return self.chat_type == "private"

    @property
    def is_button(self) -> bool:
        """Tell whether this is a button press."""
        return self.callback_id is not None

    def command(self, bot_username: str) -> tuple[str, str] | None:
        """Split "/cmd@bot args" into ("cmd", "args"); None if not a command for this bot."""
        if not self.text.startswith("/"):
            return None
        head, _, args = self.text.partition(" ")
        name, _, target = head[1:].partition("@")
        if target and target.lower() != bot_username.lower():
            return None
        return name.lower(), args.strip()


@dataclass(frozen=True, slots=True)
class Outgoing:
    """A message addressed to a chat, and the case it is about."""

    chat_id: int
    message: Message
    case_id: int | None = None

    def to_payload(self) -> dict[str, Any]:
        """The outbox row's payload."""
        return self.message.to_json()

    @property
    def text(self) -> str:
        """What the message says."""
        return self.message.text


@dataclass(slots=True)
class CallbackAnswer:
    """The answer to a button press: a short toast, or an alert the user must dismiss."""

    text: str = ""
    alert: bool = False


@dataclass(slots=True)
class Effects:
    """Everything a handler decided to do, collected for the outbox."""

    messages: list[Outgoing] = field(default_factory=list)
    answer: CallbackAnswer | None = None
