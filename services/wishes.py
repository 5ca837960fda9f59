"""Micro-wishes (微心愿): review, publish, claim, give back, fulfil, confirm and thank.

A wish is a `Case` of kind wish and moves through the one lifecycle (services/lifecycle.py):
NEW (waiting for review) → PUBLISHED → ACCEPTED (claimed) → RESOLVED → CLOSED, or NEW → CANCELLED
when declined. Its public wording and points live in `WishDetails`.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models import (
    Case,
    CaseAction,
    CaseKind,
    CaseStatus,
    Person,
    WishDetails,
)
from services import actors, audit, personal_data, points
from services.actors import require
from services.cases import NewReport, load_case, routed_case
from services.clock import Clock
from services.errors import DomainError
from services.lifecycle import TRANSITIONS, allowed, apply, check, start_case

DEFAULT_POINTS = 10
MAX_POINTS = 1000


def propose_public_text(text: str, *, names: Sequence[str | None] = ()) -> str:
    """Suggest the wording volunteers see: the resident's words without phones, flats and names
    (the building stays, since the card shows it anyway); the reviewer can rewrite it."""
    return personal_data.scrub(text, names=names)


@dataclass(frozen=True)
class SubmittedWish:
    """A stored wish waiting for review, and who reviews it."""

    case: Case
    details: WishDetails
    reviewers: Sequence[Person]


async def submit_wish(
    session: AsyncSession, *, clock: Clock, reporter: Person, report: NewReport,
    posted_by: Person | None = None,
) -> SubmittedWish:
    """Store a wish (from the resident, or posted for them by a worker) for review."""
    case, route = await routed_case(session, report, kind=CaseKind.WISH, reporter=reporter)
    await start_case(session, case, actor_id=posted_by.id if posted_by else reporter.id,
                     at=clock.now())
    assert case.id is not None
    details = WishDetails(case_id=case.id, public_text=propose_public_text(
                              case.text, names=(reporter.name,))[:1000],
                          points=DEFAULT_POINTS, posted_by_id=posted_by.id if posted_by else None)
    session.add(details)
    await session.flush()
    reviewers = [p for p in (route.assignee, *route.also_notify) if p is not None]
    return SubmittedWish(case=case, details=details, reviewers=reviewers)


async def load_wish(session: AsyncSession, case_id: int) -> tuple[Case, WishDetails]:
    """Fetch a wish and its details, or refuse politely."""
    case = await load_case(session, case_id)
    details = await session.get(WishDetails, case_id)
    if case.kind != CaseKind.WISH or details is None:
        raise DomainError("wish.not_a_wish", case_id=case_id)
    return case, details


async def wish_for(
    session: AsyncSession, *, case_id: int, action: CaseAction, actor: Person
) -> tuple[Case, WishDetails]:
    """Fetch a wish on which this person may take the action now (the lifecycle says who), or
    refuse."""
    case, details = await load_wish(session, case_id)
    await require(session, case, action, actor)
    return case, details


async def reviewable(
    session: AsyncSession, case_id: int, actor: Person
) -> tuple[Case, WishDetails]:
    """Fetch a wish waiting for review, if this person may review it; else refuse."""
    return await wish_for(session, case_id=case_id, action=CaseAction.APPROVE, actor=actor)


async def set_public_text(
    session: AsyncSession, *, case_id: int, actor: Person, text: str
) -> tuple[Case, WishDetails]:
    """Let the reviewer rewrite what volunteers will see."""
    case, details = await reviewable(session, case_id, actor)
    text = text.strip()[:1000]
    if not text:
        raise DomainError("wish.empty_text", case_id=case_id)
    reporter = await session.get(Person, case.reporter_id)
    found = personal_data.found_in(text, names=(reporter.name if reporter else None,))
    if found:  # the reviewer is still asked for the wording: the refusal rolls back
        raise DomainError(f"wish.public_has_{found[0]}", case_id=case_id)
    details.public_text = text
    session.add(details)
    return case, details


async def set_points(
    session: AsyncSession, *, case_id: int, actor: Person, value: int
) -> tuple[Case, WishDetails]:
    """Let the reviewer set how many points fulfilling the wish earns."""
    case, details = await reviewable(session, case_id, actor)
    if not 0 <= value <= MAX_POINTS:
        raise DomainError("wish.bad_points", case_id=case_id)
    details.points = value
    session.add(details)
    return case, details


async def approve_wish(
    session: AsyncSession, *, clock: Clock, case_id: int, actor: Person
) -> tuple[Case, WishDetails]:
    """Publish the wish to the community's volunteers (published_at is recorded)."""
    case, details = await reviewable(session, case_id, actor)
    if not details.public_text:
        raise DomainError("wish.empty_text", case_id=case_id)
    await apply(session, case, CaseAction.APPROVE, actor_id=actor.id, at=clock.now(),
                note=details.public_text)
    details.reviewed_by_id = actor.id
    session.add(details)
    return case, details


async def decline_wish(
    session: AsyncSession, *, clock: Clock, case_id: int, actor: Person, reason: str
) -> tuple[Case, WishDetails]:
    """Decline the wish with a reason the resident is told."""
    case, details = await reviewable(session, case_id, actor)
    reason = reason.strip()[:1000]
    if not reason:
        raise DomainError("wish.empty_text", case_id=case_id)
    await apply(session, case, CaseAction.DECLINE, actor_id=actor.id, at=clock.now(), note=reason)
    details.reviewed_by_id = actor.id
    session.add(details)
    return case, details


