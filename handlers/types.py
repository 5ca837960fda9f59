"""Channel-neutral messages: what arrives (Incoming) and what goes out (Outgoing)."""

import base64
from dataclasses import dataclass, field

MAX_TEXT = 4096
MAX_CAPTION = 1024


@dataclass(frozen=True, slots=True)
class Sender:
    """The person who sent an update."""

    id: int
    name: str
    language: str | None = None


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
class Button:
    """An inline button: either a payload for the bot or a link."""

    text: str
    data: str | None = None
    url: str | None = None


@dataclass(frozen=True, slots=True)
class Outgoing:
    """A message to send, or (with edit_message_id) a message to change."""

    chat_id: int
    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    edit_message_id: int | None = None
    reply_to_message_id: int | None = None
    case_id: int | None = None
    photo: bytes | None = None  # a PNG sent with `text` as its caption

    def to_payload(self) -> dict[str, object]:
        """Serialise for the outbox."""
        if self.photo is not None:
            caption = self.text[:MAX_CAPTION]
            return {"text": caption, "photo_png": base64.b64encode(self.photo).decode(),
                    "buttons": [], "edit_message_id": None, "reply_to_message_id": None}
        text = self.text if len(self.text) <= MAX_TEXT else self.text[: MAX_TEXT - 1] + "…"
        return {
            "text": text,
            "buttons": [[{"text": b.text, "data": b.data, "url": b.url} for b in row]
                        for row in self.buttons],
            "edit_message_id": self.edit_message_id,
            "reply_to_message_id": self.reply_to_message_id,
        }


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
