"""Volunteer points: /points, /rank, /shop and redeeming; managers' /item, /redemptions, hand-over
and cancellation; /volunteers_group binds a volunteers' group chat."""

from datetime import UTC

from handlers import notify
from handlers.cards import button, local
from handlers.context import Context
from handlers.feature import Feature
from handlers.payloads import Handed, Redeem, Refund
from handlers.steps import Asks, OnRedemption
from handlers.types import Button
from models import Redemption, Role
from services import case_queries, directory, numbers, points, wish_people
from services.errors import DomainError

MAX_POINTS, MAX_STOCK = 100_000, 100_000  # what a shop item may cost and how many

STEP_REFUND = "wish.refund_reason"


async def on_points(ctx: Context, _args: str) -> None:
    """Show the person's balance and latest ledger entries."""
    me = ctx.me.id or 0
    lines = [ctx.texts("points.balance", balance=await points.balance(ctx.session, me))]
    for entry in await points.history(ctx.session, me):
        what = (ctx.texts("points.for_wish", id=entry.case_id) if entry.case_id
                else ctx.texts(f"points.reason_{entry.reason}", note=entry.note or ""))
        lines.append(ctx.texts("points.line", time=local(ctx, entry.at), delta=f"{entry.delta:+d}",
                               what=what))
    if len(lines) == 1:
        lines.append(ctx.texts("points.no_history"))
    ctx.reply("\n".join(lines))


async def on_rank(ctx: Context, _args: str) -> None:
    """Show the community's top volunteers this month (names and points only)."""
    community_id = await wish_people.home_community(ctx.session, ctx.me)
    if community_id is None:
        ctx.reply(ctx.texts("wish.no_community"))
        return
    now = ctx.clock.now().astimezone(ctx.tz)
    since = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0).astimezone(UTC)
    ranking = await points.month_rank(ctx.session, community_id, since=since)
    if not ranking:
        ctx.reply(ctx.texts("points.rank_none"))
        return
    lines = [ctx.texts("points.rank_header", month=now.month)]
    lines += [ctx.texts("points.rank_line", n=n, name=name, points=total)
              for n, (name, total) in enumerate(ranking, start=1)]
    ctx.reply("\n".join(lines))


async def on_shop(ctx: Context, _args: str) -> None:
    """List the community's items, each with a button to redeem it."""
    community_id = await wish_people.home_community(ctx.session, ctx.me)
    items = await points.shop(ctx.session, community_id) if community_id else []
    balance = await points.balance(ctx.session, ctx.me.id or 0)
    if not items:
        ctx.reply(ctx.texts("points.shop_empty", balance=balance))
        return
    rows = tuple((Button(ctx.texts("btn.redeem", name=i.name, cost=i.cost, stock=i.stock),
                         data=Redeem(i.id or 0).pack()),)
                 for i in items[:20] if i.stock > 0)
    ctx.reply(ctx.texts("points.shop_header", balance=balance), rows)


async def on_redeem(ctx: Context, payload: Redeem) -> None:
    """Redeem an item: points debited now, the managers asked to hand it over."""
    redemption, item, left = await points.redeem(ctx.session, clock=ctx.clock, actor=ctx.me,
                                                 item_id=payload.item_id)
    ctx.answer()
    ctx.reply(ctx.texts("points.redeemed", name=item.name, cost=item.cost, balance=left))
    managers = await directory.people_with_role(ctx.session, Role.MANAGER,
                                                community_id=item.community_id)
    notify.to_people(ctx, managers, _redemption_line(ctx, redemption, item.name, ctx.me.name),
                     _decide_buttons(ctx, redemption))


def _redemption_line(ctx: Context, redemption: Redemption, item: str, name: str) -> str:
    return ctx.texts("points.redemption", id=redemption.id, name=name, item=item,
                     cost=redemption.cost, time=local(ctx, redemption.created_at))


def _decide_buttons(ctx: Context, redemption: Redemption) -> tuple[tuple[Button, ...], ...]:
    rid = redemption.id or 0
    return ((button(ctx, "btn.handed", Handed(rid)),
             button(ctx, "btn.refund", Refund(rid))),)


