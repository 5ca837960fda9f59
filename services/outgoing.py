"""What goes out: one typed, channel-neutral message, as the outbox keeps it. Handlers, jobs and
services all build a Message; `bot/botcalls.py` alone turns it into a Bot API call.

A message is a text (optionally a reply), a change to a sent message (`edit_message_id`), a
deletion (`delete_message_id`), or media with the text as its caption: a file the bot made
(a chart, a workbook), or what Telegram already keeps, re-sent by file_id (photos, an album,
a voice message), or a point on the map. A text may carry a reply keyboard instead of inline
buttons: the one button that shares the person's own phone number, or its removal."""

import base64
from dataclasses import dataclass
from typing import Any

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_ALBUM = 10


@dataclass(frozen=True, slots=True)
class Button:
    """An inline button: either a payload for the bot or a link."""

    text: str
    data: str | None = None
    url: str | None = None


Keyboard = tuple[tuple[Button, ...], ...]


@dataclass(frozen=True, slots=True)
class Photo:
    """A picture (PNG or JPEG), e.g. the digest's chart."""

    content: bytes


@dataclass(frozen=True, slots=True)
class Document:
    """A file under its name, e.g. a ledger workbook."""

    name: str
    content: bytes


@dataclass(frozen=True, slots=True)
class SavedPhotos:
    """Photos Telegram already keeps (a resident's, a worker's), re-sent by file_id and never
    downloaded: one, or an album of 2–10 with the text as the first one's caption."""

    file_ids: tuple[str, ...]

    def __post_init__(self) -> None:
        if not 1 <= len(self.file_ids) <= MAX_ALBUM:
            raise ValueError(f"an album holds 1–{MAX_ALBUM} photos, not {len(self.file_ids)}")


@dataclass(frozen=True, slots=True)
class SavedVoice:
    """A voice message Telegram already keeps, re-sent by file_id."""

    file_id: str


@dataclass(frozen=True, slots=True)
class Place:
    """A point on the map (the text, if any, is not shown: a location has no caption)."""

    latitude: float
    longitude: float


Media = Photo | Document | SavedPhotos | SavedVoice | Place


@dataclass(frozen=True, slots=True)
class View:
    """A view of personal data the message gives the person it goes to (a card's flat and
    phone): kept in the outbox row, never sent, and recorded in the audit trail by the sender
    when the message is delivered (services/audit.record_delivered)."""

    viewer_id: int
    what: str
    subject_id: int | None = None
    case_id: int | None = None


