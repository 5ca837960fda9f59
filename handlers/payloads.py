"""Button payloads: one small typed class per button, with named fields, packed well within
Telegram's 64-byte callback_data limit.

On the wire, version 1 is the first layout, "<prefix>:<field>:<field>" (trailing zeros dropped),
so the cards already in people's chats keep working. A class whose layout or meaning changed is
"<prefix>~<version>:<field>:…"; a press of an older version is refused politely (`Outdated`)
rather than misread, unless the class says how to read it (`legacy`: which old slot is which
field). Ids travel as named ids (a case, a person, a building); kinds, tiers and targets by their
value, never by their position in a list, and no two numbers are packed into one."""

from dataclasses import MISSING, Field, dataclass, field, fields
from typing import Any, ClassVar

from services.numbers import MAX_ID, parse_int

MAX_BYTES = 64
TELEGRAM_ID = {"max": 2**53}  # a field holding a Telegram user id, not a database id
_SAFE = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_")


class Outdated:
    """A press of a button from an older version of the bot."""


OUTDATED = Outdated()
_CLASSES: dict[str, type["ButtonData"]] = {}


class ButtonData:
    """Base of every button's data; a subclass is a frozen dataclass of int, str or bool."""

    prefix: ClassVar[str]
    version: ClassVar[int]
    # How a pre-version press maps its (case, arg) numbers onto fields; None: refuse it.
    legacy: ClassVar[tuple[str | None, ...] | None]
    # Shown only on cards sent to a staff member's private chat (flats, phones): a press in a
    # group is forged and is refused there.
    private: ClassVar[bool]

    def __init_subclass__(
        cls, *, prefix: str, version: int = 1, legacy: tuple[str | None, ...] | None = None,
        private: bool = False, **kw: Any,
    ) -> None:
        super().__init_subclass__(**kw)
        if prefix in _CLASSES:
            raise ValueError(f"button prefix {prefix!r} used twice")
        if version == 1 and (legacy is None or None in legacy):
            raise ValueError(f"version 1 of {prefix!r} must name every old slot")
        cls.prefix, cls.version, cls.legacy, cls.private = prefix, version, legacy, private
        _CLASSES[prefix] = cls

    def pack(self) -> str:
        """Encode for callback_data."""
        specs = _fields_of(type(self))
        values = [_encode(getattr(self, f.name)) or "" for f in specs]
        if self.version == 1:  # the first layout: trailing zeros dropped
            while values and values[-1] == "0":
                values.pop()
            data = ":".join([self.prefix, *values])
        else:
            defaults = [None if f.default is MISSING else _encode(f.default) for f in specs]
            while values and values[-1] == defaults[len(values) - 1]:
                values.pop()
            data = ":".join([f"{self.prefix}~{self.version}", *values])
        if len(data.encode()) > MAX_BYTES:
            raise ValueError("callback_data over 64 bytes")
        return data


_FIELDS: dict[type[ButtonData], tuple["Field[Any]", ...]] = {}


def _fields_of(cls: type[ButtonData]) -> tuple["Field[Any]", ...]:
    """A button class's dataclass fields, worked out once (every card packs a few buttons, and
    `dataclasses.fields` builds the tuple anew on each call)."""
    found = _FIELDS.get(cls)
    if found is None:
        found = _FIELDS[cls] = fields(cls)  # type: ignore[arg-type]
    return found


def _encode(value: object) -> str | None:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        if not set(value) <= _SAFE:
            raise ValueError(f"{value!r} cannot travel in a button")
        return value
    return None


def _decode(spec: "Field[Any]", text: str) -> object:
    kind = spec.type
    if kind in (bool, "bool"):
        if text not in ("0", "1"):
            raise ValueError(text)
        return text == "1"
    if kind in (int, "int"):  # ASCII digits within what the field can hold (services.numbers)
        number = parse_int(text, high=spec.metadata.get("max", MAX_ID))
        if number is None:
            raise ValueError(text)
        return number
    if not text or not set(text) <= _SAFE:
        raise ValueError(text)
    return text


