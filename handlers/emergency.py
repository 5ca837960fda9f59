"""Emergencies (紧急求助) that cannot be missed: the grid worker, the community managers and the
sub-district admins are alerted at once, each with a 我来处理 button; the alert repeats (the
scheduler's job) until one of them presses it, and the others then see who took it."""

from collections.abc import Sequence

from handlers import notify
from handlers.cards import Rows, case_card, local, worker_buttons
from handlers.context import Context, Writer
from handlers.feature import Feature
from handlers.payloads import TakeEmergency
from handlers.renderer import Renderer
from handlers.texts import Texts
from handlers.types import Button
from models import Case, Person
from services import audit, case_queries, emergencies


def ack_button(texts: Texts, case_id: int) -> Rows:
    """The one big button every alerted person gets."""
    return ((Button(texts("emergency.btn_ack"), data=TakeEmergency(case_id).pack()),),)


def repeat_text(r: Renderer, case: Case, times: int) -> str:
    """The alert sent again while nobody has taken the emergency."""
    address = "".join(part for part in (
        r.texts("address.building", building=case.building_label)
        if case.building_label else r.texts("address.none"),
        r.texts("address.unit", unit=case.unit) if case.unit else "",
        r.texts("address.room", room=case.room) if case.room else "") if part)
    return r.texts("emergency.repeat", id=case.id, times=times, address=address,
                   text=case.text[:300])


async def alert(
    ctx: Writer, case: Case, assignee: Person | None, also: Sequence[Person], *,
    header: str = "emergency.alert",
) -> None:
    """Alert everyone responsible at once and start the repeats (filing calls this; so does
    the job that files a danger question left unanswered, with its own header)."""
    people = await emergencies.recipients_for(ctx.session, assignee=assignee, also=also)
    now = ctx.clock.now()
    await emergencies.open_alert(ctx.session, case_id=case.id or 0, recipients=people, at=now)
    reporter = await case_queries.person(ctx.session, case.reporter_id)
    # Every responder may need to call the resident: each sees the phone, and that is recorded.
    text = case_card(ctx, case, reporter, phone=True, header=header)
    for person in people:
        notify.to_person(ctx, person, text, ack_button(ctx.texts, case.id or 0), case_id=case.id)
        if person.id is not None and reporter is not None and reporter.phone:
            await audit.record_view(ctx.session, viewer_id=person.id, at=now, what="phone",
                                    subject_id=reporter.id, case_id=case.id)


async def on_ack(ctx: Context, payload: TakeEmergency) -> None:
    """我来处理: the first press takes the case; everyone else is told who did."""
    case, taken = await emergencies.acknowledge(ctx.session, clock=ctx.clock,
                                                case_id=payload.case_id, actor=ctx.me,
                                                note=ctx.texts("emergency.ack_note"))
    ctx.answer(ctx.texts("emergency.ack_toast", id=case.id))
    reporter = await case_queries.person(ctx.session, case.reporter_id)
    ctx.edit(case_card(ctx, case, reporter, phone=True, header="emergency.alert",
                       footer=ctx.texts("emergency.you_took_it")), worker_buttons(ctx, case))
    when = local(ctx, taken.acknowledged_at)
    others = [p for p in await emergencies.recipients_of(ctx.session, taken) if p.id != ctx.me.id]
    notify.to_people(ctx, others, ctx.texts("emergency.taken_by", id=case.id, name=ctx.me.name,
                                            time=when), case_id=case.id)
    notify.to_reporter(ctx, case, reporter,
                       (ctx.texts("emergency.resident_taken", id=case.id, name=ctx.me.name), ()),
                       (ctx.texts("emergency.resident_taken", id=case.id, name=ctx.me.name), ()))


FEATURE = Feature(name="emergency", buttons={TakeEmergency: on_ack})
