"""Mediators at work: accept, schedule a session, record the outcome (agreement, partial,
failed → next tier, referred outside); managers change the tier; parties answer the follow-up."""

from typing import Any

from handlers import notify
from handlers.cards import Rows, button, confirm_buttons, confirm_question, local
from handlers.context import Context
from handlers.dispute_cards import (
    dispute_card,
    mediator_buttons,
    record_views,
    tier_buttons,
    tier_name,
)
from handlers.feature import Feature
from handlers.payloads import (
    AgreementBroken,
    AgreementHeld,
    ChangeTier,
    MediateAccept,
    MediateAgreed,
    MediateFailed,
    MediateOutcome,
    MediatePartial,
    MediateRefer,
    MediateSchedule,
)
from handlers.retire import chats_of, retire_cards
from handlers.steps import Asks, OnCase, Referral
from models import Case, CaseAction, MediatorTier, Person
from services import case_queries, cases, disputes
from services import mediation as service
from services.tiers import ORDER

STEP_SCHEDULE, STEP_AGREEMENT = "dispute.session", "dispute.agreement"
STEP_PARTIAL, STEP_REFER = "dispute.partial_note", "dispute.refer_reason"
STEPS = (STEP_SCHEDULE, STEP_AGREEMENT, STEP_PARTIAL, STEP_REFER)


def buttons_for(ctx: Context, case: Case) -> Rows:
    """The mediator's buttons for the case as it is now."""
    return mediator_buttons(ctx, case)


async def _mine(ctx: Context, case_id: int, action: CaseAction) -> Case:
    return await service.mediators_case(ctx.session, case_id=case_id, action=action, actor=ctx.me)


async def _card(ctx: Context, case: Case, header: str, footer: str | None = None) -> str:
    details = await disputes.details_of(ctx.session, case.id or 0)
    reporter = await case_queries.person(ctx.session, case.reporter_id)
    return dispute_card(ctx, case, reporter, details, header=header, footer=footer, phone=True)


async def _tell_reporter(ctx: Context, case: Case, text: str, buttons: Rows = ()) -> None:
    reporter = await case_queries.person(ctx.session, case.reporter_id)
    notify.to_reporter(ctx, case, reporter, (text, buttons))


async def _hand_to(ctx: Context, case: Case, mediator: Person, header: str) -> None:
    """Give a (new) mediator the card to accept, recording that they saw it."""
    notify.to_person(ctx, mediator, await _card(ctx, case, header), mediator_buttons(ctx, case),
                     case_id=case.id)
    await record_views(ctx, case, [mediator])


async def on_accept(ctx: Context, payload: MediateAccept) -> None:
    """The mediator takes the dispute; the resident is told who will mediate."""
    await _mine(ctx, payload.case_id, CaseAction.ACCEPT)
    case = await cases.accept_case(ctx.session, clock=ctx.clock, case_id=payload.case_id,
                                   actor=ctx.me)
    ctx.answer(ctx.texts("dispute.accepted_toast", id=case.id))
    ctx.edit(await _card(ctx, case, "dispute.card_new", ctx.texts("card.footer_accepted")),
             mediator_buttons(ctx, case))
    await _tell_reporter(ctx, case, ctx.texts("dispute.resident_accepted", id=case.id,
                                              name=ctx.me.name))


async def _ask(ctx: Context, case_id: int, action: CaseAction, step: str, key: str,
               target: str | None = None) -> None:
    case = await _mine(ctx, case_id, action)
    cid = case.id or 0
    await ctx.wait(step, OnCase(cid) if target is None else Referral(cid, target))
    ctx.answer()
    ctx.reply(ctx.texts(key, id=case.id))


async def on_schedule(ctx: Context, payload: MediateSchedule) -> None:
    """Ask the date, time and place of the session."""
    await _ask(ctx, payload.case_id, CaseAction.SCHEDULE, STEP_SCHEDULE, "dispute.ask_session")