def unpack(data: str) -> "ButtonData | Outdated | None":
    """Decode a press; anything malformed or forged gives None, an older version OUTDATED."""
    if not data or len(data.encode()) > MAX_BYTES:
        return None
    head, *parts = data.split(":")
    prefix, sep, version = head.partition("~")
    cls = _CLASSES.get(prefix)
    if cls is None:
        return None
    try:
        if sep:
            number = parse_int(version, high=999)
            if number is None:
                return None
            if number != cls.version or cls.version == 1:
                return OUTDATED if number < cls.version else None
            names = (f.name for f in fields(cls))  # type: ignore[arg-type]
            return _build(cls, dict(zip(names, parts, strict=False)), len(parts))
        return _legacy(cls, parts)
    except (TypeError, ValueError):
        return None


def _build(cls: type["ButtonData"], raw: dict[str, str], given: int) -> "ButtonData | None":
    names = [f.name for f in fields(cls)]  # type: ignore[arg-type]
    if given > len(names):
        return None
    specs = {f.name: f for f in fields(cls)}  # type: ignore[arg-type]
    return cls(**{name: _decode(specs[name], value) for name, value in raw.items()})


def _legacy(cls: type["ButtonData"], parts: list[str]) -> "ButtonData | Outdated | None":
    if len(parts) > 2 or any(parse_int(p, high=2**53) is None for p in parts):
        return None
    if cls.legacy is None:
        return OUTDATED
    numbers = [int(p) for p in parts] + [0] * (2 - len(parts))
    raw: dict[str, str] = {}
    for slot, name in enumerate(cls.legacy):
        if name is None:
            if numbers[slot]:
                return None
        else:
            raw[name] = str(numbers[slot])
    if any(numbers[slot] for slot in range(len(cls.legacy), 2)):
        return None
    return _build(cls, raw, len(raw))


# The closed loop ---------------------------------------------------------------------------------
C = ("case_id",)  # a press from before versions: the case in the first slot


@dataclass(frozen=True)
class Accept(ButtonData, prefix="a", legacy=C, private=True):
    """Worker: 接单."""

    case_id: int


@dataclass(frozen=True)
class Transfer(ButtonData, prefix="t", legacy=C, private=True):
    """Worker: choose a colleague to hand the case to."""

    case_id: int


@dataclass(frozen=True)
class TransferTo(ButtonData, prefix="tt", legacy=("case_id", "person_id"), private=True):
    """Worker: hand the case to this colleague."""

    case_id: int
    person_id: int


@dataclass(frozen=True)
class GiveBack(ButtonData, prefix="r", legacy=C, private=True):
    """Worker: return the case to the manager (asks for a reason)."""

    case_id: int


@dataclass(frozen=True)
class Resolve(ButtonData, prefix="d", legacy=C, private=True):
    """Worker: mark handled (asks for a note)."""

    case_id: int


@dataclass(frozen=True)
class SkipNote(ButtonData, prefix="dn", legacy=C, private=True):
    """Worker: resolve without a note."""

    case_id: int


@dataclass(frozen=True)
class AssignTo(ButtonData, prefix="as", legacy=("case_id", "person_id"), private=True):
    """Manager: assign the case to this worker."""

    case_id: int
    person_id: int


@dataclass(frozen=True)
class Solved(ButtonData, prefix="y", legacy=C):
    """Resident: 解决了."""

    case_id: int


@dataclass(frozen=True)
class NotSolved(ButtonData, prefix="n", legacy=C):
    """Resident: 没解决."""

    case_id: int


@dataclass(frozen=True)
class Stars(ButtonData, prefix="s", legacy=("case_id", "stars")):
    """Resident: rate the case."""

    case_id: int
    stars: int


@dataclass(frozen=True)
class NoComment(ButtonData, prefix="sc", legacy=C):
    """Resident: finish without a comment."""

    case_id: int


