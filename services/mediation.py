"""Mediation of a dispute: sessions, outcomes (agreement, partial, failed → next tier, referred
outside), the manager's change of tier, and the follow-up (回访) after an agreement."""

import re
from collections.abc import Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models import Case, CaseAction, CaseKind, CaseStatus, DisputeDetails, MediatorTier, Person
from services.actors import Actor, plays, require
from services.cases import load_case
from services.clock import Clock
from services.disputes import details_of, mediator_for
from services.errors import DomainError
from services.lifecycle import apply
from services.tiers import next_tier

REFER_TARGETS: tuple[str, ...] = ("police", "court", "property")
_SESSION = re.compile(
    r"(?:(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?)?\s*(上午|下午|晚上)?\s*"
    r"(\d{1,2})\s*[:：点]\s*(\d{1,2}|半)?\s*分?\s*(.*)", re.S)


async def mediators_case(
    session: AsyncSession, *, case_id: int, action: CaseAction, actor: Person
) -> Case:
    """Fetch a dispute on which this person may take the action now (the mediator, or for a
    change of tier a manager), or refuse."""
    case = await load_case(session, case_id)
    if case.kind != CaseKind.DISPUTE:
        raise DomainError("dispute.not_dispute", case_id=case_id)
    await require(session, case, action, actor)
    return case


def parse_session(text: str, *, now: datetime, tz: ZoneInfo) -> tuple[datetime, str] | None:
    """Read "11-05 15:00 社区调解室" or "11月5日下午3点 调解室" as (UTC time, place)."""
    match = _SESSION.search(text.strip())
    if match is None:
        return None
    month, day, part, hour, minute, place = match.groups()
    today = now.astimezone(tz)
    hour_n = int(hour) + (12 if part in ("下午", "晚上") and int(hour) < 12 else 0)
    minute_n = 30 if minute == "半" else int(minute or 0)
    try:
        moment = today.replace(month=int(month or today.month), day=int(day or today.day),
                               hour=hour_n, minute=minute_n, second=0, microsecond=0)
    except ValueError:
        return None
    if moment < today - timedelta(days=1):
        moment = moment.replace(year=moment.year + 1)
    place = place.strip(" ，,。")
    return (moment.astimezone(now.tzinfo), place[:200]) if place else None


async def schedule(
    session: AsyncSession, *, clock: Clock, case_id: int, actor: Person, at: datetime,
    place: str, note: str,
) -> tuple[Case, DisputeDetails]:
    """Record a mediation session (status stays accepted); the handler tells both parties."""
    case = await mediators_case(session, case_id=case_id, action=CaseAction.SCHEDULE,
                                actor=actor)
    details = await details_of(session, case_id)
    await apply(session, case, CaseAction.SCHEDULE, actor_id=actor.id, at=clock.now(), note=note)
    details.session_at, details.session_place = at, place
    return case, details


async def record_agreement(
    session: AsyncSession, *, clock: Clock, case_id: int, actor: Person, text: str,
) -> tuple[Case, DisputeDetails]:
    """Agreement reached: resolve with its text; the reporter confirms and a follow-up is due."""
    case = await mediators_case(session, case_id=case_id, action=CaseAction.RESOLVE,
                                actor=actor)
    details = await details_of(session, case_id)
    text = text.strip()[:2000]
    now = clock.now()
    await apply(session, case, CaseAction.RESOLVE, actor_id=actor.id, at=now, note=text,
                extra={"resolution_note": text})
    details.outcome, details.outcome_at, details.agreement = "agreement", now, text
    details.followup_due_at = details.followup_asked_at = None
    details.followup_answered_at = details.followup_held = None
    return case, details


async def record_partial(
    session: AsyncSession, *, clock: Clock, case_id: int, actor: Person, note: str,
) -> Case:
    """Partly agreed: the case stays open with the note; another session may follow."""
    case = await mediators_case(session, case_id=case_id, action=CaseAction.SCHEDULE,
                                actor=actor)
    details = await details_of(session, case_id)
    now = clock.now()
    await apply(session, case, CaseAction.SCHEDULE, actor_id=actor.id, at=now,
                note=note.strip()[:1000])
    details.outcome, details.outcome_at = "partial", now
    return case