async def claim_wish(
    session: AsyncSession, *, clock: Clock, case_id: int, actor: Person, in_private: bool = True,
) -> tuple[Case, WishDetails]:
    """Let a volunteer of the community claim (认领) a published wish; exactly one wins. The
    resident's contact goes to the claimer privately, so a claim pressed in a group by someone
    the bot cannot write to is refused before anything changes."""
    case, details = await load_wish(session, case_id)
    roles = await actors.roles_of(session, case, actor, TRANSITIONS[CaseAction.CLAIM].actors)
    if roles and not allowed(case.status, CaseAction.CLAIM):  # a volunteer came second
        raise DomainError("wish.taken", case_id=case_id)
    check(case, CaseAction.CLAIM, roles)
    if not in_private and not (actor.telegram_id and actor.private_chat_at):
        raise DomainError("wish.open_private", case_id=case_id)
    try:
        # The fulfilment deadline runs from this claim, also after an earlier give-back.
        await apply(session, case, CaseAction.CLAIM, actor_id=actor.id, at=clock.now(),
                    assignee_id=actor.id, extra={"accepted_at": clock.now()})
    except DomainError as lost:  # the status was checked: someone pressed at the same moment
        raise DomainError("wish.taken", case_id=case_id) from lost
    return case, details


async def unclaim_wish(
    session: AsyncSession, *, clock: Clock, case_id: int, actor: Person
) -> tuple[Case, WishDetails]:
    """Let the claimer give the wish back: it is open to volunteers again."""
    case, details = await wish_for(session, case_id=case_id, action=CaseAction.UNCLAIM,
                                   actor=actor)
    # Open again: the claim deadline runs afresh from now, not from the first publication.
    await apply(session, case, CaseAction.UNCLAIM, actor_id=actor.id, at=clock.now(),
                assignee_id=None, extra={"published_at": clock.now()})
    return case, details


async def fulfil_wish(
    session: AsyncSession, *, clock: Clock, case_id: int, actor: Person, note: str
) -> tuple[Case, WishDetails]:
    """Let the claimer mark the wish fulfilled with a note; the resident confirms next."""
    case, details = await wish_for(session, case_id=case_id, action=CaseAction.RESOLVE,
                                   actor=actor)
    note = note.strip()[:1000]
    if not note:
        raise DomainError("wish.empty_text", case_id=case_id)
    await apply(session, case, CaseAction.RESOLVE, actor_id=actor.id, at=clock.now(), note=note,
                extra={"resolution_note": note})
    return case, details


async def confirm_wish(
    session: AsyncSession, *, clock: Clock, case_id: int, actor: Person
) -> tuple[Case, WishDetails, int]:
    """Confirm fulfilment (the resident, or the worker who posted it for them): the wish closes
    and the volunteer is credited; returns the volunteer's new balance."""
    case, details = await wish_for(session, case_id=case_id, action=CaseAction.CONFIRM,
                                   actor=actor)
    now = clock.now()
    await apply(session, case, CaseAction.CONFIRM, actor_id=actor.id, at=now)
    assert case.assignee_id is not None  # a resolved wish has its claimer
    left = await points.add_entry(session, at=now, person_id=case.assignee_id,
                                  community_id=case.community_id, delta=details.points,
                                  reason=points.REASON_WISH, case_id=case.id)
    return case, details, left


async def reopen_wish(
    session: AsyncSession, *, clock: Clock, case_id: int, actor: Person
) -> tuple[Case, WishDetails]:
    """Say the wish is not fulfilled yet: it goes back to the same volunteer."""
    case, details = await wish_for(session, case_id=case_id, action=CaseAction.REOPEN,
                                   actor=actor)
    await apply(session, case, CaseAction.REOPEN, actor_id=actor.id, at=clock.now())
    return case, details


async def thank(
    session: AsyncSession, *, clock: Clock, case_id: int, actor: Person, words: str
) -> tuple[Case, WishDetails]:
    """Keep the resident's thanks (once) for the volunteer, in the case history too."""
    case, details = await wish_for(session, case_id=case_id, action=CaseAction.RATE,
                                   actor=actor)
    words = words.strip()[:1000]
    if not words or details.thanks:
        raise DomainError("case.not_allowed", case_id=case_id, status=case.status)
    await apply(session, case, CaseAction.RATE, actor_id=actor.id, at=clock.now(), note=words)
    details.thanks = words
    session.add(details)
    return case, details


async def contacts_for_claimer(
    session: AsyncSession, *, clock: Clock, case: Case, details: WishDetails, claimer: Person
) -> tuple[Person | None, Person | None]:
    """Give the claimer the resident (and the worker who posted for them); record the view."""
    resident = await session.get(Person, case.reporter_id)
    poster = await session.get(Person, details.posted_by_id) if details.posted_by_id else None
    await audit.record_view(session, viewer_id=claimer.id or 0, at=clock.now(),
                            what="wish_contact", subject_id=case.reporter_id, case_id=case.id)
    return resident, poster


async def open_wishes(
    session: AsyncSession, community_id: int, *, offset: int = 0, limit: int = 8
) -> tuple[list[tuple[Case, WishDetails]], int]:
    """Return one page of a community's published wishes (oldest first) and how many there are."""
    where = (col(Case.community_id) == community_id, col(Case.kind) == CaseKind.WISH,
             col(Case.status) == CaseStatus.PUBLISHED)
    total = (await session.execute(select(func.count()).select_from(Case).where(*where)))
    result = await session.execute(
        select(Case, WishDetails).join(WishDetails, col(WishDetails.case_id) == col(Case.id))
        .where(*where).order_by(col(Case.published_at), col(Case.id)).offset(offset).limit(limit))
    return [(c, d) for c, d in result.all()], int(total.scalar_one())


async def can_review(session: AsyncSession, person_id: int, case: Case) -> bool:
    """Tell whether the person is the wish's grid worker or manages its community."""
    return await actors.can_review(session, person_id, case)
