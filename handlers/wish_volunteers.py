"""Volunteers and wishes: list open wishes, claim (认领), give back, fulfil; the resident (or the
worker for them) confirms, the volunteer earns the points and hears the thanks.

```mermaid
stateDiagram-v2
    Published --> Accepted: 认领 (one volunteer wins; the others see 已被认领)
    Accepted --> Published: 不认领了 (the card goes out again)
    Accepted --> Resolved: 已完成 + note
    Resolved --> Closed: 心愿实现了 (points credited) → optional thanks
    Resolved --> Reopened: 还没有 (back to the same volunteer)
```
"""


from handlers import media_cards, notify
from handlers.cards import button, local
from handlers.context import Context
from handlers.feature import Feature
from handlers.payloads import (
    ClaimWish,
    ConfirmWish,
    NoThanks,
    UnclaimWish,
    WishDone,
    WishesPage,
    WishNotYet,
)
from handlers.retire import chats_of, retire_cards
from handlers.steps import Asks, OnCase
from handlers.types import Button
from handlers.wish_cards import (
    chat_link,
    claimer_buttons,
    confirm_buttons,
    confirm_question,
    contact_card,
    tell_resident,
)
from handlers.wish_review import publish
from models import Case, CaseAction
from services import actors, case_queries, wish_people, wishes

STEP_DONE, STEP_THANKS = "wish.done_note", "wish.thanks"
PAGE = 6


async def _badge(ctx: Context, person_id: int | None) -> str:
    party = person_id is not None and await wish_people.is_party_member(ctx.session, person_id)
    return ctx.texts("wish.party_badge") if party else ""


async def on_claim(ctx: Context, payload: ClaimWish) -> None:
    """Claim the wish; the winner gets the resident's contact privately, the rest a polite no."""
    case, details = await wishes.claim_wish(ctx.session, clock=ctx.clock, case_id=payload.case_id,
                                            actor=ctx.me, in_private=ctx.incoming.is_private)
    resident, poster = await wishes.contacts_for_claimer(ctx.session, clock=ctx.clock, case=case,
                                                         details=details, claimer=ctx.me)
    card = await contact_card(ctx, case, details, resident, poster)
    buttons = claimer_buttons(ctx, case.id or 0)
    if ctx.incoming.is_private:
        ctx.answer(ctx.texts("wish.claimed_toast", id=case.id))
        ctx.edit(card, buttons)
    else:
        ctx.answer(ctx.texts("wish.claimed_toast_group", id=case.id))
        notify.to_person(ctx, ctx.me, card, buttons, case_id=case.id)
    if link := chat_link(ctx, resident):  # no phone: a separate message, so a refused link
        notify.to_person(ctx, ctx.me, ctx.texts("wish.chat_hint"), link)  # never loses the card
    badge = await _badge(ctx, ctx.me.id)
    line = ctx.texts("wish.claimed_public", id=case.id, name=ctx.me.name, badge=badge)
    groups = await wish_people.volunteer_groups(ctx.session, case.community_id)
    for chat_id in groups:
        ctx.send(chat_id, line, case_id=case.id)
    # Every other 认领 card of this wish now says who claimed it, without the button.
    volunteers = await wish_people.volunteers(ctx.session, case.community_id)
    await retire_cards(ctx, case.id or 0, line, chat_ids=[*groups, *chats_of(volunteers)],
                       button_data=ClaimWish(case.id or 0).pack())
    await tell_resident(ctx, case, details,
                        (ctx.texts("wish.claimed_resident", id=case.id, name=ctx.me.name,
                                   badge=badge), ()),
                        (ctx.texts("wish.claimed_group", id=case.id), ()))


async def on_unclaim(ctx: Context, payload: UnclaimWish) -> None:
    """Give the wish back: it is open again and the volunteers hear of it."""
    case, details = await wishes.unclaim_wish(ctx.session, clock=ctx.clock,
                                              case_id=payload.case_id, actor=ctx.me)
    ctx.answer()
    ctx.edit(ctx.texts("wish.unclaimed", id=case.id))
    await publish(ctx, case, details, header="wish.public_again", skip=ctx.me.id)
    line = ctx.texts("wish.unclaimed_resident", id=case.id, name=ctx.me.name)
    await tell_resident(ctx, case, details, (line, ()),
                        (ctx.texts("wish.unclaimed_group", id=case.id), ()))


async def on_done(ctx: Context, payload: WishDone) -> None:
    """Ask the claimer how the wish was fulfilled."""
    case, _details = await wishes.wish_for(ctx.session, case_id=payload.case_id,
                                           action=CaseAction.RESOLVE, actor=ctx.me)
    await ctx.wait(STEP_DONE, OnCase(case.id or 0))
    ctx.answer()
    ctx.reply(ctx.texts("wish.ask_done", id=case.id))


async def fulfilled(ctx: Context, case_id: int, note: str) -> None:
    """Mark the wish fulfilled with the volunteer's note and ask the resident to confirm."""
    case, details = await wishes.fulfil_wish(ctx.session, clock=ctx.clock, case_id=case_id,
                                             actor=ctx.me, note=note)
    ctx.reply(ctx.texts("wish.done_saved", id=case.id))
    buttons = confirm_buttons(ctx, case.id or 0)
    reporter = await case_queries.person(ctx.session, case.reporter_id)
    await media_cards.show_proof(ctx, case, reporter)  # the volunteer's photos come first
    await tell_resident(ctx, case, details,
                        (confirm_question(ctx, case, ctx.me.name), buttons),
                        (ctx.texts("wish.ask_confirm_group", id=case.id), buttons))


