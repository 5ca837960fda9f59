"""Conversation state in the database: what the bot waits for from a person in a chat."""

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from models import ConversationState
from services.clock import Clock


@dataclass(frozen=True)
class Waiting:
    """One pending question: its step name and what was gathered so far."""

    step: str
    data: dict[str, Any] = field(default_factory=dict)


async def current(session: AsyncSession, *, chat_id: int, user_id: int) -> Waiting | None:
    """Return what the bot is waiting for from this user in this chat."""
    row = await session.get(ConversationState, (chat_id, user_id))
    return Waiting(row.step, dict(row.data)) if row else None


async def wait_for(
    session: AsyncSession, *, clock: Clock, chat_id: int, user_id: int, step: str,
    data: dict[str, Any] | None = None,
) -> None:
    """Remember that the bot now waits for `step` from this user in this chat."""
    row = await session.get(ConversationState, (chat_id, user_id))
    if row is None:
        session.add(ConversationState(chat_id=chat_id, user_id=user_id, step=step,
                                      data=data or {}, updated_at=clock.now()))
    else:
        row.step, row.data, row.updated_at = step, data or {}, clock.now()


async def forget(session: AsyncSession, *, chat_id: int, user_id: int) -> None:
    """Stop waiting for anything from this user in this chat."""
    row = await session.get(ConversationState, (chat_id, user_id))
    if row is not None:
        await session.delete(row)
