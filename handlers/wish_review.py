"""A wish comes in and is reviewed: filed for review (never dispatched like a repair), approved
with public wording and points, or declined with a reason; approved wishes go to the volunteers.

```mermaid
stateDiagram-v2
    [*] --> New: resident writes a wish, or a worker posts one for them
    New --> New: reviewer rewrites the public wording / sets points
    New --> Published: 通过 (volunteers and their group get the card)
    New --> Cancelled: 不通过 + reason (the resident is told)
```
"""

from collections.abc import Sequence

from handlers import notify, phone, skills
from handlers.cards import Rows, track_button
from handlers.context import Context
from handlers.feature import Feature
from handlers.payloads import ApproveWish, DeclineWish, EditWish, WishPoints
from handlers.steps import Asks, OnCase, ReportDraft
from handlers.wish_cards import (
    claim_button,
    public_card,
    review_buttons,
    review_card,
    tell_resident,
)
from models import Building, Case, CaseKind, Person, Urgency, WishDetails
from services import case_queries, directory, residents, wish_people, wishes
from services.cases import NewReport

STEP_PUBLIC, STEP_DECLINE = "wish.public_text", "wish.decline_reason"


async def file_wish(ctx: Context, draft: ReportDraft) -> None:
    """Store a wish the intake understood and send it for review."""
    building: Building | None = None
    if draft.building_id:
        building = await directory.building_in(ctx.session, draft.building_id, None)
    report = NewReport(
        text=draft.text, kind=CaseKind.WISH, urgency=Urgency.NORMAL,
        community_id=draft.community_id, building=building,
        building_label=draft.building, unit=draft.unit, room=draft.room,
        source_chat_id=None if ctx.incoming.is_private else ctx.incoming.chat_id,
        source_message_id=draft.message_id)
    submitted = await wishes.submit_wish(ctx.session, clock=ctx.clock, reporter=ctx.me,
                                         report=report)
    if building is not None and (draft.remember or draft.room):
        await residents.remember_address(ctx.session, person=ctx.me, building=building,
                                         unit=draft.unit, room=draft.room)
    case = submitted.case
    assert case.id is not None
    if ctx.incoming.is_private:  # the volunteer will need to reach the resident: ask once
        await phone.receipt(ctx, ctx.texts("wish.received", id=case.id))
    else:  # the group sees only that a wish exists: no words, no name, no flat
        ctx.reply(ctx.texts("wish.received_group", id=case.id), track_button(ctx, case.id),
                  reply_to=ctx.incoming.message_id)
    await send_for_review(ctx, case, submitted.details, submitted.reviewers)


async def file_for_resident(ctx: Context, resident: Person, text: str) -> None:
    """Store a wish a worker posts for a resident without Telegram, and send it for review."""
    building = await directory.building_in(ctx.session, resident.building_id, None) \
        if resident.building_id else None
    report = NewReport(text=text, kind=CaseKind.WISH, urgency=Urgency.NORMAL,
                       community_id=resident.community_id, building=building,
                       unit=resident.unit, room=resident.room)
    submitted = await wishes.submit_wish(ctx.session, clock=ctx.clock, reporter=resident,
                                         report=report, posted_by=ctx.me)
    ctx.reply(ctx.texts("wish.posted_for", id=submitted.case.id, name=resident.name))
    await send_for_review(ctx, submitted.case, submitted.details, submitted.reviewers)


async def send_for_review(
    ctx: Context, case: Case, details: WishDetails, reviewers: Sequence[Person]
) -> None:
    """Give the reviewers the wish with its proposed public wording and points."""
    text, buttons = await _review(ctx, case, details)
    notify.to_people(ctx, reviewers, text, buttons, case_id=case.id)


async def _review(ctx: Context, case: Case, details: WishDetails) -> tuple[str, Rows]:
    reporter = await case_queries.person(ctx.session, case.reporter_id)
    poster = await case_queries.person(ctx.session, details.posted_by_id)
    return review_card(ctx, case, details, reporter, poster), review_buttons(ctx, case, details)