async def on_item(ctx: Context, args: str) -> None:
    """Let a manager add or restock an item: /item 老花镜 50 10."""
    parts = args.rsplit(maxsplit=2)
    cost = numbers.parse_int(parts[1], low=1, high=MAX_POINTS) if len(parts) == 3 else None
    stock = numbers.parse_int(parts[2], high=MAX_STOCK) if len(parts) == 3 else None
    if cost is None or stock is None:
        ctx.reply(ctx.texts("points.item_usage"))
        return
    item = await points.define_item(ctx.session, actor=ctx.me, name=parts[0], cost=cost,
                                    stock=stock)
    ctx.reply(ctx.texts("points.item_saved", name=item.name, cost=item.cost, stock=item.stock))


async def on_redemptions(ctx: Context, _args: str) -> None:
    """List the redemptions waiting for hand-over in the manager's community."""
    community_id = await directory.managed_community(ctx.session, ctx.me.id or 0)
    if community_id is None:
        raise DomainError("points.not_manager")
    waiting = await points.pending(ctx.session, community_id)
    if not waiting:
        ctx.reply(ctx.texts("points.redemptions_none"))
        return
    people = await case_queries.people_by_id(ctx.session, {r.person_id for r in waiting})
    for redemption in waiting[:20]:
        item = await points.find_item(ctx.session, redemption.item_id)
        person = people.get(redemption.person_id)
        ctx.reply(_redemption_line(ctx, redemption, item.name if item else "-",
                                   person.name if person else "-"),
                  _decide_buttons(ctx, redemption))


async def on_handed(ctx: Context, payload: Handed) -> None:
    """Record that the volunteer received the item."""
    redemption = await points.hand_over(ctx.session, clock=ctx.clock, actor=ctx.me,
                                        redemption_id=payload.redemption_id)
    ctx.answer()
    ctx.edit(ctx.texts("points.handed", id=redemption.id))
    volunteer = await case_queries.person(ctx.session, redemption.person_id)
    notify.to_person(ctx, volunteer, ctx.texts("points.handed_volunteer", id=redemption.id))


async def on_refund(ctx: Context, payload: Refund) -> None:
    """Ask why the redemption is cancelled."""
    await points.pending_redemption(ctx.session, actor=ctx.me, redemption_id=payload.redemption_id)
    await ctx.wait(STEP_REFUND, OnRedemption(payload.redemption_id))
    ctx.answer()
    ctx.reply(ctx.texts("points.ask_refund_reason", id=payload.redemption_id))


async def on_text(ctx: Context, step: str, data: OnRedemption) -> None:
    """Take the reason for cancelling a redemption: refund and tell the volunteer."""
    await ctx.stop_waiting()
    reason = ctx.incoming.text.strip()
    redemption, left = await points.cancel_redemption(
        ctx.session, clock=ctx.clock, actor=ctx.me, redemption_id=data.redemption_id,
        reason=reason)
    ctx.reply(ctx.texts("points.refunded", id=redemption.id))
    volunteer = await case_queries.person(ctx.session, redemption.person_id)
    notify.to_person(ctx, volunteer, ctx.texts("points.refunded_volunteer", id=redemption.id,
                                               cost=redemption.cost, reason=reason, balance=left))


async def on_volunteers_group(ctx: Context, _args: str) -> None:
    """Let a community manager make this group the volunteers' group."""
    if ctx.incoming.is_private:
        ctx.reply(ctx.texts("points.group_only"))
        return
    community_id = await wish_people.bind_volunteer_group(ctx.session, actor=ctx.me,
                                                     chat_id=ctx.incoming.chat_id)
    names = {c.id: c.name for c in await directory.all_communities(ctx.session)}
    ctx.reply(ctx.texts("points.group_bound", community=names.get(community_id, "-")))


FEATURE = Feature(
    name="points",
    commands={"points": on_points, "rank": on_rank, "shop": on_shop, "item": on_item,
              "redemptions": on_redemptions, "volunteers_group": on_volunteers_group},
    private_commands=frozenset({"points", "shop", "item", "redemptions"}),
    buttons={Redeem: on_redeem, Handed: on_handed, Refund: on_refund},
    steps={STEP_REFUND: Asks(OnRedemption, on_text)},
)
