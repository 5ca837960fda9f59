"""Jobs of disputes and emergencies: the follow-up (回访) a week after an agreement, and the
emergency alert repeated until someone takes it. Each run is one transaction: messages are queued
in the outbox together with the record that they went out, so a restart neither loses nor
repeats one; the rows are locked (SKIP LOCKED) so two instances never send the same."""

import logging
from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handlers import notify
from handlers.context import Writer
from handlers.dispute_cards import followup_question
from handlers.emergency import ack_button, repeat_text
from handlers.texts import Texts
from scheduler.jobs import queue_messages
from services import case_queries, emergencies, mediation
from services.clock import Clock

log = logging.getLogger("gridbot.jobs")
UTC = ZoneInfo("UTC")  # neither message shows a time


async def repeat_emergency_alerts(
    sessions: async_sessionmaker[AsyncSession], clock: Clock, *, texts: Texts,
    every_minutes: int = 5, tz: ZoneInfo = UTC,
) -> int:
    """Send again every alert nobody took within `every_minutes`; return how many repeated."""
    async with sessions() as session, session.begin():
        now = clock.now()
        w = Writer(session=session, clock=clock, texts=texts, tz=tz)
        every = timedelta(minutes=every_minutes)
        due = await emergencies.due_repeats(session, now=now, every=every)
        for alert, case in due:
            emergencies.mark_repeated(alert, at=now, every=every)
            text = repeat_text(w, case, alert.times_sent)
            notify.to_people(w, await emergencies.recipients_of(session, alert), text,
                             ack_button(texts, case.id or 0), case_id=case.id)
        queue_messages(w, at=now)
    if due:
        log.info("emergency alerts repeated", extra={"count": len(due)})
    return len(due)


async def ask_dispute_followups(
    sessions: async_sessionmaker[AsyncSession], clock: Clock, *, texts: Texts,
    after_days: int = 7, tz: ZoneInfo = UTC,
) -> int:
    """Ask the parties of each agreement reached `after_days` ago whether it held."""
    after = timedelta(days=after_days)
    async with sessions() as session, session.begin():
        now = clock.now()
        w = Writer(session=session, clock=clock, texts=texts, tz=tz)
        due = await mediation.followups_due(session, now=now, after=after)
        for details, case in due:
            text, buttons = followup_question(w, case, details)
            people = [await case_queries.person(session, case.reporter_id)]
            other = await case_queries.person(session, details.other_party_id)
            if other is not None and other.private_chat_at is not None:
                people.append(other)
            for person in people:
                notify.to_person(w, person, text, buttons, case_id=case.id)
            mediation.mark_followup_asked(details, at=now, after=after)
        queue_messages(w, at=now)
    if due:
        log.info("dispute follow-ups asked", extra={"count": len(due)})
    return len(due)
