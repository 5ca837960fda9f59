"""Disputes (矛盾纠纷): filing with a proposed tier, mediation, escalation, referral, follow-up.

A dispute is a case of kind "dispute" on the ordinary lifecycle; its details live in
DisputeDetails. It is assigned to a mediator of its tier (the street's legal tier when the
community has none), who accepts, schedules sessions and records the outcome.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models import (
    Building,
    Case,
    CaseAction,
    CaseKind,
    CaseStatus,
    DisputeDetails,
    MediatorTier,
    Person,
    Role,
    StaffRole,
    Urgency,
)
from services import directory
from services.cases import load_case, managers_for
from services.clock import Clock
from services.errors import DomainError
from services.intake import parse_address
from services.lifecycle import apply, start_case
from services.routing import least_loaded, route_case
from services.tiers import ORDER, TierFacts, amount_in, next_tier, propose_tier

REPEAT_WINDOW = timedelta(days=90)
REFER_TARGETS: tuple[str, ...] = ("police", "court", "property")
_SESSION = re.compile(
    r"(?:(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?)?\s*(上午|下午|晚上)?\s*"
    r"(\d{1,2})\s*[:：点]\s*(\d{1,2}|半)?\s*分?\s*(.*)", re.S)


@dataclass(frozen=True)
class NewDispute:
    """What the resident told the intake conversation."""

    what: str
    place: str | None
    other_party: str | None
    since: str | None
    injury: bool
    property_damage: bool
    compensation: bool
    repeated: bool
    community_id: int | None


@dataclass(frozen=True)
class FiledDispute:
    """A stored dispute, its mediator and who else must hear of it (grid worker, managers)."""

    case: Case
    details: DisputeDetails
    mediator: Person | None
    also_notify: Sequence[Person]


async def mediator_for(
    session: AsyncSession, tier: str, community_id: int | None, *, exclude: int | None = None,
) -> tuple[Person, MediatorTier] | None:
    """The least busy mediator of this tier (or, if none, of the next tier up) who can serve."""
    for candidate in ORDER[ORDER.index(MediatorTier(tier)):]:
        holders = select(col(StaffRole.person_id)).where(
            col(StaffRole.role) == Role.MEDIATOR, col(StaffRole.tier) == candidate,
            col(StaffRole.on_leave).is_(False),
            or_(col(StaffRole.community_id) == community_id, col(StaffRole.community_id).is_(None)))
        query = select(Person).where(col(Person.id).in_(holders),
                                     col(Person.telegram_id).is_not(None)).order_by(col(Person.id))
        people = [p for p in (await session.execute(query)).scalars() if p.id != exclude]
        chosen = await least_loaded(session, people)
        if chosen is not None:
            return chosen, candidate
    return None


async def had_recent_dispute(
    session: AsyncSession, *, reporter_id: int, building_id: int | None, since: datetime,
) -> bool:
    """Tell whether this resident or building had a dispute since then."""
    who = col(Case.reporter_id) == reporter_id
    if building_id is not None:
        who = or_(who, col(Case.building_id) == building_id)
    found = await session.execute(select(col(Case.id)).where(
        col(Case.kind) == CaseKind.DISPUTE, col(Case.created_at) >= since, who).limit(1))
    return found.first() is not None


async def _resident_at(
    session: AsyncSession, community_id: int | None, text: str | None
) -> Person | None:
    """Match "5号楼302" to the one resident remembered at that flat."""
    number, _unit, room = parse_address(text or "")
    if number is None or room is None:
        return None
    buildings = await directory.buildings_numbered(session, number, community_id)
    if len(buildings) != 1:
        return None
    found = await session.execute(select(Person).where(
        col(Person.building_id) == buildings[0].id, col(Person.room) == room))
    people = found.scalars().all()
    return people[0] if len(people) == 1 else None


async def _building(session: AsyncSession, new: NewDispute) -> Building | None:
    for text in (new.place, new.what):
        number = parse_address(text or "")[0]
        if number is not None:
            found = await directory.buildings_numbered(session, number, new.community_id)
            if len(found) == 1:
                return found[0]
    return None


async def file_dispute(
    session: AsyncSession, *, clock: Clock, reporter: Person, new: NewDispute
) -> FiledDispute:
    """Store a dispute, propose its tier and assign it to a mediator of that tier."""
    assert reporter.id is not None
    now = clock.now()
    building = await _building(session, new)
    route = await route_case(session, kind=CaseKind.DISPUTE, community_id=new.community_id,
                             building=building)
    known_repeat = await had_recent_dispute(session, reporter_id=reporter.id,
                                            building_id=route.building_id,
                                            since=now - REPEAT_WINDOW)
    facts = TierFacts(text=new.what, injury=new.injury, property_damage=new.property_damage,
                      compensation=new.compensation, repeated=new.repeated or known_repeat)
    decision = propose_tier(facts)
    urgent = new.injury or "violence" in decision.reasons
    case = Case(kind=CaseKind.DISPUTE, urgency=Urgency.URGENT if urgent else Urgency.NORMAL,
                text=new.what[:4000], community_id=route.community_id, grid_id=route.grid_id,
                building_id=route.building_id,
                building_label=building.number if building else None, reporter_id=reporter.id)
    await start_case(session, case, actor_id=reporter.id, at=now)
    assert case.id is not None
    other = await _resident_at(session, route.community_id, new.other_party)
    details = DisputeDetails(
        case_id=case.id, what=new.what[:4000], place=(new.place or "")[:200] or None,
        other_party=(new.other_party or "")[:200] or None,
        other_party_id=other.id if other and other.id != reporter.id else None,
        since=(new.since or "")[:40] or None, injury=new.injury,
        property_damage=new.property_damage, compensation=new.compensation,
        amount=amount_in(new.what), repeated=facts.repeated, proposed_tier=decision.tier,
        tier=decision.tier, tier_reasons=list(decision.reasons))
    session.add(details)
    found = await mediator_for(session, decision.tier, route.community_id)
    mediator = found[0] if found else None
    if found is not None:
        details.tier = found[1]
    elif route.assignee is not None:  # no mediator at all: the worker or manager takes it
        mediator = route.assignee
    if mediator is not None:
        await apply(session, case, CaseAction.ASSIGN, actor_id=None, at=now,
                    assignee_id=mediator.id)
    # The grid worker (or, without one, whoever routing chose) and the managers are told.
    told = [route.assignee] if route.assignee is not None else []
    told += await managers_for(session, case)
    also = list({p.id: p for p in told if p.id != (mediator.id if mediator else None)}.values())
    return FiledDispute(case=case, details=details, mediator=mediator, also_notify=also)


async def details_of(session: AsyncSession, case_id: int) -> DisputeDetails:
    """Fetch a dispute's details or refuse."""
    details = await session.get(DisputeDetails, case_id)
    if details is None:
        raise DomainError("dispute.not_dispute", case_id=case_id)
    return details


