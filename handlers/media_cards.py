"""Showing a case's media: the resident's photos, voice and map point go privately with the
card to whoever holds the case (re-sent by file_id, never downloaded), and a worker's photos of
the finished work go to the resident before "问题解决了吗？". Never to a group."""

from dataclasses import asdict
from typing import Any

from handlers.context import Writer
from handlers.payloads import ShowMedia
from handlers.renderer import Renderer
from handlers.types import Button, Incoming, Message
from models import Case, CaseMedia, Person
from services import media
from services.outgoing import MAX_ALBUM, Place, SavedPhotos, SavedVoice


def draft_items(items: list[dict[str, Any]]) -> list[media.Item]:
    """Read the media a draft remembers back as items."""
    names = set(media.Item.__dataclass_fields__)
    return [media.Item(**{k: v for k, v in raw.items() if k in names}) for raw in items]


def remembered(item: media.Item) -> dict[str, Any]:
    """An item as a draft remembers it."""
    return asdict(item)


def of_incoming(inc: Incoming) -> list[dict[str, Any]]:
    """The photo, voice or location a message carries, as a draft remembers it (/report or
    /sos written as a photo's caption keeps the photo)."""
    a = inc.attachment
    if a is None:
        return []
    return [remembered(media.Item(kind=a.kind, file_id=a.file_id, latitude=a.latitude,
                                  longitude=a.longitude, album=inc.album))]


async def keep_draft(ctx: Writer, case: Case, items: list[dict[str, Any]]) -> None:
    """Attach what came with the report to its new case."""
    if items and case.id is not None:
        await media.keep(ctx.session, case_id=case.id, added_by_id=case.reporter_id,
                         items=draft_items(items), at=ctx.clock.now())


def messages(ctx: Renderer, case: Case, kept: list[CaseMedia], *, key: str) -> list[Message]:
    """The messages that show these media: albums of up to ten photos, each voice, each point."""
    photos = [m.file_id for m in kept if m.kind == "photo" and m.file_id]
    out: list[Message] = []
    for start in range(0, len(photos), MAX_ALBUM):
        chunk = tuple(photos[start:start + MAX_ALBUM])
        caption = ctx.texts(key, id=case.id, n=len(photos)) if start == 0 else ""
        out.append(Message(caption, media=SavedPhotos(chunk)))
    for m in kept:
        if m.kind == "voice" and m.file_id:
            out.append(Message(ctx.texts("media.voice_caption", id=case.id),
                               media=SavedVoice(m.file_id)))
        elif m.kind == "location" and m.latitude is not None and m.longitude is not None:
            out.append(Message(media=Place(m.latitude, m.longitude)))
    return out


async def show(ctx: Writer, case: Case, person: Person | None) -> None:
    """Send the report's media privately to a staff member (before their card)."""
    if person is None or person.telegram_id is None or case.id is None:
        return
    kept = list(await media.of_case(ctx.session, case.id, media.REPORT))
    for message in messages(ctx, case, kept, key="media.photos_caption"):
        ctx.emit(person.telegram_id, message, case_id=case.id)


async def show_proof(ctx: Writer, case: Case, reporter: Person | None) -> None:
    """Send the worker's photos of the finished work to the resident, privately."""
    if reporter is None or reporter.telegram_id is None or reporter.private_chat_at is None:
        return
    if case.id is None:
        return
    kept = list(await media.of_case(ctx.session, case.id, media.PROOF))
    for message in messages(ctx, case, kept, key="media.proof_caption"):
        ctx.emit(reporter.telegram_id, message, case_id=case.id)


async def show_all(ctx: Writer, case: Case, chat_id: int) -> int:
    """Send everything kept with the case, the report's then the proof, to one chat; return
    how many messages that took."""
    sent = 0
    for purpose, key in ((media.REPORT, "media.photos_caption"),
                         (media.PROOF, "media.proof_caption")):
        kept = list(await media.of_case(ctx.session, case.id or 0, purpose))
        for message in messages(ctx, case, kept, key=key):
            ctx.emit(chat_id, message, case_id=case.id)
            sent += 1
    return sent


def view_button(ctx: Renderer, case: Case, attached: str | None) -> tuple[tuple[Button, ...], ...]:
    """[📷 看照片和语音] under /case, when the case holds any media."""
    if not attached or case.id is None:
        return ()
    return ((Button(ctx.texts("btn.show_media"), data=ShowMedia(case.id).pack()),),)


async def summary(ctx: Writer, case_id: int) -> str | None:
    """One line for /case: what media the case holds (None when it holds none)."""
    kept = await media.of_case(ctx.session, case_id)
    if not kept:
        return None
    def n(kind: str, purpose: str) -> int:
        return sum(1 for m in kept if m.kind == kind and m.purpose == purpose)
    return ctx.texts("media.summary", photos=n("photo", media.REPORT),
                     voices=n("voice", media.REPORT), places=n("location", media.REPORT),
                     proof=n("photo", media.PROOF))
