"""Danger first (issue 14): the emergency numbers of the street, the one tap
[🆘 是紧急情况] [不是] when danger is likely but the kind unsure, the 🆘 button on every urgent
repair, and emergencies noticed in group messages that were not addressed to the bot."""

from handlers import emergency
from handlers.cards import Rows, button
from handlers.context import Context, Writer
from handlers.feature import Feature
from handlers.payloads import NotDanger, PickKind, RaiseSos
from handlers.steps import ReportDraft
from models import CaseKind, DangerQuestion
from services import conversation, danger_watch, directory, sos
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
    community_id = await _community(ctx, draft)
    text = await numbers(ctx, community_id, told=False)
    ctx.reply(text + "\n\n" + ctx.texts("danger.ask"), ((yes, no),))
    # Unanswered, the staff are alerted anyway (scheduler/danger_job.py): never left unheard.
    await danger_watch.remember(
        ctx.session, chat_id=ctx.incoming.chat_id, user_id=ctx.incoming.sender.id, person=ctx.me,
        community_id=community_id, text=draft.text, building=draft.building, unit=draft.unit,
        room=draft.room, message_id=draft.message_id, at=ctx.clock.now())


async def answered(ctx: Context) -> None:
    """The resident answered the danger question (either way): no alert for it."""
    await danger_watch.settle(ctx.session, chat_id=ctx.incoming.chat_id,
                              user_id=ctx.incoming.sender.id, at=ctx.clock.now())


async def alert_unanswered(w: Writer, question: DangerQuestion, *, step: str) -> bool:
    """File an unanswered danger question as a possible emergency: the on-duty staff are
    alerted (repeated until one takes it), the intake stops waiting at `step` for the answer,
    and the resident is told; tell whether it was filed."""
    reported = await danger_watch.file_unanswered(w.session, clock=w.clock, question=question)
    if reported is None:
        return False
    case = reported.case
    await emergency.alert(w, case, reported.assignee, reported.also_notify,
                          header="danger.unanswered_alert")
    pending = await conversation.current(w.session, chat_id=question.chat_id,
                                         user_id=question.user_id)
    if pending is not None and pending.step == step:  # a late tap must not file it twice
        await conversation.forget(w.session, chat_id=question.chat_id, user_id=question.user_id)
    w.send(question.chat_id, w.texts("danger.unanswered_told", id=case.id), case_id=case.id)
    return True


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