@dataclass(frozen=True)
class OpenCase(ButtonData, prefix="o", legacy=C, private=True):
    """Anyone allowed: show the case card."""

    case_id: int


@dataclass(frozen=True)
class TasksPage(ButtonData, prefix="p", version=2, legacy=(None, "offset"), private=True):
    """Worker: the /tasks page starting at `offset`."""

    offset: int = 0


@dataclass(frozen=True)
class PickBuilding(ButtonData, prefix="b", version=2, legacy=(None, "building_id")):
    """Intake: the building (0: a public area)."""

    building_id: int = 0


@dataclass(frozen=True)
class PickCommunity(ButtonData, prefix="c", version=2, legacy=(None, "community_id")):
    """Intake: the community."""

    community_id: int


@dataclass(frozen=True)
class PickKind(ButtonData, prefix="k", version=2):
    """Intake: the kind of case, by its value (the old buttons sent a list position)."""

    kind: str


@dataclass(frozen=True)
class CancelReport(ButtonData, prefix="x", legacy=()):
    """Intake: stop."""


# Micro-wishes and points ----------------------------------------------------------------------
@dataclass(frozen=True)
class WishFor(ButtonData, prefix="wf", version=2, legacy=(None, "resident_id"), private=True):
    """Worker: post a wish for this resident (0: register a new one)."""

    resident_id: int = 0


@dataclass(frozen=True)
class ApproveWish(ButtonData, prefix="wa", legacy=C, private=True):
    """Reviewer: publish the wish."""

    case_id: int


@dataclass(frozen=True)
class EditWish(ButtonData, prefix="we", legacy=C, private=True):
    """Reviewer: rewrite the public wording."""

    case_id: int


@dataclass(frozen=True)
class WishPoints(ButtonData, prefix="wt", legacy=("case_id", "points"), private=True):
    """Reviewer: the wish is worth this many points."""

    case_id: int
    points: int


@dataclass(frozen=True)
class DeclineWish(ButtonData, prefix="wx", legacy=C, private=True):
    """Reviewer: decline (asks for a reason)."""

    case_id: int


@dataclass(frozen=True)
class ClaimWish(ButtonData, prefix="wc", legacy=C):
    """Volunteer: 认领."""

    case_id: int


@dataclass(frozen=True)
class UnclaimWish(ButtonData, prefix="wu", legacy=C):
    """Claimer: give the wish back."""

    case_id: int


@dataclass(frozen=True)
class WishDone(ButtonData, prefix="wd", legacy=C):
    """Claimer: fulfilled (asks for a note)."""

    case_id: int


@dataclass(frozen=True)
class ConfirmWish(ButtonData, prefix="wy", legacy=C):
    """Resident (or the worker for them): fulfilled; credit the points."""

    case_id: int


@dataclass(frozen=True)
class WishNotYet(ButtonData, prefix="wo", legacy=C):
    """Resident: not fulfilled yet."""

    case_id: int


@dataclass(frozen=True)
class NoThanks(ButtonData, prefix="wk", legacy=C):
    """Resident: no thanks message."""

    case_id: int


@dataclass(frozen=True)
class WishesPage(ButtonData, prefix="wp", version=2, legacy=(None, "offset")):
    """Volunteer: the /wishes page starting at `offset`."""

    offset: int = 0


@dataclass(frozen=True)
class Redeem(ButtonData, prefix="wb", version=2, legacy=(None, "item_id")):
    """Volunteer: exchange points for this item."""

    item_id: int


@dataclass(frozen=True)
class Handed(ButtonData, prefix="wh", version=2, legacy=(None, "redemption_id"), private=True):
    """Manager: the redemption was handed over."""

    redemption_id: int


@dataclass(frozen=True)
class Refund(ButtonData, prefix="wz", version=2, legacy=(None, "redemption_id"), private=True):
    """Manager: cancel the redemption (asks for a reason)."""

    redemption_id: int


