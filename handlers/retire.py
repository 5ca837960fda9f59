"""Replaced cards lose their buttons: when a case moves on, the cards sent earlier about it
(to a former holder, to volunteers who did not win a claim) are edited to say what happened."""

from collections.abc import Iterable

from handlers.context import Context
from handlers.types import Message
from models import Person
from services import outbox


async def retire_cards(
    ctx: Context, case_id: int, note: str, *, chat_ids: Iterable[int],
    button_data: str | None = None,
) -> None:
    """Edit this case's cards with live buttons (or with this button) in these chats: keep the
    text, add `note`, drop the buttons (a card the handler already edits is left to it)."""
    edited = {(m.chat_id, m.message.edit_message_id) for m in ctx.effects.messages
              if m.message.edit_message_id}
    for chat_id, message_id, text in await outbox.live_cards(
            ctx.session, case_id=case_id, chat_ids=sorted(set(chat_ids)), button_data=button_data):
        if (chat_id, message_id) not in edited:
            ctx.emit(chat_id, Message(f"{text}\n\n{note}", edit_message_id=message_id),
                     case_id=case_id)


def chats_of(people: Iterable[Person | None]) -> list[int]:
    """The private chats of these people (those the bot can write to)."""
    return [p.telegram_id for p in people if p is not None and p.telegram_id is not None]
