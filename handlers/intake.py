"""Resident intake: read a free-text report, ask only for what is missing, then file it.

```mermaid
stateDiagram-v2
    [*] --> Parse: text / /report / mention
    Parse --> AskKind: unsure of the kind
    AskKind --> Locate: kind chosen
    Parse --> Locate: sure
    Locate --> AskCommunity: private chat, community unknown
    AskCommunity --> Locate
    Locate --> AskBuilding: no building and none remembered
    AskBuilding --> File: building or public area
    Locate --> File: building known
    File --> [*]: receipt, card to the worker
```
"""

from dataclasses import replace
from typing import Any

from handlers import danger, disputes, filing, media_cards, metoo, suggestions
from handlers.cards import ask_community, button
from handlers.context import Context
from handlers.feature import Feature
from handlers.guide_answer import answer_from_guide
from handlers.payloads import CancelReport, NotDanger, PickBuilding, PickCommunity, PickKind
from handlers.steps import Asks, ReportDraft, load
from handlers.types import Button
from models import CaseKind, Urgency
from services import conversation, danger_watch, directory
from services.intake import (
    CONFIDENT,
    at_home,
    likeliest_other_kind,
    parse_address,
    parse_report,
)

KINDS = list(CaseKind)
STEP_TEXT, STEP_KIND = "intake.text", "intake.kind"
STEP_COMMUNITY, STEP_BUILDING = "intake.community", "intake.building"
STEP_DANGER = "intake.danger"  # the one tap when danger is likely (handlers/danger.py asks it)
STEPS = (STEP_TEXT, STEP_KIND, STEP_COMMUNITY, STEP_BUILDING, STEP_DANGER)


async def start_report(ctx: Context, text: str, *, kind: CaseKind | None = None,
                       media: list[dict[str, Any]] | None = None) -> None:
    """Read a new report (of a known kind, for /sos; with the photos or voice it came with) and
    move it on."""
    text = text.strip()
    if not text:
        await ctx.wait(STEP_TEXT, ReportDraft())
        ctx.reply(ctx.texts("intake.ask_text"))
        return
    if kind is None and await suggestions.take(ctx, text):  # 意见建议: the manager's box
        return
    parsed = parse_report(text)
    # A question the service guide answers (👎 files it after all): what reads as "other", or
    # what the classifier is unsure of ("公积金咋取出来"); danger is never looked up.
    maybe_question = parsed.kind == CaseKind.OTHER or parsed.confidence < CONFIDENT
    if (kind is None and maybe_question and not parsed.danger_likely
            and await answer_from_guide(ctx, text)):
        return
    if kind == CaseKind.EMERGENCY:
        parsed = replace(parsed, kind=kind, urgency=Urgency.URGENT, confidence=1.0)
    draft = ReportDraft(
        text=text, kind=parsed.kind.value, urgency=parsed.urgency.value,
        building=parsed.building, unit=parsed.unit, room=parsed.room,
        message_id=ctx.incoming.message_id,
        kind_ok=parsed.confidence >= CONFIDENT or parsed.kind == CaseKind.EMERGENCY,
        danger=parsed.danger_likely,  # also an emergency the parser is unsure of
        at_home=at_home(text), media=media or [],
    )
    await advance(ctx, draft)


async def advance(ctx: Context, draft: ReportDraft) -> None:
    """Ask the next missing thing, or file the report when nothing is missing."""
    if draft.danger:
        await ctx.wait(STEP_DANGER, draft)
        await danger.ask(ctx, draft)
        return
    if not draft.kind_ok:
        await _ask_kind(ctx, draft)
        return
    if draft.kind == CaseKind.DISPUTE:  # disputes: private intake of their own (disputes.py)
        await disputes.begin(ctx, draft.text, message_id=draft.message_id, media=draft.media)
        return
    if draft.community_id is None and not await _locate_community(ctx, draft):
        return
    if draft.building_id is None and not draft.public_area:
        if not await _locate_building(ctx, draft):
            return
    await ctx.stop_waiting()
    if await metoo.offer(ctx, draft):  # an open case's fault: 我也遇到 or 不是同一件事
        return
    await filing.file_report(ctx, draft)


async def _ask_kind(ctx: Context, draft: ReportDraft) -> None:
    await ctx.wait(STEP_KIND, draft)
    guess = CaseKind(draft.kind)
    yes = button(ctx, "btn.yes_kind", PickKind(guess.value))
    others = [Button(ctx.texts(f"kind.{k}"), data=PickKind(k.value).pack())
              for k in KINDS if k != guess]
    rows = ((yes,), tuple(others[:2]), tuple(others[2:]),
            (button(ctx, "btn.cancel", CancelReport()),))
    ctx.reply(ctx.texts("intake.ask_kind", kind=ctx.texts(f"kind.{guess}")), rows)