async def escalate(
    session: AsyncSession, *, clock: Clock, case_id: int, actor: Person, note: str | None,
) -> tuple[Case, Person, MediatorTier]:
    """Mediation failed: hand the dispute to a mediator of the next tier."""
    case = await mediators_case(session, case_id=case_id, action=CaseAction.ESCALATE,
                                actor=actor)
    details = await details_of(session, case_id)
    higher = next_tier(details.tier)
    found = await mediator_for(session, higher, case.community_id, exclude=actor.id) \
        if higher else None
    if found is None:
        raise DomainError("dispute.top_tier", case_id=case.id)
    mediator, tier = found
    now = clock.now()
    await apply(session, case, CaseAction.ESCALATE, actor_id=actor.id, at=now,
                assignee_id=mediator.id, note=note)
    details.tier, details.outcome, details.outcome_at = tier, "failed", now
    return case, mediator, tier


async def refer(
    session: AsyncSession, *, clock: Clock, case_id: int, actor: Person, target: str,
    reason: str,
) -> Case:
    """Refer the dispute outside (police, court pre-litigation mediation, property management)."""
    if target not in REFER_TARGETS:
        raise DomainError("dispute.bad_target", case_id=case_id)
    case = await mediators_case(session, case_id=case_id, action=CaseAction.REFER,
                                actor=actor)
    details = await details_of(session, case_id)
    now = clock.now()
    reason = reason.strip()[:1000]
    await apply(session, case, CaseAction.REFER, actor_id=actor.id, at=now, note=reason)
    details.outcome, details.outcome_at = "referred", now
    details.referral_target, details.referral_reason = target, reason
    return case


async def change_tier(
    session: AsyncSession, *, clock: Clock, case_id: int, actor: Person, tier: MediatorTier,
) -> tuple[Case, Person]:
    """Let a manager move the dispute to another tier: its mediator gets it to accept."""
    case = await mediators_case(session, case_id=case_id, action=CaseAction.ASSIGN, actor=actor)
    details = await details_of(session, case_id)
    found = await mediator_for(session, tier, case.community_id)
    if found is None or found[1] != tier:
        raise DomainError("dispute.no_mediator", case_id=case.id)
    await apply(session, case, CaseAction.ASSIGN, actor_id=actor.id, at=clock.now(),
                assignee_id=found[0].id)
    details.tier = tier
    return case, found[0]


async def followups_due(
    session: AsyncSession, *, now: datetime, after: timedelta, limit: int = 200,
) -> Sequence[tuple[DisputeDetails, Case]]:
    """Agreements reached at least `after` ago whose parties were not yet asked if they held."""
    result = await session.execute(
        select(DisputeDetails, Case).join(Case, col(Case.id) == col(DisputeDetails.case_id))
        .where(col(DisputeDetails.outcome) == "agreement",
               col(DisputeDetails.followup_asked_at).is_(None),
               col(DisputeDetails.outcome_at) <= now - after,
               col(Case.status).in_((CaseStatus.RESOLVED, CaseStatus.CLOSED)))
        .order_by(col(DisputeDetails.case_id)).limit(limit)
        .with_for_update(skip_locked=True, of=DisputeDetails))
    return [(details, case) for details, case in result.all()]


def mark_followup_asked(details: DisputeDetails, *, at: datetime, after: timedelta) -> None:
    """Record that the follow-up question went out (in the transaction that queued it)."""
    assert details.outcome_at is not None
    details.followup_due_at = details.outcome_at + after
    details.followup_asked_at = at


async def answer_followup(
    session: AsyncSession, *, clock: Clock, case_id: int, actor: Person, held: bool,
) -> tuple[Case, DisputeDetails]:
    """A party says whether the agreement held; "no" reopens the dispute to its mediator."""
    case = await load_case(session, case_id)
    details = await details_of(session, case_id)
    if not await plays(session, case, actor, Actor.PARTY):
        raise DomainError("case.not_reporter", case_id=case.id)
    if details.followup_asked_at is None or details.followup_answered_at is not None:
        raise DomainError("dispute.followup_done", case_id=case.id)
    now = clock.now()
    if not held:
        action = CaseAction.RELAPSE if case.status == CaseStatus.CLOSED else CaseAction.REOPEN
        await apply(session, case, action, actor_id=actor.id, at=now)
    details.followup_answered_at, details.followup_held = now, held
    return case, details