# Disputes --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class DisputeAnswer(ButtonData, prefix="mq", version=2):
    """Resident: the answer to an intake question, named by its field (old: a step position)."""

    question: str
    answer: int


@dataclass(frozen=True)
class DisputeCommunity(ButtonData, prefix="mc", version=2, legacy=(None, "community_id")):
    """Resident: the dispute is in this community."""

    community_id: int


@dataclass(frozen=True)
class CancelDispute(ButtonData, prefix="mz", legacy=()):
    """Resident: stop the dispute intake."""


@dataclass(frozen=True)
class DeleteOriginal(ButtonData, prefix="md", legacy=("message_id", "sender_id")):
    """Reporter in a group: delete their message there."""

    message_id: int
    sender_id: int = field(metadata=TELEGRAM_ID)


@dataclass(frozen=True)
class MediateAccept(ButtonData, prefix="ma", legacy=C, private=True):
    """Mediator: take the dispute."""

    case_id: int


@dataclass(frozen=True)
class MediateSchedule(ButtonData, prefix="ms", legacy=C, private=True):
    """Mediator: set a session (asks date, time, place)."""

    case_id: int


@dataclass(frozen=True)
class MediateOutcome(ButtonData, prefix="mo", legacy=C, private=True):
    """Mediator: record the outcome (shows the choices)."""

    case_id: int


@dataclass(frozen=True)
class MediateAgreed(ButtonData, prefix="mg", legacy=C, private=True):
    """Mediator: agreement reached (asks its text)."""

    case_id: int


@dataclass(frozen=True)
class MediatePartial(ButtonData, prefix="mp", legacy=C, private=True):
    """Mediator: partly agreed (asks a note)."""

    case_id: int


@dataclass(frozen=True)
class MediateFailed(ButtonData, prefix="mf", legacy=C, private=True):
    """Mediator: failed; the next tier takes it."""

    case_id: int


@dataclass(frozen=True)
class MediateRefer(ButtonData, prefix="mr", version=2, private=True):
    """Mediator: refer outside to `target` (empty: show the targets; old: a list position)."""

    case_id: int
    target: str = "none"


@dataclass(frozen=True)
class ChangeTier(ButtonData, prefix="mt", version=2, private=True):
    """Manager: move the dispute to this tier, by name (old: a list position)."""

    case_id: int
    tier: str


@dataclass(frozen=True)
class AgreementHeld(ButtonData, prefix="mh", legacy=C):
    """Party: the agreement held."""

    case_id: int


@dataclass(frozen=True)
class AgreementBroken(ButtonData, prefix="mb", legacy=C):
    """Party: the agreement did not hold (reopens)."""

    case_id: int


# Emergencies, managers' tools, home visits -----------------------------------------------------
@dataclass(frozen=True)
class TakeEmergency(ButtonData, prefix="ea", legacy=C, private=True):
    """Alerted staff: 我来处理."""

    case_id: int


@dataclass(frozen=True)
class ExportMonth(ButtonData, prefix="gx", version=2):
    """/export: this community's ledger for this month; then the kinds."""

    community_id: int
    year: int
    month: int


@dataclass(frozen=True)
class ExportLedger(ButtonData, prefix="gk", version=2):
    """/export: the ledger of one kind (or "all") in one format (old: digits packed in one)."""

    community_id: int
    year: int
    month: int
    kind: str
    fmt: str


@dataclass(frozen=True)
class SendNotice(ButtonData, prefix="gn", legacy=("notice_id", "private_too")):
    """/notice: send the draft (privately to subscribers too, or to the groups only)."""

    notice_id: int
    private_too: bool = False


@dataclass(frozen=True)
class DropNotice(ButtonData, prefix="gd", legacy=("notice_id",)):
    """/notice: discard the draft."""

    notice_id: int


@dataclass(frozen=True)
class VisitHome(ButtonData, prefix="vh", legacy=("person_id",), private=True):
    """Home visits: this household (its resident)."""

    person_id: int


