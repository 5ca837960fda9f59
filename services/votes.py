"""Deliberation votes (居民议事): a manager opens a topic in a bound group; registered residents
vote with buttons, once each, changeable until the close; the scheduler closes it and the result
is published; the manager records the decision and its follow-up.

Ballots are secret. While a vote is open a ballot row holds only a keyed hash of the voter (an
HMAC with the topic's own random key) and the option, so a vote can be changed; nothing else
stores who pressed what. At the close the counts are written to the topic, the ballots are
deleted and the key is wiped: from then on nobody, managers and the database included, can tell
who voted for what."""

import hashlib
import hmac
import math
import secrets
from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models import Building, Person, VoteBallot, VoteTopic
from services.clock import Clock
from services.errors import DomainError
from services.vote_parse import VoteDraft


class Cast(StrEnum):
    """What a press did."""

    FIRST = "first"
    CHANGED = "changed"
    SAME = "same"


def _voter(topic: VoteTopic, person_id: int) -> str:
    assert topic.secret is not None
    return hmac.new(topic.secret.encode(), str(person_id).encode(), hashlib.sha256).hexdigest()


async def count_eligible(session: AsyncSession, community_id: int, buildings: Sequence[str]) -> int:
    """How many residents are registered where the vote is held."""
    query = select(func.count()).select_from(Person).where(
        col(Person.community_id) == community_id)
    if buildings:
        query = query.join(Building, col(Building.id) == col(Person.building_id)).where(
            col(Building.number).in_(list(buildings)))
    return int((await session.execute(query)).scalar_one())


async def open_vote(
    session: AsyncSession, *, clock: Clock, manager: Person, community_id: int, chat_id: int,
    draft: VoteDraft,
) -> VoteTopic:
    """Open a topic (the caller checked the manager manages the group's community)."""
    assert manager.id is not None and draft.closes_at is not None
    quorum = draft.quorum
    if draft.quorum_percent:
        eligible = await count_eligible(session, community_id, draft.buildings)
        quorum = math.ceil(eligible * draft.quorum_percent / 100)
    topic = VoteTopic(community_id=community_id, opened_by_id=manager.id, chat_id=chat_id,
                      question=draft.question, options=draft.options, buildings=draft.buildings,
                      hidden=draft.hidden, quorum=quorum, closes_at=draft.closes_at,
                      secret=secrets.token_hex(32), created_at=clock.now())
    session.add(topic)
    await session.flush()
    return topic


async def load_topic(session: AsyncSession, topic_id: int) -> VoteTopic:
    """Fetch a topic or refuse politely."""
    topic = await session.get(VoteTopic, topic_id)
    if topic is None:
        raise DomainError("vote.not_found", topic_id=topic_id)
    return topic


async def may_vote(session: AsyncSession, topic: VoteTopic, person: Person) -> bool:
    """Tell whether the person is a resident registered where the vote is held."""
    if person.id is None or person.community_id != topic.community_id:
        return False
    if not topic.buildings:
        return True
    building = await session.get(Building, person.building_id) if person.building_id else None
    return building is not None and building.number in topic.buildings


async def cast(
    session: AsyncSession, *, clock: Clock, topic_id: int, person: Person, option: int,
    message_id: int | None = None,
) -> tuple[VoteTopic, Cast]:
    """Record or change a resident's ballot while the vote is open."""
    topic = await load_topic(session, topic_id)
    if topic.closed_at is not None or clock.now() >= topic.closes_at or topic.secret is None:
        raise DomainError("vote.closed", topic_id=topic_id)
    if not 0 <= option < len(topic.options):
        raise DomainError("vote.bad_option", topic_id=topic_id)
    if not await may_vote(session, topic, person):
        raise DomainError("vote.not_eligible", topic_id=topic_id)
    assert person.id is not None
    voter = _voter(topic, person.id)
    found = await session.execute(select(VoteBallot).where(
        col(VoteBallot.topic_id) == topic_id, col(VoteBallot.voter) == voter))
    ballot = found.scalars().first()
    if topic.message_id is None and message_id is not None:
        topic.message_id = message_id  # the group post, to take its buttons off at the close
        session.add(topic)
    if ballot is None:
        session.add(VoteBallot(topic_id=topic_id, voter=voter, option=option))
        return topic, Cast.FIRST
    if ballot.option == option:
        return topic, Cast.SAME
    ballot.option = option
    session.add(ballot)
    return topic, Cast.CHANGED


async def running_counts(session: AsyncSession, topic: VoteTopic) -> list[int]:
    """Ballots per option so far (the final counts once closed)."""
    if topic.closed_at is not None:
        return list(topic.counts)
    rows = await session.execute(
        select(col(VoteBallot.option), func.count()).where(col(VoteBallot.topic_id) == topic.id)
        .group_by(col(VoteBallot.option)))
    counts = [0] * len(topic.options)
    for option, number in rows.all():
        if 0 <= option < len(counts):
            counts[option] = int(number)
    return counts


async def close_due(session: AsyncSession, *, now: datetime, limit: int = 50) -> list[VoteTopic]:
    """Close every vote whose time has come: counts kept, ballots deleted, key wiped. A vote
    another replica closed first is skipped."""
    found = await session.execute(
        select(VoteTopic).where(col(VoteTopic.closed_at).is_(None),
                                col(VoteTopic.closes_at) <= now)
        .order_by(col(VoteTopic.closes_at)).limit(limit))
    closed = []
    for topic in found.scalars().all():
        claimed = await session.execute(
            update(VoteTopic).where(col(VoteTopic.id) == topic.id,
                                    col(VoteTopic.closed_at).is_(None))
            .values(closed_at=now).execution_options(synchronize_session=False))
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            continue
        counts = await running_counts(session, topic)
        topic.counts, topic.closed_at, topic.secret = counts, now, None
        topic.eligible = await count_eligible(session, topic.community_id, topic.buildings)
        await session.execute(delete(VoteBallot).where(col(VoteBallot.topic_id) == topic.id))
        session.add(topic)
        closed.append(topic)
    return closed


def quorum_reached(topic: VoteTopic) -> bool:
    """Tell whether enough residents voted for the result to count."""
    return sum(topic.counts) >= topic.quorum


async def record_decision(
    session: AsyncSession, *, clock: Clock, topic_id: int, manager: Person, text: str,
    is_manager: bool,
) -> VoteTopic:
    """Append the manager's decision or follow-up (dated) to a closed topic."""
    topic = await load_topic(session, topic_id)
    if not is_manager:
        raise DomainError("vote.not_manager", topic_id=topic_id)
    if topic.closed_at is None:
        raise DomainError("vote.still_open", topic_id=topic_id)
    line = f"{clock.now().date().isoformat()} {text.strip()[:1000]}"
    topic.decision = f"{topic.decision}\n{line}" if topic.decision else line
    session.add(topic)
    return topic


async def topics(session: AsyncSession, community_id: int, *, limit: int = 10) -> list[VoteTopic]:
    """The community's newest topics, open and closed."""
    found = await session.execute(select(VoteTopic).where(
        col(VoteTopic.community_id) == community_id)
        .order_by(col(VoteTopic.id).desc()).limit(limit))
    return list(found.scalars().all())