async def on_confirm(ctx: Context, payload: ConfirmWish) -> None:
    """Confirm the wish came true: credit the volunteer and offer to send thanks."""
    case, details, balance = await wishes.confirm_wish(ctx.session, clock=ctx.clock,
                                                       case_id=payload.case_id, actor=ctx.me)
    ctx.answer()
    await ctx.wait(STEP_THANKS, OnCase(case.id or 0))
    ctx.edit(ctx.texts(_in_chat(ctx, "wish.ask_thanks"), id=case.id),
             ((button(ctx, "btn.no_comment", NoThanks(case.id or 0)),),))
    volunteer = await case_queries.person(ctx.session, case.assignee_id)
    notify.to_person(ctx, volunteer, ctx.texts("wish.credited", id=case.id, points=details.points,
                                               balance=balance), case_id=case.id)
    if case.source_chat_id is not None and volunteer is not None:
        ctx.send(case.source_chat_id, ctx.texts("wish.closed_group", id=case.id,
                                                name=volunteer.name), case_id=case.id)


async def on_not_yet(ctx: Context, payload: WishNotYet) -> None:
    """Say the wish has not come true yet: the same volunteer is asked again."""
    case, _details = await wishes.reopen_wish(ctx.session, clock=ctx.clock,
                                              case_id=payload.case_id, actor=ctx.me)
    ctx.answer()
    ctx.edit(ctx.texts("wish.reopened", id=case.id))
    volunteer = await case_queries.person(ctx.session, case.assignee_id)
    notify.to_person(ctx, volunteer, ctx.texts("wish.reopened_volunteer", id=case.id),
                     claimer_buttons(ctx, case.id or 0), case_id=case.id)


async def on_no_thanks(ctx: Context, payload: NoThanks) -> None:
    """Finish without a thanks message (only the resident, or the worker who speaks for them)."""
    await actors.require_reporter(ctx.session, payload.case_id, ctx.me, or_registrar=True)
    await ctx.stop_waiting()
    ctx.answer()
    ctx.edit(ctx.texts("wish.bye", id=payload.case_id))


async def on_text(ctx: Context, step: str, data: OnCase) -> None:
    """Take the claimer's note or the resident's thanks."""
    await ctx.stop_waiting()
    words = ctx.incoming.text.strip()
    if step == STEP_DONE:
        await fulfilled(ctx, data.case_id, words)
        return
    case, _details = await wishes.thank(ctx.session, clock=ctx.clock, case_id=data.case_id,
                                        actor=ctx.me, words=words)
    ctx.reply(ctx.texts("wish.thanks_sent"))
    volunteer = await case_queries.person(ctx.session, case.assignee_id)
    notify.to_person(ctx, volunteer, ctx.texts("wish.thanks_received", id=case.id, words=words),
                     case_id=case.id)


def _line(ctx: Context, case: Case, text: str, points: int) -> str:
    short = text if len(text) <= 60 else text[:60] + "…"
    return ctx.texts("wish.list_line", id=case.id, text=short, points=points,
                     time=local(ctx, case.published_at))


async def open_list(ctx: Context, offset: int = 0, *, edit: bool = False) -> None:
    """Show one page of the open wishes in the person's community, with a claim button each."""
    community_id = await wish_people.home_community(ctx.session, ctx.me)
    if community_id is None:
        ctx.reply(ctx.texts("wish.no_community"))
        return
    page, total = await wishes.open_wishes(ctx.session, community_id, offset=offset, limit=PAGE)
    if total == 0:
        (ctx.edit if edit else ctx.reply)(ctx.texts("wish.list_none"))
        return
    pages = (total + PAGE - 1) // PAGE
    lines = [ctx.texts("wish.list_header", total=total, page=offset // PAGE + 1, pages=pages)]
    lines += [_line(ctx, c, d.public_text or "", d.points) for c, d in page]
    rows: list[tuple[Button, ...]] = [
        (Button(ctx.texts("btn.wish_claim_n", id=c.id),
                data=ClaimWish(c.id or 0).pack()),) for c, _d in page]
    nav = []
    if offset > 0:
        nav.append(Button(ctx.texts("btn.prev"),
                          data=WishesPage(max(offset - PAGE, 0)).pack()))
    if offset + PAGE < total:
        nav.append(Button(ctx.texts("btn.next"),
                          data=WishesPage(offset + PAGE).pack()))
    if nav:
        rows.append(tuple(nav))
    (ctx.edit if edit else ctx.reply)("\n".join(lines), tuple(rows))


async def on_page(ctx: Context, payload: WishesPage) -> None:
    """Turn the /wishes page."""
    ctx.answer()
    await open_list(ctx, max(payload.offset, 0), edit=True)


def _in_chat(ctx: Context, key: str) -> str:
    """The question asking for words: in a group it asks for a reply to the bot's message, the
    only message a bot in privacy mode is sure to receive."""
    return key if ctx.incoming.is_private else f"{key}_group"


async def on_wishes(ctx: Context, _args: str) -> None:
    """/wishes: the open wishes of the person's community."""
    await open_list(ctx)


FEATURE = Feature(
    name="wish_volunteers",
    commands={"wishes": on_wishes},
    private_commands=frozenset({"wishes"}),
    buttons={ClaimWish: on_claim, UnclaimWish: on_unclaim, WishDone: on_done,
             ConfirmWish: on_confirm, WishNotYet: on_not_yet,
             NoThanks: on_no_thanks, WishesPage: on_page},
    steps={STEP_DONE: Asks(OnCase, on_text), STEP_THANKS: Asks(OnCase, on_text)},
)
