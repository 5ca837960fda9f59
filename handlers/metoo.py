"""我也遇到: a report alike an open case is offered as a link instead of a second case; residents
follow a case from its group receipt; followers hear its progress privately and confirm the fix
too; a worker or manager merges two cases (/merge). Emergencies are never held by the offer.

```mermaid
stateDiagram-v2
    [*] --> Offer: located report alike an open case
    Offer --> Follow: 我也遇到
    Offer --> File: 不是同一件事
    Follow --> [*]: progress privately, asked to confirm the fix
```
"""

from dataclasses import dataclass

from handlers import danger, filing, notify
from handlers.cards import Rows, address, button, kind_name, status_name
from handlers.context import Context, Writer
from handlers.feature import Feature
from handlers.payloads import FollowerSolved, MeToo, NotSame
from handlers.steps import Asks, ReportDraft, load
from handlers.types import Button
from models import Case
from services import case_queries, conversation, duplicates, followers, numbers

STEP_SAME = "metoo.same"


@dataclass
class PossibleDuplicate(ReportDraft):
    """A located report waiting for the resident to say whether it is the open case's fault."""

    case_id: int = 0


async def offer(ctx: Context, draft: ReportDraft) -> bool:
    """Offer the open case this report repeats, if any; True when the offer was made."""
    if draft.kind not in duplicates.CHECKED_KINDS or draft.danger:
        return False
    case = await duplicates.find_duplicate(
        ctx.session, kind=draft.kind, text=draft.text, community_id=draft.community_id,
        building_id=draft.building_id, now=ctx.clock.now(), rules=ctx.voice,
        unless_reported_by=ctx.me.id)
    if case is None or case.id is None:  # none, or the resident's own (nothing to offer)
        return False
    await ctx.wait(STEP_SAME, PossibleDuplicate(**vars(draft), case_id=case.id))
    rows = ((button(ctx, "btn.metoo_follow", MeToo(case.id, offered=True)),),
            (button(ctx, "btn.not_same", NotSame(case.id)),))
    # Only words the resident wrote too: someone else's report may hold a flat or a phone.
    what = duplicates.what_is_shared(draft.text, case.text) or kind_name(ctx, case.kind)
    ctx.reply(ctx.texts("metoo.offer", id=case.id, address=address(ctx, case, public=True),
                        what=what, status=status_name(ctx, case.status),
                        affected=case.followers + 1),
              rows, reply_to=ctx.incoming.message_id)
    return True


def receipt_rows(ctx: Writer, case_id: int) -> Rows:
    """The 我也遇到 button under a group receipt."""
    return ((button(ctx, "btn.metoo", MeToo(case_id)),),)


async def _pending(ctx: Context) -> PossibleDuplicate | None:
    waiting = await conversation.current(ctx.session, chat_id=ctx.incoming.chat_id,
                                         user_id=ctx.incoming.sender.id)
    if waiting is None or waiting.step != STEP_SAME:
        return None
    return load(PossibleDuplicate, waiting.data)


async def on_metoo(ctx: Context, payload: MeToo) -> None:
    """Follow the case: from a group receipt, or as the answer to a duplicate offer."""
    pending = await _pending(ctx)
    answered = payload.offered and pending is not None and pending.case_id == payload.case_id
    if answered:
        await ctx.stop_waiting()
    await follow(ctx, payload.case_id, edit=answered)  # a receipt stays as the group saw it


async def follow(ctx: Context, case_id: int, *, edit: bool = False) -> None:
    """Add the person to the case's followers and say what happens next."""
    followed = await followers.follow(ctx.session, clock=ctx.clock, case_id=case_id,
                                      person=ctx.me, rules=ctx.voice)
    case = followed.case
    reachable = notify.can_reach_privately(ctx.me)
    key = "metoo.following" if reachable else "metoo.following_open_private"
    text = ctx.texts(key, id=case.id, affected=case.followers + 1)
    link: Rows = () if reachable else (
        (Button(ctx.texts("btn.open_private"), url=ctx.deep_link(f"f{case.id}")),),)
    if ctx.incoming.is_button:
        ctx.answer(text, alert=not reachable)
        if edit:
            ctx.edit(text, link)
    else:
        ctx.reply(text, link)
    if followed.added:
        await _tell_holder(ctx, case, raised=followed.raised)


async def _tell_holder(ctx: Context, case: Case, *, raised: bool) -> None:
    holder = await case_queries.person(ctx.session, case.assignee_id)
    key = "metoo.holder_raised" if raised else "metoo.holder_more"
    notify.to_person(ctx, holder, ctx.texts(key, id=case.id, affected=case.followers + 1),
                     case_id=case.id)


