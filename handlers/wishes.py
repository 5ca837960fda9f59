"""Micro-wishes (微心愿): `/wish` for residents, and for grid workers posting on behalf of a
resident without Telegram; the feature's commands, buttons and steps in one place.

```mermaid
stateDiagram-v2
    [*] --> Intake: resident /wish text (or free text recognised as a wish)
    [*] --> PickResident: worker /wish
    PickResident --> Name: 登记新居民
    Name --> Phone
    Phone --> Address
    Address --> Text
    PickResident --> Text: a registered resident
    Text --> Review: the wish is filed for review (handlers/wish_review.py)
```
"""

from dataclasses import replace

from handlers import intake, wish_review
from handlers.cards import button
from handlers.context import Context
from handlers.feature import Feature
from handlers.payloads import WishFor
from handlers.steps import Asks, ReportDraft, WishPosting, load
from handlers.types import Button
from models import CaseKind, Role
from services import conversation, residents, wish_people
from services.intake import parse_report

STEP_TEXT, STEP_PICK = "wish.text", "wish.pick_resident"
STEP_NAME, STEP_PHONE, STEP_ADDRESS = "wish.name", "wish.phone", "wish.address"


async def on_wish(ctx: Context, args: str) -> None:
    """Start a wish: a worker chooses the resident it is for; a resident just writes it."""
    await ctx.stop_waiting()
    community_id = await wish_people.is_staff_of(ctx.session, ctx.me) if ctx.incoming.is_private \
        else None
    if community_id is not None:
        await ctx.wait(STEP_PICK, WishPosting(text=args.strip()))
        people = await wish_people.registered_residents(ctx.session, community_id)
        rows = [(Button(p.name, data=WishFor(p.id or 0).pack()),)
                for p in people]
        rows.append((button(ctx, "btn.wish_new_resident", WishFor()),))
        ctx.reply(ctx.texts("wish.ask_resident"), tuple(rows))
        return
    if not args.strip():
        await ctx.wait(STEP_TEXT, WishPosting())
        ctx.reply(ctx.texts("wish.ask_text"))
        return
    await _as_resident(ctx, args)


async def _as_resident(ctx: Context, text: str) -> None:
    """Hand the resident's wish to the intake, which asks for a missing building and files it."""
    parsed = parse_report(text)
    await intake.advance(ctx, ReportDraft(
        text=text.strip(), kind=CaseKind.WISH.value, urgency=parsed.urgency.value,
        building=parsed.building, unit=parsed.unit, room=parsed.room,
        message_id=ctx.incoming.message_id, kind_ok=True,
    ))


async def on_for(ctx: Context, payload: WishFor) -> None:
    """Take the worker's choice: a registered resident, or register a new one."""
    waiting = await conversation.current(ctx.session, chat_id=ctx.incoming.chat_id,
                                         user_id=ctx.incoming.sender.id)
    if waiting is None or waiting.step != STEP_PICK:
        ctx.answer(ctx.texts("button.invalid"), alert=True)
        return
    data = load(WishPosting, waiting.data)
    if payload.resident_id == 0:
        ctx.answer()
        await ctx.wait(STEP_NAME, data)
        ctx.edit(ctx.texts("wish.ask_name"))
        return
    resident = await wish_people.resident_for_wish(ctx.session, person_id=payload.resident_id,
                                                   actor=ctx.me)
    ctx.answer()
    ctx.edit(ctx.texts("wish.for_resident", name=resident.name))
    await _text_or_file(ctx, replace(data, resident_id=resident.id))


async def _text_or_file(ctx: Context, data: WishPosting) -> None:
    if not data.text:
        await ctx.wait(STEP_TEXT, data)
        ctx.reply(ctx.texts("wish.ask_text_for"))
        return
    await ctx.stop_waiting()
    assert data.resident_id is not None  # chosen or registered before the words are asked
    resident = await wish_people.resident_for_wish(ctx.session, person_id=data.resident_id,
                                              actor=ctx.me)
    await wish_review.file_for_resident(ctx, resident, data.text)


async def on_text(ctx: Context, step: str, data: WishPosting) -> None:
    """Continue posting a wish: the words, or the new resident's name, phone and address."""
    text = ctx.incoming.text.strip()
    if step == STEP_TEXT and data.resident_id is not None:
        await _text_or_file(ctx, replace(data, text=text))
    elif step == STEP_TEXT:
        await ctx.stop_waiting()
        await _as_resident(ctx, text)
    elif step == STEP_PICK:
        ctx.reply(ctx.texts("intake.use_buttons"))
    elif step == STEP_NAME:
        await ctx.wait(STEP_PHONE, replace(data, name=text[:100]))
        ctx.reply(ctx.texts("wish.ask_phone"))
    elif step == STEP_PHONE:
        phone = residents.valid_phone(text)  # a mistyped number is refused and asked again
        await ctx.wait(STEP_ADDRESS, replace(data, phone=phone))
        ctx.reply(ctx.texts("wish.ask_address"))
    else:
        await _registered(ctx, data, text)


async def _registered(ctx: Context, data: WishPosting, where: str) -> None:
    resident, created = await wish_people.register_resident(
        ctx.session, actor=ctx.me, name=data.name, phone=data.phone, where=where)
    key = "wish.resident_registered" if created else "wish.resident_on_file"
    ctx.reply(ctx.texts(key, name=resident.name, id=resident.id))
    await _text_or_file(ctx, replace(data, resident_id=resident.id))


async def _help(ctx: Context, roles: set[str]) -> list[str]:
    parts = [ctx.texts("help.wish_resident")]
    if Role.VOLUNTEER in roles:
        parts.append(ctx.texts("help.wish_volunteer"))
    if roles & {Role.WORKER, Role.MANAGER}:
        parts.append(ctx.texts("help.wish_worker"))
    if Role.MANAGER in roles:
        parts.append(ctx.texts("help.wish_manager"))
    return parts


# Reviewing (handlers/wish_review.py), claiming and fulfilling (handlers/wish_volunteers.py)
# and points (handlers/points.py) register their own buttons and steps.
FEATURE = Feature(
    name="wishes",
    commands={"wish": on_wish},
    buttons={WishFor: on_for},
    steps={step: Asks(WishPosting, on_text)
           for step in (STEP_TEXT, STEP_PICK, STEP_NAME, STEP_PHONE, STEP_ADDRESS)},
    help=_help,
)