async def _locate_community(ctx: Context, draft: ReportDraft) -> bool:
    """Find the community: the group's, the building's, or the remembered one; else ask."""
    if not ctx.incoming.is_private:
        community = await directory.community_of_chat(ctx.session, ctx.incoming.chat_id)
        if community is None:
            ctx.reply(ctx.texts("intake.group_not_bound"))
            return False
        draft.community_id = community.id
        return True
    if draft.building:
        matches = await directory.buildings_numbered(ctx.session, draft.building)
        if len(matches) == 1:
            draft.community_id = matches[0].community_id
            return True
    if (obvious := await directory.obvious_community(ctx.session, ctx.me)) is not None:
        draft.community_id = obvious
        return True
    if draft.kind == CaseKind.EMERGENCY:
        draft.community_id = None  # never delay an emergency: the admins take it
        draft.public_area = True
        return True
    await ctx.wait(STEP_COMMUNITY, draft)
    await ask_community(ctx, PickCommunity, "intake.ask_community")
    return False


async def _locate_building(ctx: Context, draft: ReportDraft) -> bool:
    """Match the building in the community, use the remembered home, or ask once."""
    community_id = draft.community_id
    if draft.building:
        found = await directory.buildings_numbered(ctx.session, draft.building, community_id)
        draft.building_id = found[0].id if found else None
        draft.public_area = not found  # an unknown number goes to the manager, as given
        if found and found[0].id == ctx.me.building_id and not draft.room:
            _home_flat(ctx, draft)
        return True
    home = ctx.me.building_id is not None and ctx.me.community_id == community_id
    if home and (not draft.ask_where or draft.kind == CaseKind.EMERGENCY):
        draft.building_id = ctx.me.building_id
        _home_flat(ctx, draft)
        return True
    if draft.kind == CaseKind.EMERGENCY or draft.asked_building:
        draft.public_area = True
        return True
    draft.asked_building = True
    await ctx.wait(STEP_BUILDING, draft)
    ctx.reply(ctx.texts("intake.ask_building"),
              await _building_rows(ctx, community_id, near=draft.near_building_id))
    return False


def _home_flat(ctx: Context, draft: ReportDraft) -> None:
    """An emergency or an at-home repair at the remembered home: its flat too (issue 14)."""
    if draft.kind == CaseKind.EMERGENCY or draft.at_home:
        draft.unit = draft.unit or ctx.me.unit
        draft.room = draft.room or ctx.me.room


async def _building_rows(ctx: Context, community_id: int | None, *, near: int | None = None
                         ) -> tuple[tuple[Button, ...], ...]:
    buildings = (await directory.community_buildings(ctx.session, community_id)
                 if community_id else [])
    labels = [Button(ctx.texts("address.building", building=b.number),
                     data=PickBuilding(b.id or 0).pack()) for b in buildings[:40]]
    rows = [tuple(labels[i:i + 4]) for i in range(0, len(labels), 4)]
    # First, as big buttons: the building nearest a shared location, the remembered home.
    for key, wanted in (("intake.home_building", ctx.me.building_id),
                        ("intake.near_building", near)):
        found = next((b for b in buildings if wanted and b.id == wanted), None)
        if found is not None:
            rows.insert(0, (Button(ctx.texts(key, building=found.number),
                                   data=PickBuilding(found.id or 0).pack()),))
    rows.append((button(ctx, "btn.public_area", PickBuilding()),
                 button(ctx, "btn.cancel", CancelReport())))
    return tuple(rows)


async def on_text(ctx: Context, step: str, draft: ReportDraft) -> None:
    """Take a typed answer to the question the bot asked."""
    text = ctx.incoming.text.strip()
    if step == STEP_TEXT:
        await start_report(ctx, text)
    elif step == STEP_DANGER:
        said = danger.answer(text)
        if said is None:
            ctx.reply(ctx.texts("intake.use_buttons"))
            return
        await danger.answered(ctx)
        _answer_danger(draft, emergency=said)
        await advance(ctx, draft)
    elif step == STEP_BUILDING:
        building, unit, room = parse_address(text)
        if building is None:
            ctx.reply(ctx.texts("intake.building_not_understood"),
                      await _building_rows(ctx, draft.community_id))
            return
        draft.building, draft.remember = building, True
        draft.unit, draft.room = unit or draft.unit, room or draft.room
        await advance(ctx, draft)
    else:  # a question answered with buttons: ask again, kindly
        ctx.reply(ctx.texts("intake.use_buttons"))


