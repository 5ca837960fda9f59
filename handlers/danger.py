"""Danger first (issue 14): the emergency numbers of the street, the one tap
[🆘 是紧急情况] [不是] when danger is likely but the kind unsure, the 🆘 button on every urgent
repair, and emergencies noticed in group messages that were not addressed to the bot."""

from handlers import emergency
from handlers.cards import Rows, button
from handlers.context import Context
from handlers.feature import Feature
from handlers.payloads import NotDanger, PickKind, RaiseSos
from handlers.steps import ReportDraft
from models import CaseKind
from services import directory, sos
from services.intake import CONFIDENT, parse_report

_YES = ("是", "对", "紧急", "救", "急", "快", "yes", "sos")
_NO = ("不是", "没有", "不", "no")


async def numbers(ctx: Context, community_id: int | None, *, told: bool) -> str:
    """120/119/110 and the street's local lines (96333 …); `told`: staff have been alerted."""
    lines = [ctx.texts("danger.head"), ctx.texts("danger.defaults")]
    lines += [ctx.texts("danger.local_line", number=number, name=name)
              for name, number in await sos.local_lines(ctx.session, community_id)]
    if told:
        lines.append(ctx.texts("danger.told"))
    return "\n".join(lines)


async def _community(ctx: Context, draft: ReportDraft) -> int | None:
    if draft.community_id is not None:
        return draft.community_id
    if not ctx.incoming.is_private:
        community = await directory.community_of_chat(ctx.session, ctx.incoming.chat_id)
        return community.id if community else None
    return ctx.me.community_id


async def ask(ctx: Context, draft: ReportDraft) -> None:
    """Danger is likely: the numbers at once, and one tap to say it is an emergency (the intake
    waits for the answer)."""
    yes = button(ctx, "danger.btn_yes", PickKind(CaseKind.EMERGENCY.value))
    no = button(ctx, "danger.btn_no", NotDanger())
    text = await numbers(ctx, await _community(ctx, draft), told=False)
    ctx.reply(text + "\n\n" + ctx.texts("danger.ask"), ((yes, no),))


def answer(text: str) -> bool | None:
    """Read a typed answer to the danger question: True (an emergency), False, or None."""
    words = text.strip().lower()
    if any(words.startswith(word) for word in _NO):
        return False
    if parse_report(words).kind is CaseKind.EMERGENCY or any(w in words for w in _YES):
        return True
    return None


def sos_rows(ctx: Context, case_id: int) -> Rows:
    """The 🆘 button under an urgent repair's receipt."""
    return ((button(ctx, "danger.btn_sos", RaiseSos(case_id)),),)


async def on_raise(ctx: Context, payload: RaiseSos) -> None:
    """🆘 on an urgent repair: the case becomes an emergency and everyone is alerted."""
    case, assignee, also = await sos.escalate(ctx.session, clock=ctx.clock,
                                              case_id=payload.case_id, actor=ctx.me)
    ctx.answer()
    ctx.reply(ctx.texts("danger.raised", id=case.id) + "\n"
              + await numbers(ctx, case.community_id, told=False))
    await emergency.alert(ctx, case, assignee, also)


def is_group_emergency(text: str) -> bool:
    """An unaddressed group message that must start the emergency flow: sure, not a guess."""
    parsed = parse_report(text)
    return parsed.kind is CaseKind.EMERGENCY and parsed.confidence >= CONFIDENT


FEATURE = Feature(name="danger", buttons={RaiseSos: on_raise})
