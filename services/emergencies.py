"""Emergencies (紧急求助) that cannot be missed: everyone responsible is alerted at once, and the
alert repeats until one of them takes it (我来处理). Repeats are derived from the alert rows, and
each is recorded in the transaction that queues it, so a restart neither loses nor repeats one."""

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models import Case, CaseAction, CaseKind, EmergencyAlert, Person
from services import directory
from services.cases import load_case
from services.clock import Clock
from services.errors import DomainError
from services.lifecycle import UNASSIGNED_STATUSES, UNTAKEN_STATUSES, apply

# While a case is in one of these, nobody has taken it yet.


async def recipients_for(
    session: AsyncSession, *, assignee: Person | None, also: Iterable[Person]
) -> list[Person]:
    """The grid worker (or whoever routing chose), the managers and the sub-district admins."""
    people = [p for p in (assignee, *also, *await directory.admins(session)) if p is not None]
    return [p for p in {p.id: p for p in people}.values() if p.telegram_id is not None]


async def open_alert(
    session: AsyncSession, *, case_id: int, recipients: Sequence[Person], at: datetime
) -> EmergencyAlert:
    """Record the first alert, sent now to these people."""
    alert = EmergencyAlert(case_id=case_id, recipients=[p.id for p in recipients if p.id],
                           first_sent_at=at, last_sent_at=at)
    session.add(alert)
    return alert


async def alert_of(session: AsyncSession, case_id: int) -> EmergencyAlert | None:
    """The alert of an emergency case, if any."""
    return await session.get(EmergencyAlert, case_id)


async def acknowledge(
    session: AsyncSession, *, clock: Clock, case_id: int, actor: Person, note: str | None = None,
) -> tuple[Case, EmergencyAlert]:
    """我来处理: the first alerted person to press takes the case; the repeats stop for all."""
    case = await load_case(session, case_id)
    alert = await alert_of(session, case_id)
    if case.kind != CaseKind.EMERGENCY or alert is None or actor.id not in alert.recipients:
        raise DomainError("emergency.not_alerted", case_id=case_id)
    if alert.acknowledged_by_id is not None:
        taker = await session.get(Person, alert.acknowledged_by_id)
        raise DomainError("emergency.taken", case_id=case_id, name=taker.name if taker else "-")
    now = clock.now()
    # The status guard in apply() lets exactly one of simultaneous presses through.
    if case.status in UNASSIGNED_STATUSES:  # nobody holds it: the responder takes it
        await apply(session, case, CaseAction.ASSIGN, actor_id=actor.id, at=now,
                    assignee_id=actor.id)
    await apply(session, case, CaseAction.ACCEPT, actor_id=actor.id, at=now,
                assignee_id=actor.id, note=note)
    taken = await session.execute(
        update(EmergencyAlert).where(col(EmergencyAlert.case_id) == case_id,
                                     col(EmergencyAlert.acknowledged_by_id).is_(None))
        .values(acknowledged_by_id=actor.id, acknowledged_at=now)
        .execution_options(synchronize_session=False))
    if taken.rowcount != 1:  # type: ignore[attr-defined]
        raise DomainError("case.changed", case_id=case_id)
    await session.refresh(alert)
    return case, alert


async def due_repeats(
    session: AsyncSession, *, now: datetime, every: timedelta, limit: int = 100,
) -> Sequence[tuple[EmergencyAlert, Case]]:
    """Alerts nobody took whose last sending is `every` ago, locked for this transaction
    (another instance skips them, so it never sends the same repeat)."""
    result = await session.execute(
        select(EmergencyAlert, Case).join(Case, col(Case.id) == col(EmergencyAlert.case_id))
        .where(col(EmergencyAlert.acknowledged_by_id).is_(None),
               col(EmergencyAlert.last_sent_at) <= now - every,
               col(Case.status).in_(UNTAKEN_STATUSES))
        .order_by(col(EmergencyAlert.last_sent_at)).limit(limit)
        .with_for_update(skip_locked=True, of=EmergencyAlert))
    return [(alert, case) for alert, case in result.all()]


def mark_repeated(alert: EmergencyAlert, *, at: datetime, every: timedelta) -> None:
    """Record a repeat in the transaction that queues its messages. It is recorded at its own
    moment (the last one plus `every`), not at the check that found it, so the checks' cadence
    never stretches the interval; after downtime the count starts again from now."""
    scheduled = alert.last_sent_at + every
    alert.last_sent_at = scheduled if at - scheduled < every else at
    alert.times_sent += 1


async def recipients_of(session: AsyncSession, alert: EmergencyAlert) -> Sequence[Person]:
    """The people an alert goes to, in the order they were first alerted."""
    found = await session.execute(select(Person).where(col(Person.id).in_(alert.recipients)))
    by_id = {p.id: p for p in found.scalars()}
    return [by_id[i] for i in alert.recipients if i in by_id]
