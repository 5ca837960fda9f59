"""Community notices (社区通知): to every group chat of the community and, if the manager wishes,
privately to each resident who subscribed. Every recipient is one outbox message, so the sender
keeps to Telegram's flood limits and nothing is dropped; the manager's progress message is
edited as deliveries are confirmed."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models import Announcement, AnnouncementDelivery, GroupChat, OutboxMessage, Person
from services import directory, outbox
from services.clock import Clock
from services.errors import DomainError
from services.outgoing import Message

MAX_TEXT = 3500


async def draft(
    session: AsyncSession, *, clock: Clock, actor: Person, community_id: int, text: str,
) -> Announcement:
    """Keep a notice the manager wrote until they choose where it goes."""
    assert actor.id is not None
    if not await directory.is_manager_of(session, actor.id, community_id):
        raise DomainError("staff.not_manager")
    text = text.strip()
    if not text:
        raise DomainError("notice.empty")
    notice = Announcement(community_id=community_id, author_id=actor.id, text=text[:MAX_TEXT],
                          created_at=clock.now())
    session.add(notice)
    await session.flush()
    return notice


async def recipients(
    session: AsyncSession, community_id: int, *, private_too: bool,
) -> list[int]:
    """The chats a notice goes to: the community's groups, then subscribed residents."""
    groups = await session.execute(select(col(GroupChat.chat_id)).where(
        col(GroupChat.community_id) == community_id).order_by(col(GroupChat.chat_id)))
    chats = [int(chat) for chat in groups.scalars().all()]
    if private_too:
        people = await session.execute(select(col(Person.telegram_id)).where(
            col(Person.community_id) == community_id, col(Person.notices_opt_in).is_(True),
            col(Person.telegram_id).is_not(None), col(Person.private_chat_at).is_not(None))
            .order_by(col(Person.id)))
        chats += [int(chat) for chat in people.scalars().all() if chat is not None]
    return chats


@dataclass(frozen=True, slots=True)
class Templates:
    """What recipients and the manager see (already in the manager's language)."""

    notice: Message | dict[str, Any]  # what every recipient gets (or its outbox payload)
    progress: str  # "{done}/{total}"
    done: str  # every recipient reached: "{done}/{total}"
    partial: str  # some could not be reached: "{done}/{total}, {failed}"


async def _own_draft(session: AsyncSession, notice_id: int, author: Person) -> Announcement:
    notice = await session.get(Announcement, notice_id)
    if notice is None or notice.author_id != author.id:
        raise DomainError("notice.not_found")
    if notice.sent_at is not None:
        raise DomainError("notice.already_sent")
    return notice


async def text_of(session: AsyncSession, notice_id: int, *, author: Person) -> str:
    """The text of a draft notice, for its author only."""
    return (await _own_draft(session, notice_id, author)).text


async def discard(session: AsyncSession, *, notice_id: int, author: Person) -> None:
    """Throw a draft away."""
    await session.delete(await _own_draft(session, notice_id, author))


async def send(
    session: AsyncSession, *, clock: Clock, actor: Person, notice_id: int, private_too: bool,
    progress_chat_id: int, templates: Templates,
) -> tuple[Announcement, int]:
    """Queue the notice for every recipient, once; return it and how many recipients."""
    notice = await _own_draft(session, notice_id, actor)
    assert actor.id is not None
    if not await directory.is_manager_of(session, actor.id, notice.community_id):
        raise DomainError("staff.not_manager")
    now = clock.now()
    claimed = await session.execute(
        update(Announcement).where(col(Announcement.id) == notice_id,
                                   col(Announcement.sent_at).is_(None))
        .values(sent_at=now).execution_options(synchronize_session=False))
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise DomainError("notice.already_sent")
    chats = await recipients(session, notice.community_id, private_too=private_too)
    progress = outbox.enqueue(  # the answer to the manager who pressed send: before the rest
        session, chat_id=progress_chat_id, at=now, priority=outbox.REPLY,
        payload=Message(templates.progress.format(done=0, total=len(chats))).to_json())
    wording = templates.notice
    notice_payload = wording.to_json() if isinstance(wording, Message) else wording
    rows = [outbox.enqueue(session, chat_id=chat, payload=notice_payload, at=now)
            for chat in chats]
    await session.flush()
    assert notice.id is not None and progress.id is not None
    session.add_all([AnnouncementDelivery(announcement_id=notice.id, chat_id=row.chat_id,
                                          outbox_id=row.id or 0) for row in rows])
    notice.private_too, notice.sent_at = private_too, now
    notice.progress_chat_id, notice.progress_outbox_id = progress_chat_id, progress.id
    notice.progress_template, notice.done_template = templates.progress, templates.done
    notice.partial_template = templates.partial
    if not chats:
        notice.finished_at = now
    session.add(notice)
    return notice, len(chats)


@dataclass(frozen=True, slots=True)
class Progress:
    """How far one notice has got."""

    total: int
    sent: int
    failed: int

    @property
    def finished(self) -> bool:
        """Every recipient was either reached or given up on."""
        return self.sent + self.failed >= self.total


async def progress_of(session: AsyncSession, notice_id: int) -> Progress:
    """Count the notice's deliveries by outcome."""
    row = (await session.execute(
        select(func.count(), func.count(col(OutboxMessage.sent_at)),
               func.count(col(OutboxMessage.failed_at)))
        .select_from(AnnouncementDelivery)
        .join(OutboxMessage, col(OutboxMessage.id) == col(AnnouncementDelivery.outbox_id))
        .where(col(AnnouncementDelivery.announcement_id) == notice_id))).one()
    return Progress(total=int(row[0]), sent=int(row[1]), failed=int(row[2]))


async def report_progress(session: AsyncSession, *, now: datetime) -> int:
    """Tell managers how their notices are going: edit the progress message when more were
    delivered, and say so once all are; return how many notices were reported on."""
    result = await session.execute(select(Announcement).where(
        col(Announcement.sent_at).is_not(None), col(Announcement.finished_at).is_(None)))
    reported = 0
    for notice in result.scalars().all():
        assert notice.id is not None and notice.progress_chat_id is not None
        state = await progress_of(session, notice.id)
        handled = state.sent + state.failed
        if handled <= notice.reported_done and not state.finished:
            continue
        message = await session.get(OutboxMessage, notice.progress_outbox_id)
        if message is not None and message.sent_message_id is not None:
            outbox.enqueue(session, chat_id=notice.progress_chat_id, at=now, payload=Message(
                notice.progress_template.format(done=state.sent, total=state.total),
                edit_message_id=message.sent_message_id).to_json())
        if state.finished:
            template = notice.partial_template if state.failed else notice.done_template
            outbox.enqueue(session, chat_id=notice.progress_chat_id, at=now, payload=Message(
                template.format(done=state.sent, total=state.total, failed=state.failed)).to_json())
            notice.finished_at = now
        notice.reported_done = handled
        session.add(notice)
        reported += 1
    return reported


async def subscribe(session: AsyncSession, *, person: Person, on: bool) -> None:
    """A resident turns private notices on or off."""
    person.notices_opt_in = on
    session.add(person)