async def on_pick(
    ctx: Context, payload: PickKind | PickCommunity | PickBuilding | NotDanger,
    draft: ReportDraft | None,
) -> None:
    """Take a button answer (kind, community, building, or "not an emergency") to the pending
    question."""
    if draft is None:
        ctx.answer(ctx.texts("button.not_for_you"), alert=True)
        return
    ctx.answer()
    if draft.danger and isinstance(payload, NotDanger | PickKind):
        await danger.answered(ctx)
    if isinstance(payload, NotDanger):
        _answer_danger(draft, emergency=False)
    elif isinstance(payload, PickKind):
        if payload.kind not in KINDS:
            ctx.answer(ctx.texts("button.invalid"), alert=True)
            return
        draft.kind, draft.kind_ok, draft.danger = payload.kind, True, False
        if payload.kind == CaseKind.EMERGENCY:
            draft.urgency = Urgency.URGENT.value
    elif isinstance(payload, PickCommunity):
        if not any(c.id == payload.community_id
                   for c in await directory.all_communities(ctx.session)):
            ctx.answer(ctx.texts("button.invalid"), alert=True)
            return
        draft.community_id = payload.community_id
    else:
        if payload.building_id == 0:
            draft.public_area = True
        else:
            building = await directory.building_in(ctx.session, payload.building_id,
                                                   draft.community_id)
            if building is None:
                ctx.answer(ctx.texts("button.invalid"), alert=True)
                return
            draft.building_id, draft.building, draft.remember = building.id, building.number, True
    await advance(ctx, draft)


def _answer_danger(draft: ReportDraft, *, emergency: bool) -> None:
    draft.danger = False
    if emergency:
        draft.kind, draft.kind_ok = CaseKind.EMERGENCY.value, True
        draft.urgency = Urgency.URGENT.value
    elif draft.kind == CaseKind.EMERGENCY:  # not one after all: ask which kind it is
        draft.kind, draft.kind_ok = likeliest_other_kind(draft.text).value, False
        draft.urgency = Urgency.NORMAL.value


async def on_pick_button(
    ctx: Context, payload: PickKind | PickCommunity | PickBuilding | CancelReport | NotDanger
) -> None:
    """A kind, community or building button, 不是 (not an emergency), or 取消: for this person's
    own pending report."""
    waiting = await conversation.current(ctx.session, chat_id=ctx.incoming.chat_id,
                                         user_id=ctx.incoming.sender.id)
    mine = waiting is not None and waiting.step in STEPS
    if isinstance(payload, CancelReport):
        if mine:
            await on_cancel(ctx)
        else:
            ctx.answer(ctx.texts("button.not_for_you"), alert=True)
    elif not mine and isinstance(payload, NotDanger | PickKind) and (
            case_id := await danger_watch.escalated_case(
                ctx.session, chat_id=ctx.incoming.chat_id, user_id=ctx.incoming.sender.id)):
        ctx.answer(ctx.texts("danger.already_alerted", id=case_id), alert=True)  # alerted meanwhile
    else:
        await on_pick(ctx, payload, load(ReportDraft, waiting.data) if mine and waiting else None)


async def on_cancel(ctx: Context) -> None:
    """Drop the report being written."""
    await ctx.stop_waiting()
    ctx.answer()
    ctx.edit(ctx.texts("intake.cancelled"))


async def on_report(ctx: Context, args: str) -> None:
    """/report: start a report afresh (anything pending is dropped)."""
    await ctx.stop_waiting()
    await start_report(ctx, args, media=media_cards.of_incoming(ctx.incoming))


async def on_sos(ctx: Context, args: str) -> None:
    """/sos: report an emergency at once (it answers a pending danger question too)."""
    await ctx.stop_waiting()
    await danger.answered(ctx)
    await start_report(ctx, args or ctx.texts("sos.text"), kind=CaseKind.EMERGENCY,
                       media=media_cards.of_incoming(ctx.incoming))


async def on_overheard(ctx: Context) -> bool:
    """A group message not addressed to the bot starts the emergency flow when it is surely an
    emergency in a bound group (issue 14)."""
    inc = ctx.incoming
    if not danger.is_group_emergency(inc.text):
        return False
    if await directory.community_of_chat(ctx.session, inc.chat_id) is None:
        return False
    await start_report(ctx, inc.text, kind=CaseKind.EMERGENCY,
                       media=media_cards.of_incoming(inc))
    return True


async def _help(ctx: Context, roles: set[str]) -> list[str]:
    return [ctx.texts("help.resident")]


FEATURE = Feature(
    name="intake",
    commands={"report": on_report, "sos": on_sos},
    buttons={PickKind: on_pick_button, PickCommunity: on_pick_button,
             PickBuilding: on_pick_button, CancelReport: on_pick_button,
             NotDanger: on_pick_button},
    steps={step: Asks(ReportDraft, on_text) for step in STEPS},
    help=_help,
    overheard=on_overheard,
)