async def may_see(session: AsyncSession, case: Case, viewer: Person) -> bool:
    """Only the mediator, the grid's worker, the managers (and the reporter) see the details."""
    assert viewer.id is not None
    if viewer.id in (case.assignee_id, case.reporter_id):
        return True
    if await directory.is_manager_of(session, viewer.id, case.community_id):
        return True
    if case.grid_id is None:
        return False
    found = await session.execute(select(col(StaffRole.id)).where(
        col(StaffRole.person_id) == viewer.id, col(StaffRole.role) == Role.WORKER,
        col(StaffRole.grid_id) == case.grid_id).limit(1))
    return found.first() is not None


async def _mediators_case(session: AsyncSession, case_id: int, actor: Person) -> Case:
    case = await load_case(session, case_id)
    if case.kind != CaseKind.DISPUTE:
        raise DomainError("dispute.not_dispute", case_id=case_id)
    if case.assignee_id != actor.id:
        raise DomainError("case.not_yours", case_id=case.id)
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
    case = await _mediators_case(session, case_id, actor)
    details = await details_of(session, case_id)
    await apply(session, case, CaseAction.SCHEDULE, actor_id=actor.id, at=clock.now(), note=note)
    details.session_at, details.session_place = at, place
    return case, details


async def record_agreement(
    session: AsyncSession, *, clock: Clock, case_id: int, actor: Person, text: str,
) -> tuple[Case, DisputeDetails]:
    """Agreement reached: resolve with its text; the reporter confirms and a follow-up is due."""
    case = await _mediators_case(session, case_id, actor)
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
    case = await _mediators_case(session, case_id, actor)
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
    case = await _mediators_case(session, case_id, actor)
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
    case = await _mediators_case(session, case_id, actor)
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
    case = await load_case(session, case_id)
    assert actor.id is not None
    if case.kind != CaseKind.DISPUTE:
        raise DomainError("dispute.not_dispute", case_id=case_id)
    if not await directory.is_manager_of(session, actor.id, case.community_id):
        raise DomainError("case.not_manager", case_id=case.id)
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
    if actor.id not in (case.reporter_id, details.other_party_id):
        raise DomainError("case.not_reporter", case_id=case.id)
    if details.followup_asked_at is None or details.followup_answered_at is not None:
        raise DomainError("dispute.followup_done", case_id=case.id)
    now = clock.now()
    if not held:
        action = CaseAction.RELAPSE if case.status == CaseStatus.CLOSED else CaseAction.REOPEN
        await apply(session, case, action, actor_id=actor.id, at=now)
    details.followup_answered_at, details.followup_held = now, held
    return case, details
