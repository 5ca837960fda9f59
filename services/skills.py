"""Skills matched to wishes (资源清单、需求清单、双向认领): volunteers' skills, a published wish
offered first to the volunteers whose skills match it and to everyone after a delay, partner
organisations with what they offer, and unmet needs beside unused resources."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models import (
    Case,
    CaseKind,
    CaseStatus,
    Community,
    Partner,
    Person,
    Role,
    StaffRole,
    WishDetails,
    WishOffer,
)
from services import wish_people
from services.errors import DomainError
from services.guide_match import GENERIC, normalise, term_score
from services.structure_people import FROM_CHAT

SKILLS_MAX, SKILL_LEN = 20, 50
RECENT = timedelta(days=30)


def skill_matches(skill: str, text: str) -> bool:
    """Tell whether a wish's text asks for this skill: the skill in it (one character may be
    mistyped in a longer one), or, for a skill of three characters or more, a pair of its
    characters that is not about services in general ("手机" of 手机教学)."""
    term, asked = normalise(skill), normalise(text)
    if len(term) < 2:
        return False
    if term_score(term, asked) >= 0.75:
        return True
    return len(term) >= 3 and any(
        term[i:i + 2] in asked and term[i:i + 2] not in GENERIC for i in range(len(term) - 1))


async def _volunteer_roles(session: AsyncSession, person_id: int) -> Sequence[StaffRole]:
    return (await session.scalars(select(StaffRole).where(
        col(StaffRole.person_id) == person_id, col(StaffRole.role) == Role.VOLUNTEER)
        .order_by(col(StaffRole.id)))).all()


async def skills_of(session: AsyncSession, person: Person) -> list[str] | None:
    """A volunteer's skills; None for someone who is not a volunteer."""
    roles = await _volunteer_roles(session, person.id or 0)
    if not roles:
        return None
    return list(dict.fromkeys(skill for role in roles for skill in role.skills))


async def set_skills(
    session: AsyncSession, *, person: Person, skills: Sequence[str], at: datetime
) -> list[str]:
    """Replace a volunteer's skills (in every community they volunteer in); from now on a
    structure import keeps them (the file only seeds skills)."""
    roles = await _volunteer_roles(session, person.id or 0)
    if not roles:
        raise DomainError("skills.not_volunteer")
    cleaned = list(dict.fromkeys(s.strip() for s in skills if s.strip()))
    if len(cleaned) > SKILLS_MAX or any(len(s) > SKILL_LEN for s in cleaned):
        raise DomainError("skills.too_many", most=SKILLS_MAX, length=SKILL_LEN)
    for role in roles:
        role.skills, role.skills_source, role.skills_set_at = list(cleaned), FROM_CHAT, at
    return cleaned


async def matching_volunteers(
    session: AsyncSession, community_id: int | None, text: str
) -> list[Person]:
    """The community's volunteers with a skill the wish's text asks for."""
    if community_id is None:
        return []
    result = await session.execute(
        select(Person, StaffRole).join(StaffRole, col(StaffRole.person_id) == col(Person.id))
        .where(col(StaffRole.role) == Role.VOLUNTEER, col(StaffRole.community_id) == community_id)
        .order_by(col(Person.id)))
    found: dict[int, Person] = {}
    for person, role in result.all():
        if any(skill_matches(skill, text) for skill in role.skills):
            found[person.id or 0] = person
    return list(found.values())


async def record_offer(
    session: AsyncSession, *, case_id: int, matched: Sequence[int], at: datetime
) -> None:
    """Remember that a wish went to matching volunteers first, to widen it later."""
    offer = await session.get(WishOffer, case_id)
    if offer is None:
        session.add(WishOffer(case_id=case_id, matched=list(matched), offered_at=at))
    else:
        offer.matched, offer.offered_at, offer.widened_at = list(matched), at, None


async def claim_widening(
    session: AsyncSession, *, now: datetime, delay: timedelta
) -> list[tuple[Case, WishDetails, list[int]]]:
    """Claim the offers whose delay has passed; return the still unclaimed wishes among them,
    with the volunteers who already had the card. Each offer is widened once."""
    due = (await session.scalars(select(WishOffer).where(
        col(WishOffer.widened_at).is_(None), col(WishOffer.offered_at) <= now - delay))).all()
    widened = []
    for offer in due:
        won = await session.execute(update(WishOffer).where(
            col(WishOffer.case_id) == offer.case_id, col(WishOffer.widened_at).is_(None))
            .values(widened_at=now))
        if won.rowcount != 1:  # type: ignore[attr-defined]
            continue
        case = await session.get(Case, offer.case_id)
        details = await session.get(WishDetails, offer.case_id)
        if case is not None and details is not None and case.status == CaseStatus.PUBLISHED:
            widened.append((case, details, list(offer.matched)))
    return widened


async def matching_partners(
    session: AsyncSession, community_id: int | None, text: str
) -> list[Partner]:
    """Partner organisations of the community (or the street) that offer what the text asks."""
    return [p for p in await partners(session, community_id)
            if any(skill_matches(offer, text) for offer in p.offers)]


async def partners(session: AsyncSession, community_id: int | None) -> list[Partner]:
    """The partners of a community and of its street."""
    if community_id is None:
        return []
    community = await session.get(Community, community_id)
    if community is None:
        return []
    return list((await session.scalars(select(Partner).where(
        col(Partner.street_id) == community.street_id,
        or_(col(Partner.community_id).is_(None), col(Partner.community_id) == community_id))
        .order_by(col(Partner.name)))).all())


@dataclass(frozen=True)
class Resources:
    """A community's unmet needs and its resources, for the manager."""

    needs: list[tuple[Case, WishDetails, list[str]]]  # open wishes, with who could help
    volunteers: list[tuple[Person, list[str], int]]  # skills, wishes claimed lately
    partners: list[Partner]


async def resources(session: AsyncSession, community_id: int, now: datetime) -> Resources:
    """Unclaimed published wishes (oldest first, each with the volunteers and partners that
    match it) beside the volunteers' skills and recent claims and the partners' offers."""
    open_wishes = (await session.execute(
        select(Case, WishDetails).join(WishDetails, col(WishDetails.case_id) == col(Case.id))
        .where(col(Case.community_id) == community_id, col(Case.kind) == CaseKind.WISH,
               col(Case.status) == CaseStatus.PUBLISHED)
        .order_by(col(Case.published_at), col(Case.id)).limit(30))).all()
    people = await wish_people.volunteers(session, community_id)
    claims = dict((await session.execute(
        select(col(Case.assignee_id), func.count()).where(
            col(Case.kind) == CaseKind.WISH, col(Case.community_id) == community_id,
            col(Case.accepted_at) >= now - RECENT).group_by(col(Case.assignee_id)))).all())
    found_partners = await partners(session, community_id)
    volunteers = [(p, await skills_of(session, p) or [], int(claims.get(p.id, 0)))
                  for p in people]
    needs = []
    for case, details in open_wishes:
        text = details.public_text or ""
        helpers = [p.name for p, skills, _ in volunteers
                   if any(skill_matches(s, text) for s in skills)]
        helpers += [p.name for p in found_partners
                    if any(skill_matches(o, text) for o in p.offers)]
        needs.append((case, details, helpers))
    return Resources(needs=needs, volunteers=volunteers, partners=found_partners)
