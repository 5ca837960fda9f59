"""Turn a resident's free Chinese text into a case kind, an address and an urgency.

Address rules (decided here, see tests/test_intake.py for examples):
- A building is "N号楼", "N栋", "N幢", "N座", or "N号" only when a unit or room follows
  ("8号2单元302"), since a bare "5号" is usually a date ("5号停的水").
- "N楼" is a floor ("住6楼", "一楼", "4号楼2单元6楼"), never a building, except directly
  before a unit ("3楼2单元"), because floors have no units. 楼上/楼下/顶楼 are never addresses.
- "3-2-301" is building-unit-room. A room is 3-4 digits right after the building or unit
  ("12号楼301", "10号楼3单元502") or "N室"/"N房" anywhere.
- A whole message that is only a number ("3", "三", "3号", "3-2") is a building (and unit):
  that is how residents answer the bot's "几号楼？".
- Chinese numerals are read only in front of an address word, so "三天", "十分钟", "七点",
  "八十多" never become addresses; "两" counts only in "两单元" ("两栋楼" = two buildings).
- Not read: lettered buildings ("B座"), rooms spoken without 室 ("三零一"), "N楼" as an answer.
Kinds come from a learned character n-gram model (services/intake_model.py, trained by
`python -m services.intake_train` on corpus/train) and the safety rules of
services/intake_safety.py: a live emergency cue makes the message an emergency whatever the model
says; a cue that is negated, past or hypothetical does not, and then the model cannot call the
message an emergency on those words alone unless it is very sure. The text is normalised first
(services/intake_text.py: traditional characters, Cantonese words, homophone slips).
"""

import re
from dataclasses import dataclass

from models.enums import CaseKind, Urgency
from services.chinese_numbers import cn_to_int, normalise_numbers
from services.intake_model import LinearModel, model
from services.intake_rules import NOT_URGENT_PATTERN, URGENT_PATTERN
from services.intake_safety import Danger, scan
from services.intake_text import normalise

CONFIDENT: float = 0.6
# A live safety cue makes an emergency at least this sure.
RULE_CONFIDENCE = 0.8
# The model may call an emergency on defused cues only when at least this sure.
OVER_DEFUSED = 0.9
# With no danger words at all, the model alone files an emergency from this probability on.
MODEL_ALONE = 0.6
# A weak cue (烟味, 胸口闷, 救命 as a sigh) makes an emergency when the model gives it this much.
WEAK_WITH = 0.3
# Below CONFIDENT an emergency is "likely"; other kinds are when the model gives it this much.
DANGER_LIKELY = 0.25

# Not after 这/那/有/每/哪/几 ("有一座凉亭", "这1栋") nor inside a longer number (phones).
_BUILDING = re.compile(
    r"(?<![这那有每哪几\d])(\d{1,3})\s*(?:号\s*楼|栋|幢|座"
    r"|号(?=\s*(?:\d{1,2}\s*单元|\d{3,4}(?!\d)|-\s*\d))"
    r"|楼(?=\s*\d{1,2}\s*单元))"
)
_TRIPLE = re.compile(r"(?<!\d)(\d{1,3})\s*-\s*(\d{1,2})\s*-\s*(\d{3,4})(?!\d)")
_UNIT = re.compile(r"(?<!\d)(\d{1,2})\s*单元")
# Unit right after a building: "2单元" or "2-" when a room follows ("3号楼2-301").
_UNIT_AFTER = re.compile(r"\s*-?\s*(\d{1,2})\s*(?:单元|-(?=\s*\d{3,4}))")
# Room right after a building or unit; not an amount, age, year or part of a phone number.
_ROOM_AFTER = re.compile(r"\s*-?\s*(\d{3,4})(?![\d元块岁年月日米%.])")
_ROOM_MARKED = re.compile(r"(?<!\d)(\d{3,4})\s*[室房]")
_ANSWER = re.compile(r"(\d{1,3})\s*号?(?:\s*-\s*(\d{1,2}))?")
_ANSWER_CN = re.compile(r"([零〇一二两三四五六七八九十]{1,3})号?")
_TRAILING = "。.，,！!？?～~ \t\r\n"

_URGENT = re.compile(URGENT_PATTERN)
_NOT_URGENT = re.compile(NOT_URGENT_PATTERN)


@dataclass(frozen=True, slots=True)
class ParsedReport:
    """What the bot understood from one message."""

    kind: CaseKind
    confidence: float
    building: str | None
    unit: str | None
    room: str | None
    urgency: Urgency
    # The model's probability that this is an emergency, and the live safety category, if any.
    emergency_chance: float = 0.0
    category: str | None = None

    @property
    def danger_likely(self) -> bool:
        """Danger is likely but not certain: show the numbers at once and ask with one tap."""
        if self.kind is CaseKind.EMERGENCY:
            return self.confidence < CONFIDENT
        return self.emergency_chance >= DANGER_LIKELY or self.category is not None

    def as_dict(self) -> dict[str, object]:
        """Return a JSON-ready dict with enum values as plain strings."""
        return {
            "kind": self.kind.value,
            "building": self.building,
            "unit": self.unit,
            "room": self.room,
            "confidence": self.confidence,
            "urgency": self.urgency.value,
            "emergency_chance": self.emergency_chance,
            "category": self.category,
            "danger_likely": self.danger_likely,
        }


