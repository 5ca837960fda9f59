"""The authorisation matrix: every button action and the commands that show or change a case,
pressed or typed by every role, in private and in a group. Exactly the allowed ones change
state; the rest change nothing and disclose nothing of the case."""

import itertools
import json
from dataclasses import fields
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Table, select
from sqlalchemy import text as sql_text
from sqlmodel import SQLModel, col

from bot.db import Sessions
from bot.processing import Processor
from handlers.payloads import (
    Accept,
    ButtonData,
    GiveBack,
    NoComment,
    OpenCase,
    Resolve,
    SkipNote,
    Solved,
    Stars,
    all_buttons,
)
from handlers.texts import Texts
from handlers.types import Incoming, Sender
from models import Person
from services.clock import FrozenClock
from services.structure_import import import_structure
from tests.conftest import example_structure

GROUP = -1001000000001  # 玉兰社区's group
ROLES = {  # Telegram ids from examples/community.yaml; residents and the stranger are new
    "reporter": 5001, "other_resident": 5002, "worker": 940001, "other_grid_worker": 940002,
    "mediator": 920002, "volunteer": 930001, "manager": 910001, "other_manager": 910002,
    "admin": 900001, "stranger": 7777,
}
SECRET = ("楼道灯坏了", "王大爷")  # the report's text and the reporter's name
# Tables whose rows are the state a press may change (not the bookkeeping of every update).
IGNORED = {"processed_update", "outbox", "person", "failed_update"}


STATE_TABLES = [t for t in SQLModel.metadata.sorted_tables if t.name not in IGNORED]


def _rows_as_json(table: Table, dialect: str) -> str:
    """A subquery giving every row of the table as one JSON array (NULL or [] when empty)."""
    if dialect == "postgresql":
        return f'(SELECT json_agg(r)::text FROM "{table.name}" r)'
    columns = ", ".join(f"'{c.name}', \"{c.name}\"" for c in table.columns)
    return f'(SELECT json_group_array(json_object({columns})) FROM "{table.name}")'


async def _state(sessions: Sessions) -> dict[str, list[str]]:
    """Every row of every state table, in one statement: one SELECT per table after each of
    the 1,400 presses was most of the test's time (80 s on PostgreSQL)."""
    async with sessions() as session:
        dialect = (await session.connection()).dialect.name
        sql = "SELECT " + ", ".join(_rows_as_json(t, dialect) for t in STATE_TABLES)
        tables = (await session.execute(sql_text(sql))).one()
    return {t.name: sorted(json.dumps(row, sort_keys=True, ensure_ascii=False)
                           for row in json.loads(rows or "[]"))
            for t, rows in zip(STATE_TABLES, tables, strict=True)}


class Bench:
    """The processor, in-process (the real handlers and database, no emulator)."""

    def __init__(self, sessions: Sessions, clock: FrozenClock) -> None:
        self.sessions = sessions
        self.processor = Processor(sessions, clock, Texts("zh"), ZoneInfo("Asia/Shanghai"),
                                   "gridbot_test_bot")
        self.next_id = 1

    async def press(self, role: str, *, in_group: bool, data: str) -> tuple[list[str], list[int]]:
        """A role presses a button with this data."""
        return await self.run(role, in_group=in_group, data=data)

    async def say(self, role: str, *, in_group: bool, text: str) -> tuple[list[str], list[int]]:
        """A role writes this text."""
        return await self.run(role, in_group=in_group, text=text)

    async def run(self, role: str, *, in_group: bool, text: str = "",
                  data: str | None = None) -> tuple[list[str], list[int]]:
        """One update from a role; every text it produced, and where each goes (0: the answer
        to the press, shown to the presser only)."""
        self.next_id += 1
        user = ROLES[role]
        incoming = Incoming(
            update_id=self.next_id, chat_id=GROUP if in_group else user,
            chat_type="supergroup" if in_group else "private",
            sender=Sender(id=user, name="王大爷" if role == "reporter" else f"用户{user}"),
            text=text, message_id=self.next_id, callback_id=str(self.next_id) if data else None,
            callback_data=data)
        effects = await self.processor.process(incoming)
        assert effects is not None
        answer = effects.answer.text if effects.answer else ""
        return ([answer, *(m.text for m in effects.messages)],
                [0, *(m.chat_id for m in effects.messages)])


