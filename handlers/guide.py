"""The service guide (办事指南) in chat: /guide lists the services with buttons; managers keep
their community's entries (/guide add, edit, remove) and see the questions it could not answer.

```mermaid
stateDiagram-v2
    Question --> Answered: matches an entry (handlers/guide_answer.py)
    Question --> Case: no match (intake goes on as before)
    Answered --> Helpful: 👍 有用
    Answered --> Case: 👎 没解决 (filed as kind "other")
```
"""

from datetime import timedelta

from handlers import intake
from handlers.cards import local
from handlers.context import Context
from handlers.feature import Feature
from handlers.guide_answer import community_of_asker, entry_text
from handlers.payloads import GuideNotSolved, GuideUseful, ShowGuide
from handlers.steps import ReportDraft
from handlers.types import Button
from models import CaseKind, Role, Urgency
from services import directory, guide
from services.intake import parse_report
from services.ledger import mask_phones

TOPICS_MAX = 60  # buttons in the topic list (Telegram allows 100)
UNANSWERED_DAYS = 30


async def on_guide(ctx: Context, args: str) -> None:
    """/guide: the topics; /guide add|edit|remove|unanswered for managers."""
    head, _, rest = args.partition("\n")
    action, _, name = head.strip().partition(" ")
    manage = {"add": _add, "edit": _edit, "remove": _remove, "unanswered": _unanswered}
    if action.lower() not in manage:
        await _topics(ctx)
        return
    community_id = await directory.managed_community(ctx.session, ctx.me.id or 0)
    if community_id is None or not ctx.incoming.is_private:
        ctx.reply(ctx.texts("guide.managers_only"))
        return
    await manage[action.lower()](ctx, community_id, name.strip(), rest)


async def _topics(ctx: Context) -> None:
    entries = await guide.entries_for(ctx.session, await community_of_asker(ctx))
    if not entries:
        ctx.reply(ctx.texts("guide.empty"))
        return
    labels = [Button(e.name, data=ShowGuide(e.id or 0).pack())
              for e in entries[:TOPICS_MAX]]
    ctx.reply(ctx.texts("guide.topics"), tuple(tuple(labels[i:i + 2])
                                                for i in range(0, len(labels), 2)))


def _fields(ctx: Context, name: str, lines: str) -> guide.GuideFields:
    """Read "label：value" lines (labels from the catalogue) into the fields they name."""
    labels: dict[str, str] = {}
    for part in ctx.texts("guide.labels").split(";"):
        field, _, words = part.partition("=")
        labels.update(dict.fromkeys(words.split("|"), field))
    values: dict[str, str] = {}
    for line in lines.splitlines():
        label, sep, value = line.replace("：", ":").partition(":")
        if sep and label.strip() in labels:
            values[labels[label.strip()]] = "" if value.strip() == "-" else value.strip()
    keywords = None
    if "keywords" in values:
        listed = values.pop("keywords").replace("，", ",").replace("、", ",").split(",")
        keywords = tuple(w.strip() for w in listed if w.strip())
    return guide.GuideFields(name=values.pop("name", None) or name or None, keywords=keywords,
                             who=values.get("who"), bring=values.get("bring"),
                             place=values.get("place"), phone=values.get("phone"),
                             link=values.get("link"))


async def _add(ctx: Context, community_id: int, name: str, lines: str) -> None:
    given = _fields(ctx, name, lines)
    if not given.name or not lines.strip():
        ctx.reply(ctx.texts("guide.add_usage"))
        return
    entry = await guide.add_entry(ctx.session, clock=ctx.clock, community_id=community_id,
                                  given=given)
    ctx.reply(ctx.texts("guide.added") + "\n\n" + entry_text(ctx, entry))


async def _edit(ctx: Context, community_id: int, name: str, lines: str) -> None:
    if not name or not lines.strip():
        ctx.reply(ctx.texts("guide.edit_usage"))
        return
    entry = await guide.edit_entry(ctx.session, clock=ctx.clock, community_id=community_id,
                                   name=name, given=_fields(ctx, "", lines))
    ctx.reply(ctx.texts("guide.edited") + "\n\n" + entry_text(ctx, entry))


async def _remove(ctx: Context, community_id: int, name: str, lines: str) -> None:
    if not name:
        ctx.reply(ctx.texts("guide.remove_usage"))
        return
    await guide.remove_entry(ctx.session, community_id=community_id, name=name)
    ctx.reply(ctx.texts("guide.removed", name=name))


async def _unanswered(ctx: Context, community_id: int, name: str, lines: str) -> None:
    since = ctx.clock.now() - timedelta(days=UNANSWERED_DAYS)
    questions = await guide.unanswered(ctx.session, community_id=community_id, since=since)
    if not questions:
        ctx.reply(ctx.texts("guide.unanswered_none", days=UNANSWERED_DAYS))
        return
    shown = [ctx.texts("guide.unanswered_header", days=UNANSWERED_DAYS, n=len(questions))]
    shown += [ctx.texts(f"guide.unanswered_{q.outcome}", at=local(ctx, q.asked_at),
                        text=mask_phones(q.text)[:80]) for q in questions]
    ctx.reply("\n".join(shown))


async def on_show(ctx: Context, payload: ShowGuide) -> None:
    """Show one service of the list."""
    entry = await guide.entry(ctx.session, payload.entry_id)
    if entry is None:
        ctx.answer(ctx.texts("guide.gone"), alert=True)
        return
    ctx.answer()
    ctx.reply(entry_text(ctx, entry))


async def on_useful(ctx: Context, payload: GuideUseful) -> None:
    """The asker found the answer useful."""
    await guide.mark_helpful(ctx.session, question_id=payload.question_id, person=ctx.me)
    ctx.answer(ctx.texts("guide.thanks"))


async def on_not_solved(ctx: Context, payload: GuideNotSolved) -> None:
    """The answer did not help: the question becomes a case of kind "other", as before."""
    question = await guide.mark_not_solved(ctx.session, question_id=payload.question_id,
                                           person=ctx.me)
    if question is None:
        ctx.answer(ctx.texts("guide.already_filed"))
        return
    ctx.answer()
    ctx.reply(ctx.texts("guide.to_staff"))
    parsed = parse_report(question.text)
    await intake.advance(ctx, ReportDraft(
        text=question.text, kind=CaseKind.OTHER.value, urgency=Urgency.NORMAL.value,
        building=parsed.building, unit=parsed.unit, room=parsed.room,
        message_id=question.message_id, kind_ok=True,
    ))


async def _help(ctx: Context, roles: set[str]) -> list[str]:
    parts = [ctx.texts("guide.help_resident")]
    if Role.MANAGER in roles:
        parts.append(ctx.texts("guide.help_manager"))
    return parts


FEATURE = Feature(name="guide", commands={"guide": on_guide},
                  buttons={ShowGuide: on_show, GuideUseful: on_useful,
                           GuideNotSolved: on_not_solved}, help=_help)
