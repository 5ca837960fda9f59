"""The service guide (办事指南): entries by chat, answers to residents' questions, and the
questions it could not answer, for the managers to grow it."""

import re
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import datetime

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models import GuideEntry, GuideQuestion, Person
from services import directory, guide_match, structure_snapshot
from services.clock import Clock
from services.errors import DomainError

looks_like_question = guide_match.looks_like_question

ANSWERED, HELPFUL, NOT_HELPFUL, UNANSWERED = "answered", "helpful", "not_helpful", "unanswered"
TEXT_MAX, NAME_MAX, PHONE_MAX, LINK_MAX, KEYWORD_MAX = 500, 100, 32, 300, 50
_PHONE = re.compile(r"\+?[0-9][0-9 ()-]*")
_LINK = re.compile(r"https?://\S+")


@dataclass(frozen=True)
class GuideFields:
    """What a manager writes about a service; None leaves a field as it is when editing."""

    name: str | None = None
    keywords: tuple[str, ...] | None = None
    who: str | None = None
    bring: str | None = None
    place: str | None = None
    phone: str | None = None
    link: str | None = None


def check_fields(given: GuideFields) -> GuideFields:
    """Refuse a field the guide cannot keep (too long, not a phone, not a web address)."""
    for item in fields(given):
        value = getattr(given, item.name)
        limit = {"name": NAME_MAX, "phone": PHONE_MAX, "link": LINK_MAX}.get(item.name, TEXT_MAX)
        if isinstance(value, str) and len(value) > limit:
            raise DomainError("guide.too_long", field=item.name, limit=limit)
    if given.phone and not _PHONE.fullmatch(given.phone):
        raise DomainError("guide.bad_phone", phone=given.phone)
    if given.link and not _LINK.fullmatch(given.link):
        raise DomainError("guide.bad_link", link=given.link)
    if given.keywords and any(len(k) > KEYWORD_MAX for k in given.keywords):
        raise DomainError("guide.too_long", field="keywords", limit=KEYWORD_MAX)
    return given


async def _street_of(session: AsyncSession, community_id: int) -> int:
    street = await directory.street_of_community(session, community_id)
    if street is None or street.id is None:
        raise DomainError("guide.no_community")
    return street.id


async def _entries(session: AsyncSession, community_id: int | None) -> Sequence[GuideEntry]:
    """The entries for this community (all when unknown) in name order: the structure
    snapshot's own rows when it may answer (read them, never change them), else this session's."""
    if community_id is not None and (
            snapshot := await structure_snapshot.current(session)) is not None:
        community = snapshot.communities.get(community_id)
        if community is None:
            raise DomainError("guide.no_community")
        return [e for e in snapshot.guide.get(community.street_id, ())
                if e.community_id is None or e.community_id == community_id]
    query = select(GuideEntry).order_by(col(GuideEntry.name), col(GuideEntry.id))
    if community_id is not None:
        street_id = await _street_of(session, community_id)
        query = query.where(col(GuideEntry.street_id) == street_id, or_(
            col(GuideEntry.community_id).is_(None), col(GuideEntry.community_id) == community_id))
    return (await session.scalars(query)).all()


async def entries_for(session: AsyncSession, community_id: int | None) -> Sequence[GuideEntry]:
    """Return the entries a resident of this community can be answered from (all when the
    community is not known), in name order."""
    return await structure_snapshot.attach(session, await _entries(session, community_id))


async def answer_for(
    session: AsyncSession, text: str, community_id: int | None
) -> list[GuideEntry]:
    """Find the entry that answers a question: one, or, when the community is unknown, the
    same service of each community that has it; empty when nothing matches well enough."""
    # Matched on the snapshot's rows (a report may be a question: no query); only what is
    # returned becomes this session's.
    entries = {e.id or 0: e for e in await _entries(session, community_id)}
    terms = [guide_match.GuideTerms(i, guide_match.terms_of(e.name, e.keywords))
             for i, e in entries.items()]
    found = guide_match.best(text, terms)
    if found is None:
        return []
    top = entries[found.entry_id]
    if community_id is not None or top.community_id is None:
        return await structure_snapshot.attach(session, [top])
    return await structure_snapshot.attach(
        session, [e for e in entries.values() if e.name == top.name][:3])


async def find_entry(session: AsyncSession, community_id: int, name: str) -> GuideEntry | None:
    """Return the community's own entry of that name."""
    return await session.scalar(select(GuideEntry).where(
        col(GuideEntry.community_id) == community_id, col(GuideEntry.name) == name.strip()))