async def on_outcome(ctx: Context, payload: MediateOutcome) -> None:
    """Show the possible outcomes."""
    case = await _mine(ctx, payload.case_id, CaseAction.SCHEDULE)
    cid = case.id or 0
    ctx.answer()
    ctx.reply(ctx.texts("dispute.ask_outcome", id=cid), (
        (button(ctx, "dispute.btn_agreed", MediateAgreed(cid)),),
        (button(ctx, "dispute.btn_partial", MediatePartial(cid)),),
        (button(ctx, "dispute.btn_failed", MediateFailed(cid)),),
        (button(ctx, "dispute.btn_refer", MediateRefer(cid)),)))


async def on_agreed(ctx: Context, payload: MediateAgreed) -> None:
    """Ask the agreement's text."""
    await _ask(ctx, payload.case_id, CaseAction.RESOLVE, STEP_AGREEMENT, "dispute.ask_agreement")


async def on_partial(ctx: Context, payload: MediatePartial) -> None:
    """Ask what was agreed and what is still open."""
    await _ask(ctx, payload.case_id, CaseAction.SCHEDULE, STEP_PARTIAL, "dispute.ask_partial")


async def on_failed(ctx: Context, payload: MediateFailed) -> None:
    """Mediation failed: the next tier's mediator gets the dispute."""
    case, mediator, tier = await service.escalate(ctx.session, clock=ctx.clock,
                                                  case_id=payload.case_id, actor=ctx.me,
                                                  note=None)
    ctx.answer()
    ctx.edit(ctx.texts("dispute.escalated", id=case.id, tier=tier_name(ctx, tier),
                       name=mediator.name))
    await _hand_to(ctx, case, mediator, "dispute.card_escalated")
    await _tell_reporter(ctx, case, ctx.texts("dispute.resident_escalated", id=case.id,
                                              tier=tier_name(ctx, tier), name=mediator.name))


async def on_refer(ctx: Context, payload: MediateRefer) -> None:
    """Show where a dispute can be referred, then ask why."""
    if payload.target in service.REFER_TARGETS:
        target = payload.target
        await _ask(ctx, payload.case_id, CaseAction.REFER, STEP_REFER, "dispute.ask_refer_reason",
                   target=target)
        return
    case = await _mine(ctx, payload.case_id, CaseAction.REFER)
    ctx.answer()
    ctx.reply(ctx.texts("dispute.ask_refer_target", id=case.id), tuple(
        (button(ctx, f"dispute.target.{t}", MediateRefer(case.id or 0, t)),)
        for t in service.REFER_TARGETS))


async def on_text(ctx: Context, step: str, data: OnCase) -> None:
    """Take the mediator's typed session, agreement, note or reason."""
    text = ctx.incoming.text.strip()
    case_id = data.case_id
    if step == STEP_SCHEDULE:
        parsed = service.parse_session(text, now=ctx.clock.now(), tz=ctx.tz)
        if parsed is None:
            ctx.reply(ctx.texts("dispute.session_not_understood"))
            return
        await ctx.stop_waiting()
        await _scheduled(ctx, case_id, *parsed)
        return
    if not text:
        return
    await ctx.stop_waiting()
    if step == STEP_AGREEMENT:
        case, _details = await service.record_agreement(ctx.session, clock=ctx.clock,
                                                        case_id=case_id, actor=ctx.me, text=text)
        ctx.reply(ctx.texts("dispute.agreement_recorded", id=case.id))
        await _tell_reporter(ctx, case, confirm_question(ctx, case),
                             confirm_buttons(ctx, case_id))
    elif step == STEP_PARTIAL:
        case = await service.record_partial(ctx.session, clock=ctx.clock, case_id=case_id,
                                            actor=ctx.me, note=text)
        ctx.reply(ctx.texts("dispute.partial_recorded", id=case.id), mediator_buttons(ctx, case))
        await _tell_reporter(ctx, case, ctx.texts("dispute.resident_partial", id=case.id))
    elif isinstance(data, Referral):
        target = data.target
        case = await service.refer(ctx.session, clock=ctx.clock, case_id=case_id, actor=ctx.me,
                                   target=target, reason=text)
        where = ctx.texts(f"dispute.target.{target}")
        ctx.reply(ctx.texts("dispute.referred", id=case.id, target=where))
        await _tell_reporter(ctx, case, ctx.texts("dispute.resident_referred", id=case.id,
                                                  target=where, reason=text))


