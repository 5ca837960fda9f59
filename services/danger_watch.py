"""Unanswered danger questions: when the intake asks "是紧急情况吗？" and the resident never
answers, the on-duty staff are alerted anyway after DANGER_UNANSWERED_AFTER. The question is a
row (not a timer in memory), so a restart neither loses nor repeats the alert; an answer to
either button settles it."""

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models import Building, CaseKind, DangerQuestion, Person, Urgency
from services import directory
from services.cases import NewReport, Reported, report_case
from services.clock import Clock


async def remember(
    session: AsyncSession, *, chat_id: int, user_id: int, person: Person,
    community_id: int | None, text: str, building: str | None, unit: str | None,
    room: str | None, message_id: int | None, at: datetime,
) -> DangerQuestion:
    """Record that the danger question was asked (an older unanswered one in this chat is
    replaced: the resident wrote again, and the newest words are the ones to act on)."""
    await settle(session, chat_id=chat_id, user_id=user_id, at=at)
    question = DangerQuestion(chat_id=chat_id, user_id=user_id, person_id=person.id or 0,
                              community_id=community_id, text=text[:2000], building=building,
                              unit=unit, room=room, message_id=message_id, asked_at=at)
    session.add(question)
    return question


async def settle(session: AsyncSession, *, chat_id: int, user_id: int, at: datetime) -> None:
    """The resident answered (是 or 不是): no alert for their pending danger question."""
    await session.execute(
        update(DangerQuestion).where(col(DangerQuestion.chat_id) == chat_id,
                                     col(DangerQuestion.user_id) == user_id,
                                     col(DangerQuestion.settled_at).is_(None))
        .values(settled_at=at).execution_options(synchronize_session=False))


async def escalated_case(session: AsyncSession, *, chat_id: int, user_id: int) -> int | None:
    """The case filed for this person's last danger question left unanswered, if it was."""
    return await session.scalar(
        select(col(DangerQuestion.case_id)).where(
            col(DangerQuestion.chat_id) == chat_id, col(DangerQuestion.user_id) == user_id)
        .order_by(col(DangerQuestion.id).desc()).limit(1))


async def claim_unanswered(
    session: AsyncSession, *, now: datetime, after: timedelta, limit: int = 50,
) -> Sequence[DangerQuestion]:
    """Questions asked `after` ago and still unanswered, locked for this transaction (another
    instance skips them, so each is alerted once)."""
    result = await session.scalars(
        select(DangerQuestion).where(col(DangerQuestion.settled_at).is_(None),
                                     col(DangerQuestion.asked_at) <= now - after)
        .order_by(col(DangerQuestion.asked_at)).limit(limit).with_for_update(skip_locked=True))
    return result.all()


async def _place(
    session: AsyncSession, question: DangerQuestion, reporter: Person
) -> tuple[Building | None, str | None, str | None]:
    """The building the message names, else the reporter's home on file (with its flat)."""
    if question.building:
        found = await directory.buildings_numbered(session, question.building,
                                                   question.community_id)
        if found:
            return found[0], question.unit, question.room
    home = reporter.building_id
    if home is not None and (question.community_id in (None, reporter.community_id)):
        building = await session.get(Building, home)
        return building, question.unit or reporter.unit, question.room or reporter.room
    return None, question.unit, question.room


async def file_unanswered(
    session: AsyncSession, *, clock: Clock, question: DangerQuestion
) -> Reported | None:
    """File the unanswered question as an emergency (routed like any other) and settle it;
    None when the reporter is gone."""
    question.settled_at = clock.now()
    reporter = await session.get(Person, question.person_id)
    if reporter is None:
        return None
    building, unit, room = await _place(session, question, reporter)
    community_id = question.community_id or (building.community_id if building else None)
    report = NewReport(
        text=question.text, kind=CaseKind.EMERGENCY, urgency=Urgency.URGENT,
        community_id=community_id, building=building,
        building_label=building.number if building else question.building, unit=unit, room=room,
        source_chat_id=None if question.chat_id == question.user_id else question.chat_id,
        source_message_id=question.message_id)
    reported = await report_case(session, clock=clock, reporter=reporter, report=report)
    question.case_id = reported.case.id
    return reported