@pytest.fixture
async def bench(sessions: Sessions, clock: FrozenClock) -> Bench:
    """The sample community, everyone registered, and case #1: a repair reported privately by
    the reporter in building 3, assigned to its grid's worker."""
    async with sessions() as session, session.begin():
        await import_structure(session, example_structure())
    b = Bench(sessions, clock)
    for role in ROLES:
        await b.run(role, in_group=False, text="/start")
    await b.run("reporter", in_group=False, text="/report 3号楼2单元楼道灯坏了")
    return b


# Each field of a button filled as the old (case 1, arg) presses did: the case, the colleague
# (黄), 5 stars, 1 for any other number, and a valid word for a text field.
NUMBERS = {"case_id": 1, "person_id": -1, "stars": 5}
WORDS = {"kind": "repair", "fmt": "csv", "tier": "community", "target": "none",
         "question": "what"}


def _payload(button: type[ButtonData], huang: int) -> str:
    values: dict[str, object] = {}
    for f in fields(button):  # type: ignore[arg-type]
        if f.type in (bool, "bool"):
            values[f.name] = True
        elif f.type in (int, "int"):
            number = NUMBERS.get(f.name, 1)
            values[f.name] = huang if number == -1 else number
        else:
            values[f.name] = WORDS.get(f.name, "x")
    return button(**values).pack()


# Each action is tried by everyone else first, then by those who may: a forged press meets the
# case in the state where the real one would work. The case moves on as the loop goes (accepted,
# resolved, confirmed, rated), so the allowed presses are those that are valid at their turn.
ORDER = ["stranger", "other_resident", "volunteer", "mediator", "other_grid_worker",
         "other_manager", "reporter", "admin", "manager", "worker"]
ALLOWED: dict[type[ButtonData], set[tuple[str, bool]]] = {  # (role, in a group) whose press
    # changes state
    Accept: {("worker", False)},  # staff buttons work only in private chats
    GiveBack: {("worker", False)},  # asks the reason (a waiting question)
    Resolve: {("worker", False)},  # asks the note
    SkipNote: {("worker", False)},  # resolved without a note
    Solved: {("reporter", True)},  # a reporter without a private chat confirms in the group
    Stars: {("reporter", True)},
    NoComment: {("reporter", True)},  # ends the reporter's own waiting question
    # Seeing the card with the flat and phone is recorded (data_access) for the staff allowed.
    OpenCase: {("admin", False), ("manager", False), ("worker", False)},
}
MAY_SEE = {"reporter", "worker", "manager", "admin"}  # the case's text and the reporter's name
COMMANDS = ["/case 1", "/case #1", "/start c1", "/tasks", "/my", "/audit", "/staff"]


@pytest.mark.heavy
async def test_every_action_and_command_by_every_role_changes_and_shows_only_what_is_allowed(
    bench: Bench, sessions: Sessions,
) -> None:
    async with sessions() as session:
        huang = (await session.execute(
            select(col(Person.id)).where(col(Person.telegram_id) == 940002))).scalar_one()
    assert huang is not None
    wrong: list[str] = []
    state = await _state(sessions)
    for act in all_buttons():
        for role, in_group in itertools.product(ORDER, (True, False)):
            said, to = await bench.press(role, in_group=in_group, data=_payload(act, huang))
            after = await _state(sessions)
            if (after != state) != ((role, in_group) in ALLOWED.get(act, set())):
                wrong.append(f"{act.__name__} by {role} {'in group' if in_group else 'privately'}:"
                             f" {'changed' if after != state else 'did not change'} state")
            state = after
            wrong += _leaks(f"{act.__name__} by {role}", role, said, to)
    for text, role, in_group in itertools.product(COMMANDS, ORDER, (True, False)):
        said, to = await bench.say(role, in_group=in_group, text=text)
        wrong += _leaks(f"{text} by {role}", role, said, to)
    assert wrong == [], "\n".join(wrong)


def _leaks(what: str, role: str, said: list[str], to: list[int]) -> list[str]:
    """The case's details may reach only the private chats of those who may see them."""
    allowed_chats = {ROLES[r] for r in MAY_SEE}
    return [f"{what}: disclosed to {chat}" for text, chat in zip(said, to, strict=True)
            if any(s in text for s in SECRET)
            and not (chat in allowed_chats or (chat == 0 and role in MAY_SEE))]
