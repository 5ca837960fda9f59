"""Button payloads: compact, typed, and well within Telegram's 64-byte callback_data limit."""

from dataclasses import dataclass
from enum import StrEnum

MAX_BYTES = 64


class Act(StrEnum):
    """Every button the bot shows; the value is what travels in callback_data."""

    ACCEPT = "a"  # worker: 接单
    TRANSFER = "t"  # worker: choose a colleague
    TRANSFER_TO = "tt"  # worker: transfer to person `arg`
    RETURN = "r"  # worker: return to the manager (asks for a reason)
    RESOLVE = "d"  # worker: mark handled (asks for a note)
    SKIP_NOTE = "dn"  # worker: resolve without a note
    ASSIGN_TO = "as"  # manager: assign to person `arg`
    SOLVED = "y"  # resident: 解决了
    NOT_SOLVED = "n"  # resident: 没解决
    STARS = "s"  # resident: rating `arg` stars
    NO_COMMENT = "sc"  # resident: no comment
    OPEN = "o"  # anyone allowed: show the case card
    PAGE = "p"  # worker: /tasks page starting at `arg`
    PICK_BUILDING = "b"  # intake: building id `arg` (0 = public area)
    PICK_COMMUNITY = "c"  # intake: community id `arg`
    PICK_KIND = "k"  # intake: kind index `arg`
    CANCEL = "x"  # intake: stop
    VISIT_HOME = "vh"  # home visits: household (person id in the case slot)
    VISIT_LOG = "vl"  # home visits: log outcome `arg` (1 visited, 2 not at home, 3 needs help)


@dataclass(frozen=True, slots=True)
class Payload:
    """One button's meaning: an action, usually on a case, with an optional number."""

    act: Act
    case_id: int = 0
    arg: int = 0

    def pack(self) -> str:
        """Encode as "act:case:arg" (trailing zeros dropped)."""
        parts = [self.act.value, str(self.case_id), str(self.arg)]
        while len(parts) > 1 and parts[-1] == "0":
            parts.pop()
        data = ":".join(parts)
        if len(data.encode()) > MAX_BYTES:
            raise ValueError("callback_data over 64 bytes")
        return data

    @classmethod
    def unpack(cls, data: str) -> "Payload | None":
        """Decode; anything malformed or forged gives None."""
        if not data or len(data.encode()) > MAX_BYTES:
            return None
        head, *numbers = data.split(":")
        if len(numbers) > 2:
            return None
        try:
            act = Act(head)
            values = [int(n) for n in numbers] + [0] * (2 - len(numbers))
        except ValueError:
            return None
        if any(v < 0 or v > 2**53 for v in values):
            return None
        return cls(act, values[0], values[1])
