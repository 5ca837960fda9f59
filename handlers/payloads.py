"""Button payloads: compact, typed, and well within Telegram's 64-byte callback_data limit."""

from dataclasses import dataclass
from enum import StrEnum

from services.numbers import parse_int

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
    # Micro-wishes and points (handlers/wish_*.py, handlers/points.py).
    WISH_FOR = "wf"  # worker: post a wish for resident `arg` (0 = register a new one)
    WISH_APPROVE = "wa"  # reviewer: publish the wish
    WISH_EDIT = "we"  # reviewer: rewrite the public wording
    WISH_POINTS = "wt"  # reviewer: the wish is worth `arg` points
    WISH_DECLINE = "wx"  # reviewer: decline (asks for a reason)
    WISH_CLAIM = "wc"  # volunteer: 认领
    WISH_UNCLAIM = "wu"  # claimer: give the wish back
    WISH_DONE = "wd"  # claimer: fulfilled (asks for a note)
    WISH_CONFIRM = "wy"  # resident (or the worker for them): fulfilled, credit the points
    WISH_NOT_YET = "wo"  # resident: not fulfilled yet
    WISH_NO_THANKS = "wk"  # resident: no thanks message
    WISH_PAGE = "wp"  # volunteer: /wishes page starting at `arg`
    WISH_REDEEM = "wb"  # volunteer: exchange points for item `arg`
    WISH_HANDED = "wh"  # manager: redemption `arg` handed over
    WISH_REFUND = "wz"  # manager: cancel redemption `arg` (asks for a reason)
    # Disputes (handlers/disputes.py): "m…"
    DISPUTE_ANSWER = "mq"  # resident: answer to intake question `case` (step index) = `arg`
    DISPUTE_COMMUNITY = "mc"  # resident: the dispute is in community `arg`
    DISPUTE_CANCEL = "mz"  # resident: stop the dispute intake
    DELETE_ORIGINAL = "md"  # reporter in a group: delete message `case`, sent by user `arg`
    MEDIATE_ACCEPT = "ma"  # mediator: take the dispute
    MEDIATE_SCHEDULE = "ms"  # mediator: set a session (asks date, time, place)
    MEDIATE_OUTCOME = "mo"  # mediator: record the outcome (shows the choices)
    MEDIATE_AGREED = "mg"  # mediator: agreement reached (asks its text)
    MEDIATE_PARTIAL = "mp"  # mediator: partly agreed (asks a note)
    MEDIATE_FAILED = "mf"  # mediator: failed, escalate to the next tier
    MEDIATE_REFER = "mr"  # mediator: refer outside to target `arg` (0 = show the targets)
    MEDIATE_TIER = "mt"  # manager: move the dispute to tier index `arg`
    FOLLOWUP_HELD = "mh"  # party: the agreement held
    FOLLOWUP_BROKEN = "mb"  # party: the agreement did not hold (reopens)
    # Emergencies (handlers/emergency.py): "e…"
    SOS_ACK = "ea"  # alerted staff: 我来处理
    SOS_RAISE = "es"  # reporter: my urgent repair `case` is an emergency (🆘)
    DANGER_NO = "kn"  # intake: not an emergency (the one-tap question when danger is likely)
    # Managers' tools (prefix g).
    EXPORT_MONTH = "gx"  # /export: community `case_id`, month `arg` (yyyymm); then the kinds
    EXPORT_KIND = "gk"  # /export: community `case_id`, `arg` = yyyymm*100 + kind*10 + csv
    NOTICE_SEND = "gn"  # /notice: send notice `case_id`; `arg` 1 = privately to subscribers too
    NOTICE_DROP = "gd"  # /notice: discard the draft `case_id`
    VISIT_HOME = "vh"  # home visits: household (person id in the case slot)
    VISIT_LOG = "vl"  # home visits: log outcome `arg` (1 visited, 2 not at home, 3 needs help)
    # Service guide (handlers/guide.py): "u…"
    GUIDE_SHOW = "us"  # anyone: show guide entry (id in the case slot)
    GUIDE_USEFUL = "uy"  # asker: the answer to question (id in the case slot) helped
    GUIDE_NOT_SOLVED = "un"  # asker: it did not: file the question as a case
    # Activities (handlers/activities.py): "h…"
    ACTIVITY_JOIN = "hj"  # resident or volunteer: sign up for activity (id in the case slot)
    ACTIVITY_LEAVE = "hl"  # signed up: cancel before the start
    ACTIVITY_CHECK = "hc"  # organiser: sign-up (id in the case slot) was there


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
        except ValueError:
            return None
        values = [parse_int(n) for n in numbers] + [0] * (2 - len(numbers))
        if any(v is None for v in values):  # not ASCII digits, or beyond what an id can be
            return None
        return cls(act, values[0] or 0, values[1] or 0)
