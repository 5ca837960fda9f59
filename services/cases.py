"""Use cases of the closed loop: report, accept, transfer, return, resolve, confirm, rate."""

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from models import Building, Case, CaseAction, CaseKind, Person, Role, Urgency
from models.construct import new_row
from services import directory
from services.actors import require
from services.clock import Clock
from services.errors import DomainError
from services.lifecycle import apply, start_case
from services.routing import Route, route_case


@dataclass(frozen=True)
class NewReport:
    """What a resident reported, as the intake conversation understood it."""

    text: str
    kind: CaseKind
    urgency: Urgency
    community_id: int | None
    building: Building | None
    building_label: str | None = None
    unit: str | None = None
    room: str | None = None
    source_chat_id: int | None = None
    source_message_id: int | None = None


@dataclass(frozen=True)
class Reported:
    """A stored and routed case, with the people to notify."""

    case: Case
    assignee: Person | None
    also_notify: Sequence[Person]


async def routed_case(
    session: AsyncSession, report: NewReport, *, kind: CaseKind, reporter: Person
) -> tuple[Case, Route]:
    """Route a report and build its (not yet stored) case: place, words, reporter, source."""
    route = await route_case(session, kind=kind, community_id=report.community_id,
                             building=report.building)
    assert reporter.id is not None  # a stored person (ensure_person flushes)
    case = new_row(Case, kind=kind, urgency=report.urgency, text=report.text[:4000],
                   community_id=route.community_id, grid_id=route.grid_id,
                   building_id=route.building_id,
                   building_label=(report.building.number if report.building
                                   else report.building_label),
                   unit=report.unit, room=report.room, reporter_id=reporter.id,
                   source_chat_id=report.source_chat_id,
                   source_message_id=report.source_message_id)
    return case, route


async def report_case(
    session: AsyncSession, *, clock: Clock, reporter: Person, report: NewReport
) -> Reported:
    """Store a resident's report and route it to the responsible person."""
    case, route = await routed_case(session, report, kind=report.kind, reporter=reporter)
    now = clock.now()
    await start_case(session, case, actor_id=reporter.id, at=now,
                     assign_to=route.assignee.id if route.assignee is not None else None)
    return Reported(case=case, assignee=route.assignee, also_notify=route.also_notify)


async def load_case(session: AsyncSession, case_id: int) -> Case:
    """Fetch a case or refuse politely."""
    case = await session.get(Case, case_id)
    if case is None:
        raise DomainError("case.not_found", case_id=case_id)
    return case


async def may_act(
    session: AsyncSession, *, case_id: int, action: CaseAction, actor: Person
) -> Case:
    """Fetch a case of the closed loop on which this person may take the action now, or refuse
    (a handler asks before it asks the person for a reason or a note)."""
    case = await load_case(session, case_id)
    if case.kind == CaseKind.WISH:  # a wish moves only through its own use cases (wishes.py)
        raise DomainError("wish.use_wish_buttons", case_id=case.id)
    await require(session, case, action, actor)
    return case


async def accept_case(session: AsyncSession, *, clock: Clock, case_id: int, actor: Person) -> Case:
    """Let the assignee accept (接单) the case."""
    case = await may_act(session, case_id=case_id, action=CaseAction.ACCEPT, actor=actor)
    await apply(session, case, CaseAction.ACCEPT, actor_id=actor.id, at=clock.now())
    return case


async def colleagues_for(session: AsyncSession, case: Case, actor: Person) -> Sequence[Person]:
    """List the workers a case can be transferred to (same grid first, else same community)."""
    if case.grid_id is not None:
        people = await directory.people_with_role(session, Role.WORKER, grid_id=case.grid_id,
                                                  include_on_leave=False)
    else:
        people = []
    if not people and case.community_id is not None:
        people = await directory.people_with_role(session, Role.WORKER,
                                                  community_id=case.community_id,
                                                  include_on_leave=False)
    return [p for p in people if p.id not in (actor.id, case.assignee_id)]


async def transfer_case(
    session: AsyncSession, *, clock: Clock, case_id: int, actor: Person, to_person_id: int
) -> tuple[Case, Person]:
    """Hand a case to a colleague (转派); the assignee or a manager may do it."""
    case = await may_act(session, case_id=case_id, action=CaseAction.TRANSFER, actor=actor)
    target = next((p for p in await colleagues_for(session, case, actor) if p.id == to_person_id),
                  None)
    if target is None:
        raise DomainError("case.bad_target", case_id=case.id)
    await apply(session, case, CaseAction.TRANSFER, actor_id=actor.id, at=clock.now(),
                assignee_id=target.id)
    return case, target


async def return_case(
    session: AsyncSession, *, clock: Clock, case_id: int, actor: Person, reason: str
) -> tuple[Case, Sequence[Person]]:
    """Send a case back to the community manager (退回) with a reason."""
    case = await may_act(session, case_id=case_id, action=CaseAction.RETURN, actor=actor)
    await apply(session, case, CaseAction.RETURN, actor_id=actor.id, at=clock.now(),
                note=reason[:1000], assignee_id=None)
    return case, await managers_for(session, case)