async def on_not_same(ctx: Context, payload: NotSame) -> None:
    """File the pending report as a new case after all."""
    pending = await _pending(ctx)
    if pending is None or pending.case_id != payload.case_id:
        ctx.answer(ctx.texts("button.not_for_you"), alert=True)
        return
    ctx.answer()
    await ctx.stop_waiting()
    ctx.edit(ctx.texts("metoo.filing_new"))
    await filing.file_report(ctx, pending)


async def on_text(ctx: Context, step: str, pending: PossibleDuplicate) -> None:
    """A typed 是 / 不是 to the offer; anything else: the buttons, kindly."""
    said = danger.answer(ctx.incoming.text)
    if said is None:
        ctx.reply(ctx.texts("intake.use_buttons"))
        return
    await ctx.stop_waiting()
    if said:
        await follow(ctx, pending.case_id)
    else:
        await filing.file_report(ctx, pending)


async def tell_followers(ctx: Writer, case: Case, key: str, buttons: Rows = ()) -> None:
    """Tell every follower who can be reached privately about the case's progress."""
    if not case.followers or case.id is None:
        return
    text = ctx.texts(key, id=case.id, note=case.resolution_note or ctx.texts("resident.no_note"))
    for person in await followers.followers(ctx.session, case.id):
        if notify.can_reach_privately(person):
            notify.to_person(ctx, person, text, buttons, case_id=case.id)


async def ask_followers(ctx: Writer, case: Case) -> None:
    """The case is handled: ask each follower whether it is fixed for them too."""
    rows = ((button(ctx, "btn.follower_solved", FollowerSolved(case.id or 0)),
             button(ctx, "btn.follower_not_solved", FollowerSolved(case.id or 0, solved=False))),)
    await tell_followers(ctx, case, "metoo.ask_confirm", rows)


async def on_follower_answer(ctx: Context, payload: FollowerSolved) -> None:
    """Record a follower's own answer; a "not fixed" goes to the case's holder."""
    case = await followers.answer(ctx.session, clock=ctx.clock, case_id=payload.case_id,
                                  person=ctx.me, solved=payload.solved)
    ctx.answer()
    ctx.edit(ctx.texts("metoo.thanks_solved" if payload.solved else "metoo.thanks_not_solved",
                       id=case.id))
    if not payload.solved:
        holder = await case_queries.person(ctx.session, case.assignee_id)
        notify.to_person(ctx, holder, ctx.texts("metoo.holder_not_solved", id=case.id),
                         case_id=case.id)


async def on_merge(ctx: Context, args: str) -> None:
    """/merge 15 12: merge case #15 into #12 (its residents then follow #12)."""
    parts = args.replace("#", " ").replace("到", " ").split()
    ids = [numbers.parse_id(p) for p in parts]
    if len(ids) != 2 or None in ids:
        ctx.reply(ctx.texts("merge.usage"))
        return
    duplicate_id, survivor_id = ids[0] or 0, ids[1] or 0
    duplicate, survivor, carried = await followers.merge(
        ctx.session, clock=ctx.clock, duplicate_id=duplicate_id, survivor_id=survivor_id,
        actor=ctx.me, rules=ctx.voice)
    ctx.reply(ctx.texts("merge.done", duplicate=duplicate.id, survivor=survivor.id,
                        carried=len(carried), affected=survivor.followers + 1))
    text = ctx.texts("merge.told", duplicate=duplicate.id, survivor=survivor.id)
    for person in carried:
        if notify.can_reach_privately(person):
            notify.to_person(ctx, person, text, case_id=survivor.id)
    if survivor.assignee_id != ctx.me.id:
        await _tell_holder(ctx, survivor, raised=False)


async def on_start_link(ctx: Context, args: str) -> bool:
    """/start f<N> (the link under 我也遇到 for someone the bot could not write to yet)."""
    if args.startswith("f") and (case_id := numbers.parse_id(args[1:])) is not None:
        await follow(ctx, case_id)
        return True
    return False


async def _help(ctx: Context, roles: set[str]) -> list[str]:
    return [ctx.texts("help.merge")] if roles & {"worker", "manager", "admin"} else []


FEATURE = Feature(
    name="metoo",
    commands={"merge": on_merge},
    private_commands=frozenset({"merge"}),
    buttons={MeToo: on_metoo, NotSame: on_not_same, FollowerSolved: on_follower_answer},
    steps={STEP_SAME: Asks(PossibleDuplicate, on_text)},
    help=_help,
    start=on_start_link,
)
