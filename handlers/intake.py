"""Resident intake: read a free-text report, ask only for what is missing, then file it.

```mermaid
stateDiagram-v2
    [*] --> Parse: text / /report / mention
    Parse --> AskDanger: danger likely, kind unsure (numbers shown at once)
    AskDanger --> Locate: 🆘 是紧急情况
    AskDanger --> AskKind: 不是
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

from handlers import danger, disputes, filing
from handlers.cards import ask_community, button
from handlers.context import Context
from handlers.guide_answer import answer_from_guide
from handlers.payloads import Act, Payload
from handlers.types import Button
from models import CaseKind, Urgency
from services import directory
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


async def start_report(ctx: Context, text: str, *, kind: CaseKind | None = None) -> None:
    """Read a new report (of a known kind, for /sos) and move it on."""
    text = text.strip()
    if not text:
        await ctx.wait(STEP_TEXT, {})
        ctx.reply(ctx.texts("intake.ask_text"))
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
    draft: dict[str, Any] = {
        "text": text, "kind": parsed.kind.value, "urgency": parsed.urgency.value,
        "building": parsed.building, "unit": parsed.unit, "room": parsed.room,
        "message_id": ctx.incoming.message_id,
        "kind_ok": parsed.confidence >= CONFIDENT or parsed.kind == CaseKind.EMERGENCY,
        "danger": parsed.danger_likely,  # also an emergency the parser is unsure of
        "at_home": at_home(text),
    }
    await advance(ctx, draft)


async def advance(ctx: Context, draft: dict[str, Any]) -> None:
    """Ask the next missing thing, or file the report when nothing is missing."""
    if draft.get("danger"):
        await danger.ask(ctx, draft)
        return
    if not draft["kind_ok"]:
        await _ask_kind(ctx, draft)
        return
    if draft["kind"] == CaseKind.DISPUTE:  # disputes: private intake of their own (disputes.py)
        await disputes.begin(ctx, draft["text"], message_id=draft.get("message_id"))
        return
    if draft.get("community_id") is None and not await _locate_community(ctx, draft):
        return
    if draft.get("building_id") is None and not draft.get("public_area"):
        if not await _locate_building(ctx, draft):
            return
    await ctx.stop_waiting()
    await filing.file_report(ctx, draft)


async def _ask_kind(ctx: Context, draft: dict[str, Any]) -> None:
    await ctx.wait(STEP_KIND, draft)
    guess = CaseKind(draft["kind"])
    yes = button(ctx, "btn.yes_kind", Act.PICK_KIND, 0, KINDS.index(guess))
    others = [Button(ctx.texts(f"kind.{k}"), data=Payload(Act.PICK_KIND, 0, KINDS.index(k)).pack())
              for k in KINDS if k != guess]
    rows = ((yes,), tuple(others[:2]), tuple(others[2:]), (button(ctx, "btn.cancel", Act.CANCEL),))
    ctx.reply(ctx.texts("intake.ask_kind", kind=ctx.texts(f"kind.{guess}")), rows)


async def _locate_community(ctx: Context, draft: dict[str, Any]) -> bool:
    """Find the community: the group's, the building's, or the remembered one; else ask."""
    if not ctx.incoming.is_private:
        community = await directory.community_of_chat(ctx.session, ctx.incoming.chat_id)
        if community is None:
            ctx.reply(ctx.texts("intake.group_not_bound"))
            return False
        draft["community_id"] = community.id
        return True
    if draft.get("building"):
        matches = await directory.buildings_numbered(ctx.session, draft["building"])
        if len(matches) == 1:
            draft["community_id"] = matches[0].community_id
            return True
    if (obvious := await directory.obvious_community(ctx.session, ctx.me)) is not None:
        draft["community_id"] = obvious
        return True
    if draft["kind"] == CaseKind.EMERGENCY:
        draft["community_id"] = None  # never delay an emergency: the admins take it
        draft["public_area"] = True
        return True
    await ctx.wait(STEP_COMMUNITY, draft)
    await ask_community(ctx, Act.PICK_COMMUNITY, "intake.ask_community")
    return False


async def _locate_building(ctx: Context, draft: dict[str, Any]) -> bool:
    """Match the building in the community, use the remembered home, or ask once."""
    community_id = draft["community_id"]
    if draft.get("building"):
        found = await directory.buildings_numbered(ctx.session, draft["building"], community_id)
        draft["building_id"] = found[0].id if found else None
        draft["public_area"] = not found  # an unknown number goes to the manager, as given
        if found and found[0].id == ctx.me.building_id and not draft.get("room"):
            _home_flat(ctx, draft)
        return True
    if ctx.me.building_id is not None and ctx.me.community_id == community_id:
        draft["building_id"] = ctx.me.building_id
        _home_flat(ctx, draft)
        return True
    if draft["kind"] == CaseKind.EMERGENCY or draft.get("asked_building"):
        draft["public_area"] = True
        return True
    draft["asked_building"] = True
    await ctx.wait(STEP_BUILDING, draft)
    ctx.reply(ctx.texts("intake.ask_building"), await _building_rows(ctx, community_id))
    return False


def _home_flat(ctx: Context, draft: dict[str, Any]) -> None:
    """An emergency or an at-home repair at the remembered home: its flat too (issue 14)."""
    if draft["kind"] == CaseKind.EMERGENCY or draft.get("at_home"):
        draft["unit"] = draft.get("unit") or ctx.me.unit
        draft["room"] = draft.get("room") or ctx.me.room


async def _building_rows(ctx: Context, community_id: int | None) -> tuple[tuple[Button, ...], ...]:
    buildings = (await directory.community_buildings(ctx.session, community_id)
                 if community_id else [])
    labels = [Button(ctx.texts("address.building", building=b.number),
                     data=Payload(Act.PICK_BUILDING, 0, b.id or 0).pack()) for b in buildings[:40]]
    rows = [tuple(labels[i:i + 4]) for i in range(0, len(labels), 4)]
    rows.append((button(ctx, "btn.public_area", Act.PICK_BUILDING, 0, 0),
                 button(ctx, "btn.cancel", Act.CANCEL)))
    return tuple(rows)


async def on_text(ctx: Context, step: str, draft: dict[str, Any]) -> None:
    """Take a typed answer to the question the bot asked."""
    text = ctx.incoming.text.strip()
    if step == STEP_TEXT:
        await start_report(ctx, text)
    elif step == danger.STEP_DANGER:
        said = danger.answer(text)
        if said is None:
            ctx.reply(ctx.texts("intake.use_buttons"))
            return
        _answer_danger(draft, emergency=said)
        await advance(ctx, draft)
    elif step == STEP_BUILDING:
        building, unit, room = parse_address(text)
        if building is None:
            ctx.reply(ctx.texts("intake.building_not_understood"),
                      await _building_rows(ctx, draft.get("community_id")))
            return
        draft.update(building=building, unit=unit or draft.get("unit"),
                     room=room or draft.get("room"), remember=True)
        await advance(ctx, draft)
    else:  # a question answered with buttons: ask again, kindly
        ctx.reply(ctx.texts("intake.use_buttons"))


async def on_pick(ctx: Context, payload: Payload, draft: dict[str, Any] | None) -> None:
    """Take a button answer (kind, community or building) to the pending question."""
    if draft is None:
        ctx.answer(ctx.texts("button.not_for_you"), alert=True)
        return
    ctx.answer()
    if payload.act == Act.DANGER_NO:
        _answer_danger(draft, emergency=False)
    elif payload.act == Act.PICK_KIND and 0 <= payload.arg < len(KINDS):
        draft.update(kind=KINDS[payload.arg].value, kind_ok=True, danger=False)
        if KINDS[payload.arg] == CaseKind.EMERGENCY:
            draft["urgency"] = Urgency.URGENT.value
    elif payload.act == Act.PICK_COMMUNITY:
        if not any(c.id == payload.arg for c in await directory.all_communities(ctx.session)):
            ctx.answer(ctx.texts("button.invalid"), alert=True)
            return
        draft["community_id"] = payload.arg
    elif payload.act == Act.PICK_BUILDING:
        if payload.arg == 0:
            draft["public_area"] = True
        else:
            building = await directory.building_in(ctx.session, payload.arg,
                                                   draft.get("community_id"))
            if building is None:
                ctx.answer(ctx.texts("button.invalid"), alert=True)
                return
            draft.update(building_id=building.id, building=building.number, remember=True)
    await advance(ctx, draft)


def _answer_danger(draft: dict[str, Any], *, emergency: bool) -> None:
    draft["danger"] = False
    if emergency:
        draft.update(kind=CaseKind.EMERGENCY.value, kind_ok=True, urgency=Urgency.URGENT.value)
    elif draft["kind"] == CaseKind.EMERGENCY:  # not one after all: ask which kind it is
        draft.update(kind=likeliest_other_kind(draft["text"]).value, kind_ok=False,
                     urgency=Urgency.NORMAL.value)


async def on_cancel(ctx: Context) -> None:
    """Drop the report being written."""
    await ctx.stop_waiting()
    ctx.answer()
    ctx.edit(ctx.texts("intake.cancelled"))
