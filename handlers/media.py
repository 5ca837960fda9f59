"""What residents send besides words. A photo with a caption is a report with the photo; a photo,
a voice message or a location alone starts a report and asks, with big buttons, what it is and
where (the remembered building first); an album is one case. A worker waiting to write what was
done may send photos of the finished work (handlers/proof.py). A contact is a phone number
(handlers/phone.py). What the bot cannot take (stickers, videos…) gets a polite answer.

```mermaid
stateDiagram-v2
    [*] --> Report: photo / voice / location, nothing pending
    Report --> Intake: with a caption (read like text; an emergency goes first)
    Report --> AskKind: no words
    AskKind --> AskBuilding: kind chosen (emergencies skip it)
    AskBuilding --> File: building / public area
    [*] --> Draft: a report is being asked about
    Draft --> Draft: photo kept with it
    [*] --> Album: more photos of an album already filed
    [*] --> Proof: the worker is asked what was done
```
"""

from handlers import danger, disputes, intake, media_cards, phone, proof, wish_volunteers, worker
from handlers.cards import button, record_card_view
from handlers.context import Context
from handlers.feature import Feature
from handlers.payloads import CancelReport, PickKind, ShowMedia
from handlers.steps import DisputeDraft, OnCase, ReportDraft, load
from handlers.types import Button, Incoming
from models import Building, CaseKind, Urgency
from services import case_queries, conversation, directory, media

# The kinds offered for a report without words, most common first, emergencies last and apart.
KIND_ORDER = (CaseKind.REPAIR, CaseKind.OTHER, CaseKind.WISH, CaseKind.DISPUTE)
MAX_DRAFT_PHOTOS = 10


def item_of(inc: Incoming) -> media.Item:
    """The media of an incoming message as an item to keep."""
    return media_cards.draft_items(media_cards.of_incoming(inc))[0]


async def on_media(ctx: Context) -> bool:
    """Take a photo, voice, location, contact or unsupported message; False for group chatter
    not addressed to the bot (an emergency caption is still overheard by intake)."""
    inc = ctx.incoming
    if not inc.is_private and not (inc.mentions_bot or inc.reply_to_bot):
        return False
    if inc.contact is not None:
        await phone.on_contact(ctx)
        return True
    if inc.attachment is None:
        ctx.reply(ctx.texts("media.unsupported"))
        return True
    item = item_of(inc)
    waiting = await conversation.current(ctx.session, chat_id=inc.chat_id, user_id=inc.sender.id)
    caption = inc.text.replace(f"@{ctx.bot_username}", " ").strip()
    if waiting is not None and caption and danger.is_group_emergency(caption):
        # An emergency's words never wait behind a question the bot asked before.
        await ctx.stop_waiting()
        await intake.start_report(ctx, caption, media=[media_cards.remembered(item)])
    elif waiting is not None and waiting.step in intake.STEPS:
        await _add_to_draft(ctx, waiting.step, load(ReportDraft, waiting.data), item)
    elif waiting is not None and waiting.step == worker.STEP_NOTE:
        await proof.on_proof(ctx, load(OnCase, waiting.data), item)
    elif waiting is not None and waiting.step == wish_volunteers.STEP_DONE:
        await proof.on_wish_proof(ctx, load(OnCase, waiting.data), item)
    elif waiting is not None and waiting.step in disputes.FEATURE.steps:
        await _add_to_dispute(ctx, waiting.step, load(DisputeDraft, waiting.data), item)
    elif item.album and await proof.more_of_album(ctx, item):
        pass  # the rest of an album already kept with a case
    elif waiting is not None:  # another question waits for words
        ctx.reply(ctx.texts("media.not_now"))
    else:
        await _new_report(ctx, item)
    return True


async def _new_report(ctx: Context, item: media.Item) -> None:
    """Start a report from media: read the caption like text, or ask what and where."""
    text = ctx.incoming.text.replace(f"@{ctx.bot_username}", " ").strip()
    if text:
        await intake.start_report(ctx, text, media=[media_cards.remembered(item)])
        return
    placeholder = {"photo": "media.text_photo", "voice": "media.text_voice",
                   "location": "media.text_location"}[item.kind]
    seconds = ctx.incoming.attachment.duration if ctx.incoming.attachment else None
    draft = ReportDraft(text=ctx.texts(placeholder, seconds=seconds or 0),
                        message_id=ctx.incoming.message_id, media=[media_cards.remembered(item)],
                        ask_where=True)
    if item.kind == "location":  # the nearest building is proposed; else the point says where
        near = await _nearest(ctx, item)
        draft.public_area = near is None
        if near is not None:
            draft.near_building_id, draft.community_id = near.id, near.community_id
    await _ask_kind(ctx, draft, item.kind)