def _number(digits: str | None) -> str | None:
    """Drop leading zeros from a building or unit ("03" -> "3")."""
    return None if digits is None else str(int(digits))


def _short_answer(text: str) -> tuple[str | None, str | None]:
    """Read a reply that is nothing but a number, such as "3", "三", "3号" or "3-2"."""
    answer = text.strip(_TRAILING)
    if match := _ANSWER.fullmatch(answer):
        return _number(match.group(1)), _number(match.group(2))
    if (match := _ANSWER_CN.fullmatch(answer)) and (value := cn_to_int(match.group(1))):
        return str(value), None
    return None, None


def parse_address(text: str) -> tuple[str | None, str | None, str | None]:
    """Return (building, unit, room) found in the text, each None when absent."""
    text = normalise_numbers(text if isinstance(text, str) else "")
    building = unit = room = None
    if found := _BUILDING.search(text):
        building, end = _number(found.group(1)), found.end()
        if after_unit := _UNIT_AFTER.match(text, end):
            unit, end = _number(after_unit.group(1)), after_unit.end()
        if after_room := _ROOM_AFTER.match(text, end):
            room = after_room.group(1)
    elif triple := _TRIPLE.search(text):
        return _number(triple.group(1)), _number(triple.group(2)), triple.group(3)
    else:
        building, unit = _short_answer(text)
    if unit is None and (found_unit := _UNIT.search(text)):
        unit = _number(found_unit.group(1))
        if room is None and (after_room := _ROOM_AFTER.match(text, found_unit.end())):
            room = after_room.group(1)
    if room is None and (marked := _ROOM_MARKED.search(text)):
        room = marked.group(1)
    return building, unit, room


def classify(probabilities: dict[str, float], danger: Danger) -> tuple[CaseKind, float]:
    """Combine the model's probabilities with the safety rules: the kind and how sure."""
    emergency = probabilities[CaseKind.EMERGENCY.value]
    if danger.live:
        return CaseKind.EMERGENCY, round(max(emergency, RULE_CONFIDENCE), 2)
    if danger.weak and emergency >= WEAK_WITH:
        return CaseKind.EMERGENCY, round(emergency, 2)
    ranked = sorted(probabilities.items(), key=lambda kv: -kv[1])
    best, sure = ranked[0]
    if best == CaseKind.EMERGENCY.value and (
        (danger.defused and sure < OVER_DEFUSED) or (not danger.defused and sure < MODEL_ALONE)
    ):
        # Danger words negated, past or imagined, or no danger words and a hesitant model:
        # the next kind, never confident (the resident is still shown the numbers and asked).
        best, sure = ranked[1]
        sure = min(sure / (1.0 - emergency), CONFIDENT - 0.01)
    return CaseKind(best), round(sure, 2)


def _urgency(text: str, kind: CaseKind) -> Urgency:
    """Emergencies, dangerous repairs and fights need someone now."""
    if kind is CaseKind.EMERGENCY or _URGENT.search(_NOT_URGENT.sub("", text)):
        return Urgency.URGENT
    return Urgency.NORMAL


def likeliest_other_kind(text: str) -> CaseKind:
    """The likeliest kind that is not an emergency (the resident said it is none)."""
    probabilities = model().probabilities(normalise(text if isinstance(text, str) else ""))
    probabilities.pop(CaseKind.EMERGENCY.value)
    return CaseKind(max(probabilities, key=probabilities.__getitem__))


_AT_HOME = re.compile(r"我家|家里|俺家|屋里|我屋|家中|室内|卫生间|厕所|厨房|卧室|客厅|阳台|房间")


def at_home(text: str) -> bool:
    """The report is about the resident's own flat (so the flat on file applies)."""
    return bool(_AT_HOME.search(text if isinstance(text, str) else ""))


def parse_report(text: str, linear: LinearModel | None = None) -> ParsedReport:
    """Classify one resident message and extract its address; never raises.

    `linear` replaces the committed model (cross-validation trains its own)."""
    text = normalise(text if isinstance(text, str) else "")[:2000]
    probabilities = (linear or model()).probabilities(text)
    if not any(ch.isalnum() for ch in text):  # nothing to read: a guess, never sure
        probabilities = {kind: 0.25 if kind == CaseKind.OTHER.value else 0.75 / 4
                         for kind in probabilities}
    danger = scan(text)
    kind, confidence = classify(probabilities, danger)
    building, unit, room = parse_address(text)
    chance = round(probabilities[CaseKind.EMERGENCY.value], 2)
    category = danger.category
    return ParsedReport(kind, confidence, building, unit, room, _urgency(text, kind),
                        chance, category)
