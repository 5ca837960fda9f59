"""Proof of work (处理后照片): while the bot waits for a worker's note on what was done, photos
are kept with the case; the resident sees them with "问题解决了吗？", /case lists them and the
ledger counts them. Also the rest of an album that already belongs to a case."""

from handlers import notify, wish_volunteers, worker
from handlers.cards import button
from handlers.context import Context
from handlers.payloads import SkipNote
from handlers.steps import OnCase
from handlers.types import Message
from models import CaseAction
from services import case_queries, cases, media, wishes
from services.outgoing import SavedPhotos


async def on_proof(ctx: Context, data: OnCase, item: media.Item) -> None:
    """Keep a photo of the finished work; with a caption, that is the note and the case is
    resolved, else the worker may add words or finish with one tap."""
    if item.kind != "photo":
        ctx.reply(ctx.texts("proof.photos_only"))
        return
    case = await cases.may_act(ctx.session, case_id=data.case_id, action=CaseAction.RESOLVE,
                               actor=ctx.me)
    assert case.id is not None
    if not await media.keep(ctx.session, case_id=case.id, added_by_id=ctx.me.id or 0,
                            items=[item], purpose=media.PROOF, at=ctx.clock.now()):
        ctx.reply(ctx.texts("media.too_many", n=media.MAX_PER_CASE))
        return
    note = ctx.incoming.text.strip()
    if note:
        await worker.resolve(ctx, case.id, note)
        return
    proofs = [m for m in await media.of_case(ctx.session, case.id, media.PROOF)
              if m.kind == "photo"]
    if item.album and sum(1 for m in proofs if m.album == item.album) > 1:
        return  # one answer per album, not one per photo
    n = len(proofs)
    ctx.reply(ctx.texts("proof.kept", id=case.id, n=n),
              ((button(ctx, "btn.proof_done", SkipNote(case.id)),),))


async def on_wish_proof(ctx: Context, data: OnCase, item: media.Item) -> None:
    """Keep a volunteer's photo of the fulfilled wish; with a caption, that is the note."""
    if item.kind != "photo":
        ctx.reply(ctx.texts("proof.photos_only"))
        return
    case, _details = await wishes.wish_for(ctx.session, case_id=data.case_id,
                                           action=CaseAction.RESOLVE, actor=ctx.me)
    assert case.id is not None
    await media.keep(ctx.session, case_id=case.id, added_by_id=ctx.me.id or 0, items=[item],
                     purpose=media.PROOF, at=ctx.clock.now())
    if note := ctx.incoming.text.strip():
        await ctx.stop_waiting()
        await wish_volunteers.fulfilled(ctx, case.id, note)
    elif not item.album or await _first_of_album(ctx, case.id, item.album):
        ctx.reply(ctx.texts("proof.kept_wish", id=case.id))


async def _first_of_album(ctx: Context, case_id: int, album: str) -> bool:
    kept = await media.of_case(ctx.session, case_id, media.PROOF)
    return sum(1 for m in kept if m.album == album) <= 1


async def more_of_album(ctx: Context, item: media.Item) -> bool:
    """Keep a further photo of an album already kept with a case, and pass it on to whoever saw
    the first ones; False when the album is new."""
    assert item.album is not None
    first = await media.album_of(ctx.session, person_id=ctx.me.id or 0, album=item.album)
    if first is None:
        return False
    case = await cases.load_case(ctx.session, first.case_id)
    if not await media.keep(ctx.session, case_id=first.case_id, added_by_id=ctx.me.id or 0,
                            items=[item], purpose=first.purpose, at=ctx.clock.now()):
        return True  # over the limit: the first photos are there, say nothing per photo
    if first.purpose == media.PROOF:
        to = await case_queries.person(ctx.session, case.reporter_id)
        to = to if notify.can_reach_privately(to) else None
        key = "media.more_proof"
    else:
        to = await case_queries.person(ctx.session, case.assignee_id)
        key = "media.more_photos"
    if to is not None and to.telegram_id is not None and item.file_id:
        ctx.emit(to.telegram_id, Message(ctx.texts(key, id=case.id),
                                         media=SavedPhotos((item.file_id,))), case_id=case.id)
    return True
