"""Community notices: who receives them, one outbox message each, progress reports."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlmodel import col

from models import Announcement, GroupChat, OutboxMessage, Person
from services import announcements, outbox
from services.clock import FrozenClock
from services.errors import DomainError
from services.staff import community_by_code
from tests.conftest import Sessions
from tests.factories import load_sample, person

TEMPLATES = announcements.Templates(
    notice={"text": "停水", "buttons": [], "edit_message_id": None, "reply_to_message_id": None},
    progress="{done}/{total}", done="all {done}/{total}", partial="{done}/{total} -{failed}")


async def _yulan_with_subscribers(sessions: Sessions) -> int:
    async with sessions() as session, session.begin():
        await load_sample(session)
        yulan = await community_by_code(session, "yulan")
        assert yulan is not None and yulan.id is not None
        opened = datetime(2026, 11, 1, tzinfo=UTC)
        session.add_all([
            Person(telegram_id=1, name="订阅", community_id=yulan.id, notices_opt_in=True,
                   private_chat_at=opened),
            Person(telegram_id=2, name="没订阅", community_id=yulan.id, private_chat_at=opened),
            Person(telegram_id=3, name="没开私聊", community_id=yulan.id, notices_opt_in=True),
            Person(name="没有电报", community_id=yulan.id, notices_opt_in=True),
            GroupChat(chat_id=-1009, community_id=yulan.id),
        ])
        return yulan.id


async def test_a_notice_goes_to_the_groups_and_reachable_subscribers_only(
    sessions: Sessions,
) -> None:
    yulan = await _yulan_with_subscribers(sessions)
    async with sessions() as session:
        assert await announcements.recipients(session, yulan, private_too=False) == [
            -1001000000001, -1009]
        assert await announcements.recipients(session, yulan, private_too=True) == [
            -1001000000001, -1009, 1]


async def test_progress_is_reported_as_deliveries_are_confirmed_and_sending_is_once(
    sessions: Sessions, clock: FrozenClock,
) -> None:
    yulan = await _yulan_with_subscribers(sessions)
    async with sessions() as session, session.begin():
        chen = await person(session, 910001)
        draft = await announcements.draft(session, clock=clock, actor=chen, community_id=yulan,
                                          text=" 明天停水 ")
        _, total = await announcements.send(session, clock=clock, actor=chen,
                                            notice_id=draft.id or 0, private_too=True,
                                            progress_chat_id=910001, templates=TEMPLATES)
        assert total == 3
        with pytest.raises(DomainError, match="notice.already_sent"):
            await announcements.send(session, clock=clock, actor=chen, notice_id=draft.id or 0,
                                     private_too=True, progress_chat_id=910001,
                                     templates=TEMPLATES)
    async with sessions() as session, session.begin():
        rows = (await session.execute(select(OutboxMessage).order_by(col(OutboxMessage.id)))
                ).scalars().all()
        assert [r.chat_id for r in rows] == [910001, -1001000000001, -1009, 1]
        assert rows[0].payload["text"] == "0/3"
        await outbox.mark_sent(session, row_id=rows[0].id or 0, at=clock.now(), message_id=77)
        await outbox.mark_sent(session, row_id=rows[1].id or 0, at=clock.now(), message_id=1)
        assert await announcements.report_progress(session, now=clock.now()) == 1
        assert await announcements.report_progress(session, now=clock.now()) == 0  # no news
        await outbox.mark_sent(session, row_id=rows[2].id or 0, at=clock.now(), message_id=2)
        await outbox.mark_failed(session, row_id=rows[3].id or 0, at=clock.now(), error="403")
        assert await announcements.report_progress(session, now=clock.now()) == 1
        notice = (await session.execute(select(Announcement))).scalar_one()
        assert notice.finished_at is not None
    async with sessions() as session:
        queued = (await session.execute(select(OutboxMessage).where(col(OutboxMessage.id) > 4)
                                        .order_by(col(OutboxMessage.id)))).scalars().all()
    assert [(r.payload["text"], r.payload["edit_message_id"]) for r in queued] == [
        ("1/3", 77), ("2/3", 77), ("2/3 -1", None)]


async def test_only_a_manager_drafts_and_only_the_author_sends(
    sessions: Sessions, clock: FrozenClock,
) -> None:
    yulan = await _yulan_with_subscribers(sessions)
    async with sessions() as session, session.begin():
        zhang, chen, zhou = (await person(session, 940001), await person(session, 910001),
                             await person(session, 900001))
        with pytest.raises(DomainError, match="staff.not_manager"):
            await announcements.draft(session, clock=clock, actor=zhang, community_id=yulan,
                                      text="x")
        with pytest.raises(DomainError, match="notice.empty"):
            await announcements.draft(session, clock=clock, actor=chen, community_id=yulan,
                                      text="  ")
        draft = await announcements.draft(session, clock=clock, actor=chen, community_id=yulan,
                                          text="x")
        with pytest.raises(DomainError, match="notice.not_found"):
            await announcements.send(session, clock=clock, actor=zhou, notice_id=draft.id or 0,
                                     private_too=False, progress_chat_id=1, templates=TEMPLATES)