@dataclass(frozen=True)
class LogVisit(ButtonData, prefix="vl", legacy=("person_id", "outcome"), private=True):
    """Home visits: log the outcome (1 visited, 2 not at home, 3 needs help)."""

    person_id: int
    outcome: int


# Intake's danger question (handlers/danger.py) -------------------------------------------------
@dataclass(frozen=True)
class RaiseSos(ButtonData, prefix="es", legacy=C):
    """Reporter: my urgent repair is an emergency (🆘)."""

    case_id: int


@dataclass(frozen=True)
class NotDanger(ButtonData, prefix="kn", legacy=()):
    """Intake: not an emergency (the one-tap question when danger is likely)."""


# Service guide (handlers/guide.py) ------------------------------------------------------------
@dataclass(frozen=True)
class ShowGuide(ButtonData, prefix="us", legacy=("entry_id",)):
    """Anyone: show this guide entry."""

    entry_id: int


@dataclass(frozen=True)
class GuideUseful(ButtonData, prefix="uy", legacy=("question_id",)):
    """Asker: the answer to this question helped."""

    question_id: int


@dataclass(frozen=True)
class GuideNotSolved(ButtonData, prefix="un", legacy=("question_id",)):
    """Asker: it did not; file the question as a case."""

    question_id: int


# Residents' voice (issue 17: handlers/metoo.py, suggestions.py, votes.py) ---------------------
@dataclass(frozen=True)
class MeToo(ButtonData, prefix="fm", version=2):
    """Resident: I have this fault too; follow the case (a group receipt, or `offered`: the
    answer to the bot's "is it the same?" about the presser's own report)."""

    case_id: int
    offered: bool = False


@dataclass(frozen=True)
class NotSame(ButtonData, prefix="fn", version=2):
    """Resident: my report is not that case; file it as a new one."""

    case_id: int


@dataclass(frozen=True)
class FollowerSolved(ButtonData, prefix="fy", version=2):
    """Follower: the handled case is (or is not) fixed for me too."""

    case_id: int
    solved: bool = True


@dataclass(frozen=True)
class AnswerSuggestion(ButtonData, prefix="sa", version=2, private=True):
    """Manager: write the reply to this suggestion."""

    suggestion_id: int


@dataclass(frozen=True)
class PublishAnswer(ButtonData, prefix="sp", version=2, private=True):
    """Manager: post this answered suggestion to the community's groups."""

    suggestion_id: int


@dataclass(frozen=True)
class CastBallot(ButtonData, prefix="vb", version=2):
    """Resident: vote for this option (the option's index in the topic's own list)."""

    topic_id: int
    option: int


@dataclass(frozen=True)
class RecordDecision(ButtonData, prefix="vd", version=2, private=True):
    """Manager: record the decision and follow-up of a closed vote."""

    topic_id: int


# Activities (handlers/activities.py) ----------------------------------------------------------
@dataclass(frozen=True)
class JoinActivity(ButtonData, prefix="hj", legacy=("activity_id",)):
    """Resident or volunteer: sign up for this activity."""

    activity_id: int


@dataclass(frozen=True)
class JoinDeclared(ButtonData, prefix="hd", legacy=("activity_id",)):
    """Resident: sign up, saying they are of the people it is for (age, disability, hardship)."""

    activity_id: int


@dataclass(frozen=True)
class LeaveActivity(ButtonData, prefix="hl", legacy=("activity_id",)):
    """Signed up: cancel before the start."""

    activity_id: int


@dataclass(frozen=True)
class CheckIn(ButtonData, prefix="hc", legacy=("signup_id",)):
    """Organiser: this sign-up was there."""

    signup_id: int


@dataclass(frozen=True)
class ShowMedia(ButtonData, prefix="sm", legacy=C, private=True):
    """/case: show the photos, voice and map point kept with the case, privately."""

    case_id: int


def all_buttons() -> tuple[type[ButtonData], ...]:
    """Every button class the bot knows."""
    return tuple(_CLASSES.values())
