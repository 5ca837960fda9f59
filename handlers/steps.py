"""What the bot remembers while it waits for someone's words: one small type per kind of step,
stored as JSON in the conversation row and read back as that type before the step's handler
runs. A module declares each step it asks with `Asks(state type, handler)` in its FEATURE."""

from collections.abc import Awaitable, Callable
from copy import deepcopy
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Generic, TypeVar

T = TypeVar("T")


@dataclass
class Nothing:
    """A question with nothing to remember yet."""


@dataclass
class OnCase:
    """A question about one case: a reason, a note, a comment, a session, an agreement."""

    case_id: int


@dataclass
class Referral(OnCase):
    """The mediator's reason for referring a dispute to `target`."""

    target: str


@dataclass
class OnRedemption:
    """The manager's reason for cancelling a redemption."""

    redemption_id: int


@dataclass
class ReportDraft:
    """A resident's report while the intake asks what is missing."""

    text: str = ""
    kind: str = "other"
    urgency: str = "normal"
    kind_ok: bool = False
    building: str | None = None
    unit: str | None = None
    room: str | None = None
    message_id: int | None = None
    community_id: int | None = None
    building_id: int | None = None
    public_area: bool = False
    asked_building: bool = False
    remember: bool = False
    danger: bool = False  # danger likely: ask the one tap first (handlers/danger.py)
    at_home: bool = False  # the repair is inside the home: the remembered flat applies
    # Photos, a voice, a map point sent with it (handlers/media.py), kept by file_id.
    media: list[dict[str, Any]] = field(default_factory=list)
    ask_where: bool = False  # no words said where: ask, the remembered building first
    near_building_id: int | None = None  # nearest a shared location: proposed first


@dataclass
class DisputeDraft:
    """A dispute while its private intake asks the questions; `answered` names the questions
    already answered (an answer may be "unknown")."""

    what: str | None = None
    place: str | None = None
    other: str | None = None
    since: str | None = None
    hurt: bool | None = None
    damage: bool | None = None
    compensation: bool | None = None
    repeated: bool | None = None
    community_id: int | None = None
    answered: list[str] = field(default_factory=list)
    warned: bool = False  # the 110 line was shown for violence or a threat
    media: list[dict[str, Any]] = field(default_factory=list)  # photos, voice: the mediator's

    def answer(self, question: str, value: object) -> None:
        """Record an answer to one question."""
        setattr(self, question, value)
        if question not in self.answered:
            self.answered.append(question)

    def has(self, question: str) -> bool:
        """Tell whether the question was answered."""
        return question in self.answered


@dataclass
class WishPosting:
    """A worker posting a wish for a resident (registered now, or already)."""

    text: str = ""
    resident_id: int | None = None
    name: str = ""
    phone: str | None = None


def dump(state: object) -> dict[str, Any]:
    """The state as JSON-ready data for the conversation row (a plain dict passes as it is)."""
    if isinstance(state, dict):
        return dict(state)
    return asdict(state)  # type: ignore[call-overload,no-any-return]


def load(kind: type[T], data: dict[str, Any]) -> T:
    """Read a stored state back as its type (keys it does not know are ignored)."""
    names = {f.name for f in fields(kind)}  # type: ignore[arg-type]
    # A copy: the row's own lists must not change under it, or the new state looks unchanged.
    return kind(**{key: deepcopy(value) for key, value in data.items() if key in names})


@dataclass(frozen=True)
class Asks(Generic[T]):
    """One step a module asks: what it remembers meanwhile, and who takes the answer."""

    state: type[T]
    handler: Callable[[Any, str, T], Awaitable[None]]
