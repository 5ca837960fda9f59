"""What both channel adapters share, free of either library (importing aiogram alone takes about
150 MB, so the python-telegram-bot channel must not pull it in): reducing an update to an
Incoming, answering a button press, and the webhook set-up, all written once."""

import logging
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from bot.botcalls import (
    ALLOWED_UPDATES,
    answer_call,
    delete_webhook_call,
    get_me_call,
    set_webhook_call,
)
from bot.transport import ApiTransport
from bot.update_view import JsonView
from handlers.types import Attachment, Contact, Effects, Incoming, Sender

__all__ = ["ALLOWED_UPDATES", "ChannelCalls", "Core", "Failed", "display_name",
           "incoming_from_callback", "incoming_from_message", "understood"]

log = logging.getLogger("gridbot.channel")
Core = Callable[[Incoming], Awaitable[Effects | None]]
# An update failed outside the conversations: (update id, raw JSON, error) -> skip it now?
Failed = Callable[[int, dict[str, Any], BaseException], Awaitable[bool]]


class User(Protocol):
    """A Telegram user as both libraries show it."""

    @property
    def id(self) -> int: ...
    @property
    def first_name(self) -> str: ...
    @property
    def last_name(self) -> str | None: ...
    @property
    def language_code(self) -> str | None: ...


class Chat(Protocol):
    """A chat as both libraries show it."""

    @property
    def id(self) -> int: ...
    @property
    def type(self) -> str: ...


class MessageRef(Protocol):
    """A message a button sits under (possibly too old to be read in full)."""

    @property
    def message_id(self) -> int: ...
    @property
    def chat(self) -> Chat: ...


class Replied(Protocol):
    """The message a message replies to."""

    @property
    def from_user(self) -> User | None: ...


class Message(MessageRef, Protocol):
    """A received message as both libraries show it."""

    @property
    def from_user(self) -> User | None: ...
    @property
    def text(self) -> str | None: ...
    @property
    def caption(self) -> str | None: ...
    @property
    def reply_to_message(self) -> Replied | None: ...
    # Media as both libraries show them (photo sizes, voice, location, contact, album id).
    @property
    def photo(self) -> Any: ...
    @property
    def voice(self) -> Any: ...
    @property
    def location(self) -> Any: ...
    @property
    def contact(self) -> Any: ...
    @property
    def media_group_id(self) -> str | None: ...


class CallbackQuery(Protocol):
    """A button press as both libraries show it."""

    @property
    def id(self) -> str: ...
    @property
    def from_user(self) -> User: ...
    @property
    def message(self) -> MessageRef | None: ...
    @property
    def data(self) -> str | None: ...


def printable(text: str) -> str:
    """The text without NUL characters: Telegram may deliver them, PostgreSQL text cannot hold
    them (the report would fail on every retry)."""
    return text.replace("\x00", "") if "\x00" in text else text


def display_name(first: str, last: str | None) -> str:
    """Join a Telegram first and last name; Chinese names take no space ("王" + "大爷")."""
    first, last = printable(first), printable(last) if last else last
    if not last:
        return first
    cjk = first[-1:] >= "\u2e80" and last[:1] >= "\u2e80"
    return f"{first}{last}" if cjk else f"{first} {last}"


def _sender(user: User) -> Sender:
    return Sender(id=user.id, name=display_name(user.first_name, user.last_name),
                  language=user.language_code)


# What residents may send that the bot cannot take (it answers politely instead of staying silent).
UNSUPPORTED = ("sticker", "video", "video_note", "animation", "audio", "document", "poll", "dice",
               "venue", "game", "story")


def understood(message: Any) -> bool:
    """Tell whether a message is for the conversations: words, media or a contact (service
    messages such as someone joining a group are not)."""
    return bool(message.text or message.caption or message.photo or message.voice
                or message.location or message.contact
                or any(getattr(message, kind, None) for kind in UNSUPPORTED))


def _attachment(message: Message) -> Attachment | None:
    # getattr: a library's message (or a test's stand-in) may lack a field it never carries.
    if photo := getattr(message, "photo", None):  # sizes small to large: keep the largest
        return Attachment("photo", file_id=str(photo[-1].file_id))
    if voice := getattr(message, "voice", None):
        return Attachment("voice", file_id=str(voice.file_id), duration=int(voice.duration or 0))
    if location := getattr(message, "location", None):
        return Attachment("location", latitude=float(location.latitude),
                          longitude=float(location.longitude))
    return None


def _contact(message: Message) -> Contact | None:
    if not (contact := getattr(message, "contact", None)):
        return None
    return Contact(printable(str(contact.phone_number or "")), contact.user_id)


def _unsupported(message: Any) -> str | None:
    """The first kind of message the bot cannot take that this one is, if any."""
    # A JsonView holds only the fields its update has: one set operation says it has none of
    # these kinds, where asking for each absent field is a Python call (its __getattr__).
    if type(message) is JsonView and message.__dict__.keys().isdisjoint(UNSUPPORTED):
        return None
    return next((kind for kind in UNSUPPORTED if getattr(message, kind, None)), None)


def incoming_from_message(message: Message, update_id: int, bot_id: int,
                          username: str) -> Incoming:
    """Reduce a received message (aiogram's or PTB's) to an Incoming."""
    user, replied = message.from_user, message.reply_to_message
    text = printable(message.text or message.caption or "")
    attachment = _attachment(message)
    return Incoming(
        update_id=update_id, chat_id=message.chat.id, chat_type=str(message.chat.type),
        sender=_sender(user) if user else Sender(id=message.chat.id, name="", language=None),
        text=text, message_id=message.message_id,
        reply_to_bot=bool(replied and replied.from_user and replied.from_user.id == bot_id),
        mentions_bot=bool(username) and f"@{username.lower()}" in text.lower(),
        attachment=attachment,
        album=getattr(message, "media_group_id", None) if attachment else None,
        contact=_contact(message),
        unsupported=None if attachment else _unsupported(message),
    )


def incoming_from_callback(query: CallbackQuery, update_id: int) -> Incoming:
    """Reduce a button press (aiogram's or PTB's) to an Incoming."""
    message, user = query.message, query.from_user
    return Incoming(
        update_id=update_id, chat_id=message.chat.id if message else user.id,
        chat_type=str(message.chat.type) if message else "private", sender=_sender(user),
        message_id=message.message_id if message else None,
        callback_id=query.id, callback_data=query.data or "",
    )


class ChannelCalls:
    """The calls every adapter makes the same way, through its transport."""

    transport: ApiTransport
    username: str
    bot_id: int

    async def identify(self) -> str:
        """Ask Telegram who the bot is; return its username."""
        me = await self.transport.require(get_me_call())
        self.username, self.bot_id = str(me.get("username") or ""), int(me["id"])
        return self.username

    async def answer_press(self, query_id: str, effects: Effects | None) -> None:
        """Answer a processed button press (a toast, an alert, or only stop the spinner)."""
        answer = effects.answer if effects else None
        got = await self.transport.call(answer_call(
            query_id, answer.text if answer else "", alert=bool(answer and answer.alert)))
        if got.delivery.status != "sent":  # e.g. too old: redelivered after a restart
            log.info("callback answer not delivered: %s", got.delivery.error)

    async def set_webhook(self, url: str, secret: str, drop_pending_updates: bool) -> None:
        """Ask Telegram to POST updates to url with the secret header."""
        await self.transport.require(set_webhook_call(url, secret, drop_pending_updates))

    async def delete_webhook(self) -> None:
        """Go back to getUpdates; pending updates are kept."""
        await self.transport.require(delete_webhook_call())