async def add_entry(
    session: AsyncSession, *, clock: Clock, community_id: int, given: GuideFields
) -> GuideEntry:
    """Add a service to a community's guide; its name must be new there."""
    check_fields(given)
    if not given.name:
        raise DomainError("guide.name_missing")
    if await find_entry(session, community_id, given.name) is not None:
        raise DomainError("guide.exists", name=given.name)
    entry = GuideEntry(street_id=await _street_of(session, community_id),
                       community_id=community_id, name=given.name,
                       keywords=list(given.keywords or ()), who=given.who, bring=given.bring,
                       place=given.place, phone=given.phone, link=given.link, source="chat",
                       updated_at=clock.now())
    session.add(entry)
    await session.flush()
    return entry


async def edit_entry(
    session: AsyncSession, *, clock: Clock, community_id: int, name: str, given: GuideFields
) -> GuideEntry:
    """Change the fields given of a community's entry (a new name included)."""
    check_fields(given)
    entry = await find_entry(session, community_id, name)
    if entry is None:
        raise DomainError("guide.not_found", name=name)
    if given.name and given.name != entry.name and await find_entry(
            session, community_id, given.name) is not None:
        raise DomainError("guide.exists", name=given.name)
    for item in fields(given):
        value = getattr(given, item.name)
        if item.name == "keywords" and value is not None:
            entry.keywords = list(value)
        elif value is not None and (value or item.name != "name"):
            setattr(entry, item.name, value or None)  # an empty value clears the field
    entry.updated_at = clock.now()
    return entry


async def remove_entry(session: AsyncSession, *, community_id: int, name: str) -> None:
    """Remove a community's entry; questions it answered keep their text and outcome."""
    entry = await find_entry(session, community_id, name)
    if entry is None:
        raise DomainError("guide.not_found", name=name)
    await session.execute(update(GuideQuestion).where(col(GuideQuestion.entry_id) == entry.id)
                          .values(entry_id=None))
    await session.delete(entry)


async def entry(session: AsyncSession, entry_id: int) -> GuideEntry | None:
    """Return one entry (the guide is public: anyone may read any entry)."""
    return await session.get(GuideEntry, entry_id)


async def record_question(
    session: AsyncSession, *, clock: Clock, person: Person, community_id: int | None,
    chat_id: int, message_id: int | None, text: str, entry_id: int | None,
) -> GuideQuestion:
    """Keep a question and whether the guide answered it."""
    question = GuideQuestion(person_id=person.id or 0, community_id=community_id,
                             chat_id=chat_id, message_id=message_id, text=text[:4000],
                             entry_id=entry_id, outcome=ANSWERED if entry_id else UNANSWERED,
                             asked_at=clock.now())
    session.add(question)
    await session.flush()
    return question


async def _own_question(session: AsyncSession, question_id: int, person: Person) -> GuideQuestion:
    question = await session.get(GuideQuestion, question_id)
    if question is None or question.person_id != person.id:
        raise DomainError("guide.not_your_question")
    return question


async def mark_helpful(session: AsyncSession, *, question_id: int, person: Person) -> None:
    """The resident found the answer useful (only the one who asked may say so)."""
    question = await _own_question(session, question_id, person)
    if question.outcome == ANSWERED:
        question.outcome = HELPFUL


async def mark_not_solved(
    session: AsyncSession, *, question_id: int, person: Person
) -> GuideQuestion | None:
    """The answer did not help: return the question to file as a case, or None when it was
    already filed (a second press, or two at once: the guarded update lets one through)."""
    question = await _own_question(session, question_id, person)
    result = await session.execute(
        update(GuideQuestion).where(col(GuideQuestion.id) == question_id,
                                    col(GuideQuestion.outcome).in_([ANSWERED, HELPFUL]))
        .values(outcome=NOT_HELPFUL))
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return None
    return question


async def unanswered(
    session: AsyncSession, *, community_id: int, since: datetime, limit: int = 30
) -> Sequence[GuideQuestion]:
    """Questions of the community since then that the guide could not answer, or whose answer
    did not help, newest first."""
    return (await session.scalars(
        select(GuideQuestion).where(
            col(GuideQuestion.community_id) == community_id,
            col(GuideQuestion.asked_at) >= since,
            col(GuideQuestion.outcome).in_([UNANSWERED, NOT_HELPFUL]))
        .order_by(col(GuideQuestion.asked_at).desc(), col(GuideQuestion.id).desc())
        .limit(limit))).all()

