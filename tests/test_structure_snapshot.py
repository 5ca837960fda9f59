"""The structure snapshot hands out the asking session's own objects."""

from datetime import UTC, datetime

from bot.db import Sessions
from models import Role
from services import directory
from tests.factories import load_sample


async def test_a_staff_member_changed_in_the_transaction_keeps_the_change(
        sessions: Sessions) -> None:
    async with sessions() as session, session.begin():
        await load_sample(session)
    when = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)
    async with sessions() as session, session.begin():
        (first, *_) = await directory.people_with_role(session, Role.WORKER)
        first.private_chat_at = when  # e.g. the worker's first private message
        again = await directory.people_with_role(session, Role.WORKER)
        assert again[0] is first
        assert again[0].private_chat_at == when
    async with sessions() as session, session.begin():
        (stored, *_) = await directory.people_with_role(session, Role.WORKER)
        assert stored.private_chat_at == when
