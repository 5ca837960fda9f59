"""Reading a manager's /vote: the question, 2–6 options, the closing time, who may vote, whether
the running count is hidden, and the quorum."""

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from services.errors import DomainError

MIN_OPTIONS, MAX_OPTIONS = 2, 6
LONGEST = timedelta(days=90)
_SPLIT = re.compile(r"\s*[/|｜、，,；;]\s*")
_IN = re.compile(r"(\d{1,3})\s*(天|日|小时|时|分钟|d|h|m)")
_AT = re.compile(r"(?:(\d{4})[-/年])?(\d{1,2})[-/月](\d{1,2})日?\s+(\d{1,2})[:：](\d{2})")
_UNITS = {"天": "days", "日": "days", "d": "days", "小时": "hours", "时": "hours", "h": "hours",
          "分钟": "minutes", "m": "minutes"}


@dataclass
class VoteDraft:
    """A vote as the manager wrote it."""

    question: str = ""
    options: list[str] = field(default_factory=list)
    closes_at: datetime | None = None
    buildings: list[str] = field(default_factory=list)
    hidden: bool = False
    quorum: int = 0  # ballots
    quorum_percent: int = 0  # of the eligible residents, counted when the vote opens


def _key(line: str, *names: str) -> str | None:
    for name in names:
        if line.startswith(name):
            return line[len(name):].lstrip(" ：:").strip()
    return None


def parse_vote(text: str, *, now: datetime, tz: ZoneInfo) -> VoteDraft:
    """Read the /vote text, or refuse with what is wrong."""
    draft = VoteDraft()
    for raw in text.strip().splitlines():
        line = raw.strip()
        if not line:
            continue
        if (value := _key(line, "选项", "options")) is not None:
            draft.options = [o.strip()[:60] for o in _SPLIT.split(value) if o.strip()]
        elif (value := _key(line, "截止", "closes")) is not None:
            draft.closes_at = _closing(value, now=now, tz=tz)
        elif (value := _key(line, "范围", "楼栋", "buildings")) is not None:
            draft.buildings = re.findall(r"\d{1,4}", value)
        elif (value := _key(line, "法定", "quorum")) is not None:
            number = re.search(r"(\d{1,5})\s*(%|％)?", value)
            if number is None:
                raise DomainError("vote.bad_quorum")
            if number[2]:
                draft.quorum_percent = min(int(number[1]), 100)
            else:
                draft.quorum = int(number[1])
        elif _key(line, "隐藏", "hidden") is not None:
            draft.hidden = True
        elif not draft.question:
            draft.question = line[:300]
    if not draft.question:
        raise DomainError("vote.no_question")
    if not MIN_OPTIONS <= len(draft.options) <= MAX_OPTIONS or len(set(draft.options)) != len(
            draft.options):
        raise DomainError("vote.bad_options")
    if draft.closes_at is None:
        raise DomainError("vote.no_closing")
    return draft


def _closing(value: str, *, now: datetime, tz: ZoneInfo) -> datetime:
    if (match := _AT.search(value)) is not None:
        local = now.astimezone(tz)
        year = int(match[1]) if match[1] else local.year
        try:
            at = datetime(year, int(match[2]), int(match[3]), int(match[4]), int(match[5]),
                          tzinfo=tz)
        except ValueError:
            raise DomainError("vote.bad_closing") from None
        if not match[1] and at < local:
            at = at.replace(year=year + 1)  # "01-05" in December: next January
    elif (match := _IN.search(value)) is not None:
        at = now + timedelta(**{_UNITS[match[2]]: int(match[1])})
    else:
        raise DomainError("vote.bad_closing")
    if not now < at <= now + LONGEST:
        raise DomainError("vote.bad_closing")
    return at