async def managers_for(session: AsyncSession, case: Case) -> Sequence[Person]:
    """List who manages a case's community (the admins when the community is unknown)."""
    if case.community_id is not None:
        managers = await directory.people_with_role(session, Role.MANAGER,
                                                    community_id=case.community_id)
        if managers:
            return managers
    return await directory.admins(session)


async def assignable_workers(session: AsyncSession, case: Case) -> list[tuple[Person, int]]:
    """List the workers a manager can assign a case to, with their open-case counts."""
    if case.community_id is None:
        people = await directory.people_with_role(session, Role.WORKER, include_on_leave=False)
    else:
        people = await directory.people_with_role(session, Role.WORKER,
                                                  community_id=case.community_id,
                                                  include_on_leave=False)
    counts = await directory.open_case_counts(session, [p.id for p in people if p.id])
    ranked = sorted(people, key=lambda p: (counts.get(p.id or 0, 0), p.id))
    return [(p, counts.get(p.id or 0, 0)) for p in ranked]


async def assign_case(
    session: AsyncSession, *, clock: Clock, case_id: int, actor: Person, to_person_id: int
) -> tuple[Case, Person]:
    """Let a manager assign (派单) a case to a worker."""
    case = await may_act(session, case_id=case_id, action=CaseAction.ASSIGN, actor=actor)
    target = next((p for p, _open in await assignable_workers(session, case)
                   if p.id == to_person_id), None)
    if target is None:
        raise DomainError("case.bad_target", case_id=case.id)
    await apply(session, case, CaseAction.ASSIGN, actor_id=actor.id, at=clock.now(),
                assignee_id=target.id)
    return case, target


async def resolve_case(
    session: AsyncSession, *, clock: Clock, case_id: int, actor: Person, note: str | None
) -> Case:
    """Mark the case handled (已处理); the resident is asked to confirm next."""
    case = await may_act(session, case_id=case_id, action=CaseAction.RESOLVE, actor=actor)
    note = (note or "").strip()[:1000] or None
    await apply(session, case, CaseAction.RESOLVE, actor_id=actor.id, at=clock.now(), note=note,
                extra={"resolution_note": note})
    return case


async def confirm_case(session: AsyncSession, *, clock: Clock, case_id: int, actor: Person) -> Case:
    """Let the resident confirm the problem is solved: the case closes."""
    case = await may_act(session, case_id=case_id, action=CaseAction.CONFIRM, actor=actor)
    await apply(session, case, CaseAction.CONFIRM, actor_id=actor.id, at=clock.now())
    return case


async def reopen_case(
    session: AsyncSession, *, clock: Clock, case_id: int, actor: Person, words: str
) -> Case:
    """Let the resident say it is not solved: the case goes back to the same worker."""
    case = await may_act(session, case_id=case_id, action=CaseAction.REOPEN, actor=actor)
    await apply(session, case, CaseAction.REOPEN, actor_id=actor.id, at=clock.now(),
                note=words.strip()[:1000] or None)
    return case


async def rate_case(
    session: AsyncSession, *, clock: Clock, case_id: int, actor: Person, stars: int,
    comment: str | None = None,
) -> Case:
    """Record the resident's 1–5 star rating (once) and optional comment."""
    case = await may_act(session, case_id=case_id, action=CaseAction.RATE, actor=actor)
    if not 1 <= stars <= 5:
        raise DomainError("case.bad_rating", case_id=case.id)
    if case.rating is not None:
        raise DomainError("case.already_rated", case_id=case.id)
    comment = (comment or "").strip()[:1000] or None
    await apply(session, case, CaseAction.RATE, actor_id=actor.id, at=clock.now(),
                note=comment, extra={"rating": stars, "rating_comment": comment})
    return case


async def comment_case(
    session: AsyncSession, *, clock: Clock, case_id: int, actor: Person, comment: str
) -> Case:
    """Attach the resident's comment to an already rated case."""
    case = await may_act(session, case_id=case_id, action=CaseAction.RATE, actor=actor)
    if case.rating is None or case.rating_comment:
        raise DomainError("case.not_allowed", case_id=case.id, status=case.status)
    comment = comment.strip()[:1000]
    await apply(session, case, CaseAction.RATE, actor_id=actor.id, at=clock.now(), note=comment,
                extra={"rating_comment": comment})
    return case


async def cancel_case(
    session: AsyncSession, *, clock: Clock, case_id: int, actor: Person, reason: str | None = None
) -> Case:
    """Withdraw a case: the reporter or a manager may."""
    case = await may_act(session, case_id=case_id, action=CaseAction.CANCEL, actor=actor)
    await apply(session, case, CaseAction.CANCEL, actor_id=actor.id, at=clock.now(), note=reason)
    return case

