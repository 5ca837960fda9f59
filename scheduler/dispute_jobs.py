"""Jobs of disputes and emergencies: the follow-up (回访) a week after an agreement, and the
emergency alert repeated until someone takes it. Each run is one transaction: messages are queued
in the outbox together with the record that they went out, so a restart neither loses nor
repeats one; the rows are locked (SKIP LOCKED) so two instances never send the same."""

import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handlers.emergency import ack_button
from handlers.payloads import Act, Payload
from handlers.texts import Texts
from handlers.types import Button, Outgoing
from models import Person
from services import case_queries, emergencies, mediation, outbox
from services.clock import Clock

log = logging.getLogger("gridbot.jobs")


def _queue(session: AsyncSession, person: Person | None, payload: dict[str, Any], *,
           at: datetime, case_id: int | None) -> None:
    if person is not None and person.telegram_id is not None:
        outbox.enqueue(session, chat_id=person.telegram_id, payload=payload, at=at,
                       case_id=case_id)


async def repeat_emergency_alerts(
    sessions: async_sessionmaker[AsyncSession], clock: Clock, *, texts: Texts,
    every_minutes: int = 5,
) -> int:
    """Send again every alert nobody took within `every_minutes`; return how many repeated."""
    async with sessions() as session, session.begin():
        now = clock.now()
        every = timedelta(minutes=every_minutes)
        due = await emergencies.due_repeats(session, now=now, every=every)
        for alert, case in due:
            address = "".join(part for part in (
                texts("address.building", building=case.building_label)
                if case.building_label else texts("address.none"),
                texts("address.unit", unit=case.unit) if case.unit else "",
                texts("address.room", room=case.room) if case.room else "") if part)
            emergencies.mark_repeated(alert, at=now, every=every)
            text = texts("emergency.repeat", id=case.id, times=alert.times_sent,
                         address=address, text=case.text[:300])
            payload = Outgoing(0, text, ack_button(texts, case.id or 0)).to_payload()
            for person in await emergencies.recipients_of(session, alert):
                _queue(session, person, payload, at=now, case_id=case.id)
    if due:
        log.info("emergency alerts repeated", extra={"count": len(due)})
    return len(due)


async def ask_dispute_followups(
    sessions: async_sessionmaker[AsyncSession], clock: Clock, *, texts: Texts,
    after_days: int = 7,
) -> int:
    """Ask the parties of each agreement reached `after_days` ago whether it held."""
    after = timedelta(days=after_days)
    async with sessions() as session, session.begin():
        now = clock.now()
        due = await mediation.followups_due(session, now=now, after=after)
        for details, case in due:
            cid = case.id or 0
            buttons = ((Button(texts("dispute.btn_held"),
                               data=Payload(Act.FOLLOWUP_HELD, cid).pack()),
                        Button(texts("dispute.btn_broken"),
                               data=Payload(Act.FOLLOWUP_BROKEN, cid).pack())),)
            payload = Outgoing(0, texts("dispute.followup_question", id=cid,
                                        agreement=details.agreement or "-"), buttons).to_payload()
            people = [await case_queries.person(session, case.reporter_id)]
            other = await case_queries.person(session, details.other_party_id)
            if other is not None and other.private_chat_at is not None:
                people.append(other)
            for person in people:
                _queue(session, person, payload, at=now, case_id=cid)
            mediation.mark_followup_asked(details, at=now, after=after)
    if due:
        log.info("dispute follow-ups asked", extra={"count": len(due)})
    return len(due)
