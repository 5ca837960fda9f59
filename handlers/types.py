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
    # Disputes raised in a group: delete that message instead of sending (the text is unused),
    # or send only where the bot is an administrator (the offer to delete).
    delete_message_id: int | None = None
    only_if_bot_admin: bool = False
    # A file to send (name, bytes), with `text` as its caption.
    document: tuple[str, bytes] | None = None
    photo: bytes | None = None  # a PNG (the digest's chart) sent with `text` as its caption

    def to_payload(self) -> dict[str, object]:
        """Serialise for the outbox (a file's bytes travel base64-encoded in the row, so a
        restart between queueing and sending loses nothing)."""
        limit = MAX_CAPTION if self.document or self.photo else MAX_TEXT
        text = self.text if len(self.text) <= limit else self.text[: limit - 1] + "…"
        payload: dict[str, object] = {
            "text": text,
            "buttons": [[{"text": b.text, "data": b.data, "url": b.url} for b in row]
                        for row in self.buttons],
            "edit_message_id": self.edit_message_id,
            "reply_to_message_id": self.reply_to_message_id,
            **({"delete_message_id": self.delete_message_id} if self.delete_message_id else {}),
            **({"only_if_bot_admin": True} if self.only_if_bot_admin else {}),
        }
        if self.document is not None:
            name, content = self.document
            payload["document"] = {"filename": name,
                                   "base64": base64.b64encode(content).decode("ascii")}
        if self.photo is not None:
            payload["photo_png"] = base64.b64encode(self.photo).decode("ascii")
        return payload


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
