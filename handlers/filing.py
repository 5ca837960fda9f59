"""Filing a report: store and route the case, give receipts, and hand the card to the worker."""

from collections.abc import Sequence

from handlers import danger, emergency, media_cards, notify, phone, wish_review
from handlers.cards import (
    Rows,
    address,
    assign_buttons,
    button,
    card_views,
    case_card,
    kind_name,
    track_button,
    worker_buttons,
)
from handlers.context import Context
from handlers.payloads import MeToo
from handlers.steps import ReportDraft
from models import Building, Case, CaseKind, Person, Role, Urgency
from services import case_queries, directory, residents
from services.cases import NewReport, assignable_workers, report_case
from services.followers import FOLLOWABLE


async def file_report(ctx: Context, draft: ReportDraft) -> None:
    """Store the drafted report as a case and tell everyone who needs to know."""
    # Micro-wishes (issue 4) are reviewed before volunteers see them, never dispatched here.
    if draft.kind == CaseKind.WISH:
        await wish_review.file_wish(ctx, draft)
        return
    building: Building | None = None
    if draft.building_id:
        building = await directory.building_in(ctx.session, draft.building_id, None)
    kind = CaseKind(draft.kind)
    report = NewReport(
        text=draft.text, kind=kind, urgency=Urgency(draft.urgency),
        community_id=draft.community_id, building=building,
        building_label=draft.building, unit=draft.unit, room=draft.room,
        source_chat_id=None if ctx.incoming.is_private else ctx.incoming.chat_id,
        source_message_id=draft.message_id,
    )
    reported = await report_case(ctx.session, clock=ctx.clock, reporter=ctx.me, report=report)
    if building is not None and (draft.remember or draft.room):
        await residents.remember_address(ctx.session, person=ctx.me, building=building,
                                         unit=draft.unit, room=draft.room)
    case, assignee = reported.case, reported.assignee
    assert case.id is not None
    await media_cards.keep_draft(ctx, case, draft.media)
    worker = await notify.holder(ctx, case, assignee)
    if kind == CaseKind.EMERGENCY:
        ctx.reply(await danger.numbers(ctx, case.community_id, told=True))
    if ctx.incoming.is_private:
        receipt = ctx.texts("receipt.private", id=case.id, kind=kind_name(ctx, kind),
                            address=address(ctx, case, public=False), worker=worker)
        if kind == CaseKind.EMERGENCY:  # nothing else in an emergency's way
            ctx.reply(receipt)
        else:
            await phone.receipt(ctx, receipt)
    else:
        # Disputes are personal: the group sees only that the case exists.
        key = "receipt.group_private" if kind == CaseKind.DISPUTE else "receipt.group"
        ctx.reply(ctx.texts(key, id=case.id, kind=kind_name(ctx, kind), worker=worker,
                            building=address(ctx, case, public=True)),
                  _receipt_rows(ctx, case), reply_to=ctx.incoming.message_id)
    if kind == CaseKind.REPAIR and case.urgency == Urgency.URGENT:  # numbers and 🆘 too
        ctx.reply(await danger.numbers(ctx, case.community_id, told=False) + "\n"
                  + ctx.texts("danger.urgent_repair"), danger.sos_rows(ctx, case.id))
    if kind == CaseKind.EMERGENCY:  # alert everyone responsible until one takes it
        await emergency.alert(ctx, case, assignee, reported.also_notify)
        if draft.media:  # after the alert: never before it
            await media_cards.show(ctx, case, assignee)
        return
    await hand_over(ctx, case, assignee, reported.also_notify, with_media=bool(draft.media))


def _receipt_rows(ctx: Context, case: Case) -> Rows:
    """跟踪进度, and 我也遇到 for a fault others may share (issue 17)."""
    assert case.id is not None
    if case.kind not in FOLLOWABLE:
        return track_button(ctx, case.id)
    return ((button(ctx, "btn.metoo", MeToo(case.id)),), *track_button(ctx, case.id))


async def hand_over(
    ctx: Context, case: Case, assignee: Person | None, also: Sequence[Person] = (), *,
    with_media: bool = True,
) -> None:
    """Send the card: a worker gets action buttons; a manager gets assignment buttons. The
    media kept with the case come first (`with_media=False`: a new case known to have none)."""
    reporter = await case_queries.person(ctx.session, case.reporter_id)
    if assignee is not None and assignee.id is not None and await directory.has_role(
        ctx.session, assignee.id, Role.WORKER, community_id=case.community_id
    ):
        if with_media:  # the photos, voice, place, then the card
            await media_cards.show(ctx, case, assignee)
        # The card's view of the flat and phone is recorded when it is delivered.
        notify.to_person(ctx, assignee, case_card(ctx, case, reporter, phone=True),
                         worker_buttons(ctx, case), case_id=case.id,
                         views=card_views(case, assignee, phone=True))
    elif assignee is not None:
        if with_media:  # what the resident sent helps to assign it
            await media_cards.show(ctx, case, assignee)
        await send_assign_card(ctx, case, [assignee], header="card.unassigned")
    for person in also:
        notify.to_person(ctx, person, case_card(ctx, case, reporter, phone=False,
                                                header="card.fyi"), case_id=case.id)


async def send_assign_card(
    ctx: Context, case: Case, managers: Sequence[Person], *, header: str, footer: str | None = None
) -> None:
    """Give managers the case with one button per worker they can assign it to."""
    reporter = await case_queries.person(ctx.session, case.reporter_id)
    text = case_card(ctx, case, reporter, phone=False, header=header, footer=footer)
    buttons = assign_buttons(ctx, case, await assignable_workers(ctx.session, case))
    for manager in managers:  # each one's view of the flat is recorded on delivery
        notify.to_person(ctx, manager, text, buttons, case_id=case.id,
                         views=card_views(case, manager, phone=False))