async def _nearest(ctx: Context, item: media.Item) -> Building | None:
    """The building nearest a shared location (in the group's community, in a group)."""
    assert item.latitude is not None and item.longitude is not None
    community = (None if ctx.incoming.is_private
                 else await directory.community_of_chat(ctx.session, ctx.incoming.chat_id))
    return await media.nearest_building(ctx.session, latitude=item.latitude,
                                        longitude=item.longitude,
                                        community_id=community.id if community else None)


async def _ask_kind(ctx: Context, draft: ReportDraft, kind: str) -> None:
    """Ask what it is about, one big button per kind, emergencies last and apart."""
    await ctx.wait(intake.STEP_KIND, draft)
    rows = [(Button(ctx.texts(f"kind.{k}"), data=PickKind(k.value).pack()),) for k in KIND_ORDER]
    rows.append((Button(ctx.texts("media.kind_emergency"),
                        data=PickKind(CaseKind.EMERGENCY.value).pack()),))
    rows.append((button(ctx, "btn.cancel", CancelReport()),))
    ctx.reply(ctx.texts(f"media.ask_kind_{kind}"), tuple(rows))


async def _add_to_draft(ctx: Context, step: str, draft: ReportDraft, item: media.Item) -> None:
    """Keep media with the report being asked about; a location answers "where"."""
    same_album = item.album is not None and any(m.get("album") == item.album
                                                for m in draft.media)
    photos = sum(1 for m in draft.media if m.get("kind") == "photo")
    if item.kind == "photo" and photos >= MAX_DRAFT_PHOTOS:
        if not same_album:
            ctx.reply(ctx.texts("media.too_many", n=MAX_DRAFT_PHOTOS))
        return
    draft.media.append(media_cards.remembered(item))
    if caption := ctx.incoming.text.strip():  # the words answer the question, as typed
        if step == intake.STEP_TEXT:
            await intake.start_report(ctx, caption, media=draft.media)
        else:
            await ctx.wait(step, draft)
            await intake.on_text(ctx, step, draft)
        return
    if item.kind == "location" and step == intake.STEP_BUILDING:
        # The answer to "which building?": the nearest one, else the point on the map says where.
        near = await _nearest(ctx, item)
        if near is not None and near.community_id == draft.community_id:
            draft.building_id, draft.building, draft.remember = near.id, near.number, False
        else:
            draft.public_area = True
        await intake.advance(ctx, draft)
        return
    if draft.kind == CaseKind.EMERGENCY and draft.kind_ok:
        draft.urgency = Urgency.URGENT.value
    await ctx.wait(step, draft)
    if not same_album:
        ctx.reply(ctx.texts("media.kept_with_draft"))


async def _add_to_dispute(ctx: Context, step: str, draft: DisputeDraft, item: media.Item) -> None:
    """Keep a photo or voice with a dispute being asked about (for its mediator only)."""
    same_album = item.album is not None and any(m.get("album") == item.album
                                                for m in draft.media)
    if len(draft.media) >= MAX_DRAFT_PHOTOS:
        if not same_album:
            ctx.reply(ctx.texts("media.too_many", n=MAX_DRAFT_PHOTOS))
        return
    draft.media.append(media_cards.remembered(item))
    await ctx.wait(step, draft)
    if ctx.incoming.text.strip():  # the words answer the question, as typed
        await disputes.on_step(ctx, step, draft)
    elif not same_album:
        ctx.reply(ctx.texts("media.kept_with_draft"))


async def on_show_media(ctx: Context, payload: ShowMedia) -> None:
    """Send the case's photos, voice and map point to someone who may see its details (a
    dispute's: only whoever holds it); the view is recorded."""
    case = await case_queries.find_case(ctx.session, payload.case_id)
    access = await case_queries.access_to(ctx.session, case, ctx.me) if case else None
    if case is None or access is None or not access.details or (
            case.kind == CaseKind.DISPUTE and ctx.me.id not in (case.assignee_id,
                                                                case.reporter_id)):
        ctx.answer(ctx.texts("button.not_for_you"), alert=True)
        return
    ctx.answer()
    if await media_cards.show_all(ctx, case, ctx.incoming.chat_id):
        await record_card_view(ctx, case, ctx.me, phone=False)


async def _help(ctx: Context, roles: set[str]) -> list[str]:
    return [ctx.texts("help.media")]


FEATURE = Feature(name="media", buttons={ShowMedia: on_show_media}, help=_help)
