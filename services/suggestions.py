"""The suggestion box (意见建议): a resident's suggestion goes to the community's managers with a
reply due by a deadline; the scheduler reminds them when it passes; the manager's answer goes to
the resident and, if the manager wishes, to the community's groups.

What is a suggestion: what the intake classifier reads as "other" (not a fault, a dispute, a
wish or an emergency) and that proposes something for the community ("建议…", "能不能多装…",
"…吧"). Measured on corpus/test by `python -m services.suggestions corpus/test`."""

import json
import re
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from sqlalchemy import false, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models import CaseKind, Person, Suggestion
from services.clock import Clock
from services.errors import DomainError
from services.intake import parse_report
from services.intake_text import normalise, to_simplified
from services.voice_rules import VoiceRules

# Proposing words: a suggestion, a "could the community …", a "let's add …".
_CUES = re.compile(
    r"建议|提议|提个(意见|建议)|意见|希望(社区|小区|物业|能|可以)|"
    r"(能不能|能否|可不可以|可否|可唔可以|是否可以|可以不可以|要是能).{0,12}"
    r"(装|安|加|设|放|建|修建|搞|组织|开|办|铺|挂|增加|多|换|改|配|贴|登记|提前|通知|别)|"
    r"(多|加|装|安|放|设)(几个|个|一些|点|一圈).{0,8}吧|"
    r"(社区|小区|物业)能.{0,10}(开|组织|办|搞)")
_NOT = re.compile(r"怎么|咋|在哪|哪里|几点|多少钱|什么时候|谁知道|有没有人")  # questions


def is_suggestion(text: str) -> bool:
    """Tell whether a resident's message proposes something (and is not a report or question)."""
    plain = normalise(to_simplified(text))
    if not _CUES.search(plain):
        return False
    parsed = parse_report(text)
    if parsed.kind != CaseKind.OTHER or parsed.danger_likely:
        return False
    return not (_NOT.search(plain) and "建议" not in plain)


async def file(
    session: AsyncSession, *, clock: Clock, person: Person, text: str,
    community_id: int | None, source_chat_id: int | None, rules: VoiceRules,
) -> Suggestion:
    """Put a suggestion in the box with its reply deadline."""
    assert person.id is not None
    now = clock.now()
    suggestion = Suggestion(community_id=community_id, person_id=person.id, text=text[:2000],
                            source_chat_id=source_chat_id, created_at=now,
                            due_at=now + rules.suggestion_reply_within)
    session.add(suggestion)
    await session.flush()
    return suggestion


async def load(session: AsyncSession, suggestion_id: int) -> Suggestion:
    """Fetch a suggestion or refuse politely."""
    suggestion = await session.get(Suggestion, suggestion_id)
    if suggestion is None:
        raise DomainError("suggestion.not_found", suggestion_id=suggestion_id)
    return suggestion


async def answer(
    session: AsyncSession, *, clock: Clock, suggestion_id: int, manager: Person, text: str,
) -> Suggestion:
    """Record the manager's answer (once; a second answer replaces nothing)."""
    suggestion = await load(session, suggestion_id)
    if suggestion.answered_at is not None:
        raise DomainError("suggestion.answered", suggestion_id=suggestion_id)
    suggestion.answer, suggestion.answered_at = text.strip()[:2000], clock.now()
    suggestion.answered_by_id = manager.id
    session.add(suggestion)
    return suggestion


async def mark_published(session: AsyncSession, *, clock: Clock, suggestion_id: int) -> Suggestion:
    """Note that the answer went to the groups (once)."""
    suggestion = await load(session, suggestion_id)
    if suggestion.answered_at is None or suggestion.published_at is not None:
        raise DomainError("suggestion.not_publishable", suggestion_id=suggestion_id)
    suggestion.published_at = clock.now()
    session.add(suggestion)
    return suggestion


async def open_ones(
    session: AsyncSession, community_ids: Sequence[int | None], *, limit: int = 20,
) -> list[Suggestion]:
    """Unanswered suggestions of these communities, the most urgent first."""
    wanted = [c for c in community_ids if c is not None]
    where = or_(col(Suggestion.community_id).in_(wanted),
                col(Suggestion.community_id).is_(None) if None in community_ids else false())
    found = await session.execute(select(Suggestion).where(
        col(Suggestion.answered_at).is_(None), where).order_by(col(Suggestion.due_at)).limit(limit))
    return list(found.scalars().all())


async def claim_overdue(
    session: AsyncSession, *, now: datetime, limit: int = 100,
) -> list[Suggestion]:
    """Unanswered suggestions past their deadline not yet reminded about: marked reminded."""
    found = await session.execute(select(Suggestion).where(
        col(Suggestion.answered_at).is_(None), col(Suggestion.due_at) <= now,
        col(Suggestion.reminded_at).is_(None)).order_by(col(Suggestion.due_at)).limit(limit))
    due = list(found.scalars().all())
    for suggestion in due:
        suggestion.reminded_at = now
        session.add(suggestion)
    return due


def measure(folder: Path) -> tuple[int, int, int, int]:
    """Count true positives, false positives, false negatives and messages over a corpus folder
    (its `category` labels) or one file (its `suggestion` true/false labels)."""
    tp = fp = fn = total = 0
    for path in [folder] if folder.is_file() else sorted(folder.glob("*.jsonl")):
        for line in path.read_text("utf-8").splitlines():
            if not line.strip():
                continue
            item = json.loads(line)
            said = is_suggestion(item["text"])
            truth = item.get("category") == "suggestion" or item.get("suggestion") is True
            tp, fp, fn, total = tp + (said and truth), fp + (said and not truth), \
                fn + (truth and not said), total + 1
    return tp, fp, fn, total


if __name__ == "__main__":  # python -m services.suggestions corpus/test (or a .jsonl file)
    tp, fp, fn, total = measure(Path(sys.argv[1] if len(sys.argv) > 1 else "corpus/test"))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    print(f"{total} messages: {tp} suggestions found, {fp} false alarms, {fn} missed; "
          f"precision {precision:.2f}, recall {recall:.2f}")
