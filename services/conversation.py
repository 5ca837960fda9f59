"""Conversation state in the database: what the bot waits for from a person in a chat."""

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from models import ConversationState
from models.construct import new_row
from services.clock import Clock


@dataclass(frozen=True)
class Waiting:
    """One pending question: its step name and what was gathered so far."""

    step: str
    data: dict[str, Any] = field(default_factory=dict)


NONE_KEY = "gridbot.conversation.none"  # in session.info: states known not to exist


async def _row(session: AsyncSession, chat_id: int, user_id: int) -> ConversationState | None:
    """The state row, read at most once per session when there is none (`session.get` asks the
    database again for a row it did not find; an update asks up to three times)."""
    absent: set[tuple[int, int]] = session.info.setdefault(NONE_KEY, set())
    if (chat_id, user_id) in absent:
        return None
    row = await session.get(ConversationState, (chat_id, user_id))
    if row is None:
        absent.add((chat_id, user_id))
    return row


def remember(session: AsyncSession, *, chat_id: int, user_id: int,
             row: ConversationState | None) -> None:
    """Note a state read with other things (the update's "who is this" query): a missing one is
    not asked for again; a found one is in the session already, where `session.get` finds it."""
    if row is None:
        session.info.setdefault(NONE_KEY, set()).add((chat_id, user_id))


async def current(session: AsyncSession, *, chat_id: int, user_id: int) -> Waiting | None:
    """Return what the bot is waiting for from this user in this chat."""
    row = await _row(session, chat_id, user_id)
    return Waiting(row.step, dict(row.data)) if row else None


async def wait_for(
    session: AsyncSession, *, clock: Clock, chat_id: int, user_id: int, step: str,
    data: dict[str, Any] | None = None,
) -> None:
    """Remember that the bot now waits for `step` from this user in this chat."""
    row = await _row(session, chat_id, user_id)
    if row is None:
        session.info.get(NONE_KEY, set()).discard((chat_id, user_id))
        session.add(new_row(ConversationState, chat_id=chat_id, user_id=user_id, step=step,
                            data=data or {}, updated_at=clock.now()))
    else:
        row.step, row.data, row.updated_at = step, data or {}, clock.now()


async def forget(session: AsyncSession, *, chat_id: int, user_id: int) -> None:
    """Stop waiting for anything from this user in this chat."""
    row = await _row(session, chat_id, user_id)
    if row is not None:
        await session.delete(row)