async def _scheduled(ctx: Context, case_id: int, at: Any, place: str) -> None:
    when = local(ctx, at)
    case, details = await service.schedule(ctx.session, clock=ctx.clock, case_id=case_id,
                                           actor=ctx.me, at=at, place=place,
                                           note=f"{when} {place}")
    ctx.reply(ctx.texts("dispute.scheduled", id=case.id, time=when, place=place),
              mediator_buttons(ctx, case))
    line = ctx.texts("dispute.session_notice", id=case.id, time=when, place=place,
                     name=ctx.me.name)
    await _tell_reporter(ctx, case, line)
    other = await case_queries.person(ctx.session, details.other_party_id)
    if notify.can_reach_privately(other):
        notify.to_person(ctx, other, ctx.texts("dispute.session_invite", time=when, place=place,
                                               name=ctx.me.name), case_id=case.id)
    else:
        ctx.reply(ctx.texts("dispute.other_not_reachable"))


async def on_tier(ctx: Context, payload: ChangeTier) -> None:
    """A manager moves the dispute to another tier; that tier's mediator gets it."""
    if payload.tier not in ORDER:
        ctx.answer(ctx.texts("button.invalid"), alert=True)
        return
    previous = (await cases.load_case(ctx.session, payload.case_id)).assignee_id
    case, mediator = await service.change_tier(ctx.session, clock=ctx.clock,
                                               case_id=payload.case_id, actor=ctx.me,
                                               tier=MediatorTier(payload.tier))
    ctx.answer()
    details = await disputes.details_of(ctx.session, case.id or 0)
    tier = tier_name(ctx, details.tier)
    ctx.edit(ctx.texts("dispute.tier_changed", id=case.id, tier=tier, name=mediator.name),
             tier_buttons(ctx, case, details))
    await _hand_to(ctx, case, mediator, "dispute.card_tier_changed")
    if previous is None or previous == mediator.id:
        return
    # The hand-over is told: the old mediator's card loses its buttons, the resident learns who
    # mediates now.
    old = await case_queries.person(ctx.session, previous)
    gone = ctx.texts("dispute.moved_away", id=case.id, tier=tier, name=mediator.name)
    await retire_cards(ctx, case.id or 0, gone, chat_ids=chats_of([old]))
    notify.to_person(ctx, old, gone, case_id=case.id)
    await _tell_reporter(ctx, case, ctx.texts("dispute.resident_tier_changed", id=case.id,
                                              tier=tier, name=mediator.name))


async def on_followup(ctx: Context, payload: AgreementHeld | AgreementBroken) -> None:
    """A party answers the follow-up: held, or broken (the dispute reopens to its mediator)."""
    held = isinstance(payload, AgreementHeld)
    case, _details = await service.answer_followup(ctx.session, clock=ctx.clock,
                                                   case_id=payload.case_id, actor=ctx.me,
                                                   held=held)
    ctx.answer()
    if held:
        ctx.edit(ctx.texts("dispute.followup_thanks", id=case.id))
        return
    ctx.edit(ctx.texts("dispute.followup_reopened", id=case.id))
    mediator = await case_queries.person(ctx.session, case.assignee_id)
    if mediator is not None:
        await _hand_to(ctx, case, mediator, "dispute.card_relapsed")


FEATURE = Feature(name="mediation", buttons={
    MediateAccept: on_accept, MediateSchedule: on_schedule,
    MediateOutcome: on_outcome, MediateAgreed: on_agreed,
    MediatePartial: on_partial, MediateFailed: on_failed,
    MediateRefer: on_refer, ChangeTier: on_tier,
    AgreementHeld: on_followup, AgreementBroken: on_followup,
}, steps={STEP_SCHEDULE: Asks(OnCase, on_text), STEP_AGREEMENT: Asks(OnCase, on_text),
          STEP_PARTIAL: Asks(OnCase, on_text), STEP_REFER: Asks(Referral, on_text)})