def _units(text: str) -> int:
    """The length Telegram counts: UTF-16 code units (an emoji may take two)."""
    return len(text.encode("utf-16-le")) // 2


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Split a long text into parts Telegram takes whole, at line boundaries (a single line
    longer than the limit is split within it); a text that fits is returned as it is."""
    if _units(text) <= limit:
        return [text]
    parts: list[str] = []
    current = ""
    for line in text.split("\n"):
        while _units(line) > limit:  # one very long line: cut it where it must be cut
            cut = limit
            while _units(line[:cut]) > limit:
                cut -= 1
            if current:
                parts.append(current)
                current = ""
            parts.append(line[:cut])
            line = line[cut:]
        joined = f"{current}\n{line}" if current else line
        if current and _units(joined) > limit:
            parts.append(current)
            joined = line
        current = joined
    if current.strip():
        parts.append(current)
    return [part for part in parts if part.strip()] or [text[:limit]]


def _b64(content: bytes) -> str:
    return base64.b64encode(content).decode("ascii")


@dataclass(frozen=True, slots=True)
class Message:
    """One outgoing message: a text, an edit, a deletion, or media with a caption."""

    text: str = ""
    buttons: Keyboard = ()
    edit_message_id: int | None = None
    reply_to_message_id: int | None = None
    # Disputes raised in a group: delete that message instead of sending (the text is unused),
    # or send only where the bot is an administrator (the offer to delete).
    delete_message_id: int | None = None
    only_if_bot_admin: bool = False
    media: Media | None = None
    # A reply keyboard instead of inline buttons: one big button that shares the person's own
    # phone number (its label), or taking such a keyboard away again.
    ask_contact: str | None = None
    remove_keyboard: bool = False
    views: tuple[View, ...] = ()  # recorded on delivery; the transport ignores them

    def __post_init__(self) -> None:
        if self.media is not None and (self.edit_message_id or self.delete_message_id):
            raise ValueError("media is sent as a new message, never as an edit or a deletion")
        if (self.ask_contact or self.remove_keyboard) and (self.buttons or self.edit_message_id):
            raise ValueError("a reply keyboard goes with a new message, never with inline buttons")

    @property
    def fitted_text(self) -> str:
        """The text cut to what Telegram takes: 4096 characters, 1024 for a caption."""
        limit = MAX_CAPTION if self.media is not None else MAX_TEXT
        return self.text if len(self.text) <= limit else self.text[: limit - 1] + "…"

    def to_json(self) -> dict[str, Any]:
        """Serialise for the outbox row (a file travels base64-encoded in it, so a restart
        between queueing and sending loses nothing). Rows written before stay readable."""
        payload: dict[str, Any] = {
            "text": self.fitted_text,
            "buttons": [[{"text": b.text, "data": b.data, "url": b.url} for b in row]
                        for row in self.buttons],
            "edit_message_id": self.edit_message_id,
            "reply_to_message_id": self.reply_to_message_id,
        }
        if self.delete_message_id:
            payload["delete_message_id"] = self.delete_message_id
        if self.only_if_bot_admin:
            payload["only_if_bot_admin"] = True
        match self.media:
            case Photo(content):
                payload["photo_png"] = _b64(content)
            case Document(name, content):
                payload["document"] = {"filename": name, "base64": _b64(content)}
            case SavedPhotos(file_ids):
                payload["photo_ids"] = list(file_ids)
            case SavedVoice(file_id):
                payload["voice_id"] = file_id
            case Place(latitude, longitude):
                payload["place"] = [latitude, longitude]
        if self.ask_contact:
            payload["ask_contact"] = self.ask_contact
        if self.remove_keyboard:
            payload["remove_keyboard"] = True
        if self.views:
            payload["views"] = [{"viewer_id": v.viewer_id, "what": v.what,
                                 "subject_id": v.subject_id, "case_id": v.case_id}
                                for v in self.views]
        return payload

    @classmethod
    def from_json(cls, payload: dict[str, Any]) -> "Message":
        """Read an outbox row's payload back."""
        media: Media | None = None
        if photo := payload.get("photo_png"):
            media = Photo(base64.b64decode(photo))
        elif document := payload.get("document"):
            media = Document(document["filename"], base64.b64decode(document["base64"]))
        elif photo_ids := payload.get("photo_ids"):
            media = SavedPhotos(tuple(str(i) for i in photo_ids))
        elif voice_id := payload.get("voice_id"):
            media = SavedVoice(str(voice_id))
        elif place := payload.get("place"):
            media = Place(float(place[0]), float(place[1]))
        return cls(
            text=str(payload.get("text") or ""),
            buttons=tuple(tuple(Button(str(b["text"]), b.get("data"), b.get("url")) for b in row)
                          for row in payload.get("buttons") or ()),
            edit_message_id=payload.get("edit_message_id"),
            reply_to_message_id=payload.get("reply_to_message_id"),
            delete_message_id=payload.get("delete_message_id"),
            only_if_bot_admin=bool(payload.get("only_if_bot_admin")),
            media=media,
            ask_contact=payload.get("ask_contact"),
            remove_keyboard=bool(payload.get("remove_keyboard")),
            views=views_of(payload),
        )


# The payload keys of whatever is more than a plain new text with buttons (see from_json).
_BEYOND_PLAIN_TEXT = ("edit_message_id", "delete_message_id", "photo_png", "document",
                      "photo_ids", "voice_id", "place", "only_if_bot_admin", "ask_contact",
                      "remove_keyboard", "views")


def is_plain_text(payload: dict[str, Any]) -> bool:
    """Whether an outbox payload is a plain new text message (no edit, deletion, file,
    condition, reply keyboard or view), read off the payload without building its Message."""
    return not any(map(payload.get, _BEYOND_PLAIN_TEXT))


def views_of(payload: dict[str, Any]) -> tuple[View, ...]:
    """The views of personal data an outbox payload gives when it is delivered."""
    return tuple(View(int(v["viewer_id"]), str(v["what"]), v.get("subject_id"), v.get("case_id"))
                 for v in payload.get("views") or ())