async def on_points(ctx: Context, payload: WishPoints) -> None:
    """Set how many points the wish is worth."""
    case, details = await wishes.set_points(ctx.session, case_id=payload.case_id, actor=ctx.me,
                                            value=payload.points)
    ctx.answer(ctx.texts("wish.points_set", points=details.points))
    ctx.edit(*await _review(ctx, case, details))


async def on_edit(ctx: Context, payload: EditWish) -> None:
    """Ask for the public wording."""
    case, details = await wishes.reviewable(ctx.session, payload.case_id, ctx.me)
    await ctx.wait(STEP_PUBLIC, OnCase(case.id or 0))
    ctx.answer()
    ctx.reply(ctx.texts("wish.ask_public", id=case.id, text=details.public_text or "-"))


async def on_decline(ctx: Context, payload: DeclineWish) -> None:
    """Ask why the wish is declined."""
    case, _details = await wishes.reviewable(ctx.session, payload.case_id, ctx.me)
    await ctx.wait(STEP_DECLINE, OnCase(case.id or 0))
    ctx.answer()
    ctx.reply(ctx.texts("wish.ask_decline", id=case.id))


async def on_text(ctx: Context, step: str, data: OnCase) -> None:
    """Take the reviewer's public wording or reason for declining."""
    await ctx.stop_waiting()
    text = ctx.incoming.text.strip()
    if step == STEP_PUBLIC:
        case, details = await wishes.set_public_text(ctx.session, case_id=data.case_id,
                                                     actor=ctx.me, text=text)
        ctx.reply(*await _review(ctx, case, details))
        return
    case, details = await wishes.decline_wish(ctx.session, clock=ctx.clock,
                                              case_id=data.case_id, actor=ctx.me, reason=text)
    ctx.reply(ctx.texts("wish.declined_staff", id=case.id))
    await tell_resident(ctx, case, details,
                        (ctx.texts("wish.declined", id=case.id, reason=text), ()),
                        (ctx.texts("wish.declined_group", id=case.id), ()))


async def on_approve(ctx: Context, payload: ApproveWish) -> None:
    """Publish the wish: the volunteers and their group get the card; the resident is told."""
    case, details = await wishes.approve_wish(ctx.session, clock=ctx.clock,
                                              case_id=payload.case_id, actor=ctx.me)
    reached = await skills.offer_to_matching(ctx, case, details)  # skills first (issue 20)
    if reached is None:
        reached = await publish(ctx, case, details)
    ctx.answer()
    ctx.edit(ctx.texts("wish.published_staff", id=case.id, count=reached))
    await tell_resident(ctx, case, details,
                        (ctx.texts("wish.approved", id=case.id, text=details.public_text), ()),
                        (ctx.texts("wish.approved_group", id=case.id), ()))


async def publish(ctx: Context, case: Case, details: WishDetails,
                  header: str = "wish.public_header", skip: int | None = None) -> int:
    """Send the public card to each reachable volunteer (but `skip`) and each volunteers' group;
    return how many volunteers were reached."""
    text = await public_card(ctx, case, details, header)
    buttons = claim_button(ctx, case.id or 0)
    reachable = [p for p in await wish_people.volunteers(ctx.session, case.community_id)
                 if notify.can_reach_privately(p) and p.id != skip]
    notify.to_people(ctx, reachable, text, buttons, case_id=case.id)
    for chat_id in await wish_people.volunteer_groups(ctx.session, case.community_id):
        ctx.send(chat_id, text, buttons, case_id=case.id)
    return len(reachable)


FEATURE = Feature(
    name="wish_review",
    buttons={ApproveWish: on_approve, EditWish: on_edit, WishPoints: on_points,
             DeclineWish: on_decline},
    steps={STEP_PUBLIC: Asks(OnCase, on_text), STEP_DECLINE: Asks(OnCase, on_text)},
)
