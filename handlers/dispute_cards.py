"""How disputes look on screen: the confidential card, the mediator's and manager's buttons, and
the audited view. Only people services.disputes.may_see allows get any of it."""

from collections.abc import Awaitable, Callable

from handlers.cards import Rows, button, case_card, confirm_buttons, local
from handlers.context import Context, Writer
from handlers.payloads import (
    AgreementBroken,
    AgreementHeld,
    ChangeTier,
    MediateAccept,
    MediateOutcome,
    MediateSchedule,
)
from handlers.renderer import Renderer
from handlers.types import Button
from models import Case, CaseAction, DisputeDetails, Person
from services import audit, case_queries, directory
from services import disputes as disputes_service
from services.lifecycle import Actor, may, next_actions
from services.tiers import ORDER

WHAT = "dispute_details"  # what the audit trail calls a view of a dispute


def tier_name(ctx: Renderer, tier: str) -> str:
    """Name a mediation tier."""
    return ctx.texts(f"tier.{tier}")


def reasons(ctx: Renderer, details: DisputeDetails) -> str:
    """Explain the proposed tier in words."""
    return ctx.texts("dispute.list_sep").join(ctx.texts(f"tier.reason.{r}")
                                              for r in details.tier_reasons)


def _yes(ctx: Renderer, value: bool) -> str:
    return ctx.texts("dispute.yes" if value else "dispute.no")


def details_text(ctx: Renderer, details: DisputeDetails) -> str:
    """The dispute's own facts and its mediation so far."""
    unknown = ctx.texts("dispute.unknown")
    lines: list[str | None] = [
        ctx.texts("dispute.card_place", place=details.place) if details.place else None,
        ctx.texts("dispute.card_other", other=details.other_party or unknown),
        ctx.texts("dispute.card_since", since=details.since or unknown),
        ctx.texts("dispute.card_harm", hurt=_yes(ctx, details.injury),
                  damage=_yes(ctx, details.property_damage),
                  compensation=_yes(ctx, details.compensation),
                  repeated=_yes(ctx, details.repeated)),
        ctx.texts("dispute.card_tier", tier=tier_name(ctx, details.tier),
                  proposed=tier_name(ctx, details.proposed_tier), reasons=reasons(ctx, details)),
    ]
    if details.session_at is not None:
        lines.append(ctx.texts("dispute.card_session", time=local(ctx, details.session_at),
                               place=details.session_place or unknown))
    if details.agreement:
        lines.append(ctx.texts("dispute.card_agreement", text=details.agreement))
    if details.referral_target:
        lines.append(ctx.texts("dispute.card_referral",
                               target=ctx.texts(f"dispute.target.{details.referral_target}"),
                               reason=details.referral_reason or "-"))
    return "\n".join(line for line in lines if line)


def dispute_card(
    ctx: Renderer, case: Case, reporter: Person | None, details: DisputeDetails, *,
    header: str = "dispute.card_new", footer: str | None = None, phone: bool = False,
) -> str:
    """The full confidential card (for the mediator, the grid worker and the managers)."""
    base = case_card(ctx, case, reporter, phone=phone, header=header)
    return "\n".join(part for part in (base, details_text(ctx, details), footer) if part)


def mediator_buttons(ctx: Renderer, case: Case) -> Rows:
    """What the mediator can do now."""
    cid = case.id or 0
    actions = next_actions(case, Actor.MEDIATOR)
    if CaseAction.SCHEDULE in actions:  # taken: meet, then record how it ended
        return ((button(ctx, "dispute.btn_schedule", MediateSchedule(cid)),),
                (button(ctx, "dispute.btn_outcome", MediateOutcome(cid)),))
    if CaseAction.ACCEPT in actions:
        return ((button(ctx, "dispute.btn_accept", MediateAccept(cid)),),)
    return ()


def tier_buttons(ctx: Renderer, case: Case, details: DisputeDetails) -> Rows:
    """Let a manager move the dispute to another tier."""
    if not may(case, CaseAction.ASSIGN, Actor.MANAGER):
        return ()
    return tuple((Button(ctx.texts("dispute.btn_tier", tier=tier_name(ctx, tier)),
                         data=ChangeTier(case.id or 0, tier).pack()),)
                 for tier in ORDER if tier != details.tier)


def followup_question(r: Renderer, case: Case, details: DisputeDetails) -> tuple[str, Rows]:
    """Ask a party, a week after the agreement, whether it held."""
    cid = case.id or 0
    buttons = ((button(r, "dispute.btn_held", AgreementHeld(cid)),
                button(r, "dispute.btn_broken", AgreementBroken(cid))),)
    return r.texts("dispute.followup_question", id=cid,
                   agreement=details.agreement or "-"), buttons


async def record_views(ctx: Writer, case: Case, people: list[Person]) -> None:
    """Record that these people were shown the dispute's details."""
    for person in people:
        if person.id is not None and person.id != case.reporter_id:
            await audit.record_view(ctx.session, viewer_id=person.id, at=ctx.clock.now(),
                                    what=WHAT, subject_id=case.reporter_id, case_id=case.id)


async def show_dispute(
    ctx: Context, case: Case, footer: Callable[[], Awaitable[str]]
) -> None:
    """/case N on a dispute: details only for those allowed (and audited); others get the
    answer a number that does not exist gets, so numbers cannot be probed for disputes."""
    if not await disputes_service.may_see(ctx.session, case, ctx.me):
        ctx.reply(ctx.texts("case.not_visible", id=case.id))
        return
    details = await disputes_service.details_of(ctx.session, case.id or 0)
    reporter = await case_queries.person(ctx.session, case.reporter_id)
    await record_views(ctx, case, [ctx.me])
    text = dispute_card(ctx, case, reporter, details, header="card.view", footer=await footer(),
                        phone=case.assignee_id == ctx.me.id)
    if case.assignee_id == ctx.me.id:
        buttons = mediator_buttons(ctx, case)
    elif case.reporter_id == ctx.me.id:
        buttons = (confirm_buttons(ctx, case.id or 0)
                   if may(case, CaseAction.CONFIRM, Actor.REPORTER) else ())
    elif await directory.is_manager_of(ctx.session, ctx.me.id or 0, case.community_id):
        buttons = tier_buttons(ctx, case, details)
    else:
        buttons = ()
    ctx.reply(text, buttons)
