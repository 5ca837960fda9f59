"""Property: whatever arrives (any text up to 10,000 characters, commands with absurd arguments,
garbage and out-of-range button data, messages without text, updates the library cannot parse),
the bot logs no traceback, answers what is due, makes no invalid Bot API call, and the next
ordinary report still works."""

import logging
import os
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from handlers.payloads import all_buttons
from handlers.router import COMMANDS as BOT_COMMANDS
from sandbox import FakeUser
from sandbox.files import StoredFile
from services.clock import FrozenClock
from tests.e2e.harness import CHEN, RESIDENT, YULAN_GROUP, ZHANG, World, build_world

EXAMPLES, BATCH = int(os.environ.get("HOSTILE_EXAMPLES", 30)), 50  # 1,500 updates
PEOPLE = [RESIDENT, FakeUser(id=5101, first_name="钱"), ZHANG, CHEN]
# Generated reports land in any grid (building 16 is 马强's, in 林主任's community): everyone they
# may reach has pressed Start, so that a rejected call means an invalid one. A worker who never
# pressed Start is the unreachable-staff path (tests/e2e/test_unreachable_staff.py).
STARTED = [FakeUser(id=i, first_name=n) for i, n in (
    (900001, "周主任"), (910002, "林主任"), (920004, "郑调解员"), (930004, "钱志愿者"),
    (940004, "马强"))]
HEAVY = {"digest", "export", "stats"}  # charts and workbooks: each run once below, not 100 times
COMMANDS = sorted({"start", "help", "report", "sos", "cancel", "my", "tasks", "case",
                   *BOT_COMMANDS, "nosuchcommand"} - HEAVY)
NUMBERS = st.one_of(st.integers(-10, 10**25).map(str), st.sampled_from(
    ["²", "١٢", "0000-01", "9" * 5000, "1_000", "1e9", str(2**31), str(2**63), "-0", "#12",
     "c99999999999", "3-2-301", "老花镜 99999999999 -1"]))
ARGS = st.one_of(NUMBERS, st.text(max_size=40),
                 st.lists(NUMBERS, max_size=3).map(" ".join))
TEXT = st.one_of(st.text(min_size=1, max_size=60), st.text(min_size=1, max_size=10_000),
                 st.builds(lambda c, a: f"/{c} {a}", st.sampled_from(COMMANDS), ARGS),
                 st.sampled_from(["3号楼2单元楼道灯坏了", "救命！着火了", "/start c1", "/start c²",
                                  "/report", "想要一副老花镜", "楼上漏水好几天了，吵了一架"]))
# Every button's prefix, as the first layout and as its versioned one ("gx~2").
HEADS = sorted({h for b in all_buttons() for h in (b.prefix, f"{b.prefix}~{b.version}")})
DATA = st.one_of(st.text(max_size=70),
                 st.builds(lambda a, n, m: f"{a}:{n}:{m}", st.sampled_from(HEADS),
                           NUMBERS, NUMBERS),
                 st.builds(lambda a, n: f"{a}:{n}", st.sampled_from(HEADS),
                           st.integers(0, 40)))
ODD = st.sampled_from([
    {"sticker": {"file_id": "x", "file_unique_id": "y", "type": "regular", "width": 1,
                 "height": 1, "is_animated": False, "is_video": False}},
    {"location": {"latitude": 31.2, "longitude": 121.4}},
    {"poll": {"id": "p", "question": "?"}},  # fields the library requires are missing
    {"text": "/case 1", "chat": "not a chat"},
    {"caption": "3号楼漏水", "photo": [{"file_id": "p", "file_unique_id": "q", "width": 9,
                                     "height": 9}]},
])
UPDATE = st.one_of(
    st.tuples(st.just("text"), st.sampled_from(range(len(PEOPLE))), st.booleans(), TEXT),
    st.tuples(st.just("press"), st.sampled_from(range(len(PEOPLE))), st.booleans(), DATA),
    st.tuples(st.just("odd"), st.sampled_from(range(len(PEOPLE))), st.booleans(), ODD),
)


@pytest.fixture
async def hostile(database_url: str, clock: FrozenClock) -> AsyncIterator[World]:
    """The bot on aiogram, with a bot message in every private chat and in the group."""
    w = await build_world(database_url, clock)
    # The generated photo's file_id, as Telegram would know it (the bot re-sends it by id).
    w.fake.core.world.files.files["p"] = StoredFile("p", "q", None, "image/jpeg", None, 9, 9,
                                                    kind="photo")
    await w.start_bot()
    try:
        for person in PEOPLE + STARTED:
            await w.say(person, "/start")
        await w.say(RESIDENT, "/report 3号楼楼道灯坏了", chat=YULAN_GROUP)
        yield w
        assert w.fake.rejections == [], w.fake.rejections[:3]
    finally:
        await w.stop_bot()
        await w.fake.stop()


def _push(world: World, update: tuple[str, int, bool, Any]) -> str | None:
    """Put one generated update into the emulator; return a button press's query id."""
    kind, who, in_group, value = update
    user = PEOPLE[who]
    chat_id = YULAN_GROUP if in_group else user.id
    if kind == "text":
        world.fake.user_sends(user, value, chat=YULAN_GROUP if in_group else None)
        return None
    if kind == "press":
        message = world.last(chat_id)
        return world.fake.user_presses(user, chat_id, message.message_id, value)
    chat = world.groups[YULAN_GROUP] if in_group else world.fake.private_chat(user)
    world.fake.core.queue.push("message", {
        "message_id": 10**6 + len(world.fake.calls), "date": int(time.time()),
        "from": user.to_dict(), "chat": chat.to_dict(), **value})
    return None


@pytest.mark.heavy
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, phases=[Phase.generate],
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(batch=st.lists(UPDATE, min_size=BATCH, max_size=BATCH))
async def test_no_update_however_hostile_breaks_the_bot(
    hostile: World, caplog: pytest.LogCaptureFixture, batch: list[tuple[str, int, bool, Any]],
) -> None:
    world = hostile
    caplog.set_level(logging.WARNING)
    presses = [q for u in batch if (q := _push(world, u)) is not None]
    await world.settle(timeout=60)
    crashes = [r for r in caplog.records if r.exc_info is not None]
    assert crashes == [], "\n".join(f"{r.getMessage()}: {r.exc_info and r.exc_info[1]!r}"
                                     for r in crashes)
    unanswered = [q for q in presses if q not in world.fake.callback_answers]
    assert unanswered == []
    newcomer = FakeUser(id=5900, first_name="新来的")
    await world.say(newcomer, "/report 3号楼楼道灯坏了")
    replies = world.texts(newcomer.id)
    assert any("已受理" in t or "请" in t or "已有人报过" in t for t in replies), replies


async def test_heavy_manager_commands_answer_absurd_arguments_politely(
    hostile: World, caplog: pytest.LogCaptureFixture,
) -> None:
    world = hostile
    caplog.set_level(logging.WARNING)
    for text in ("/export 0000-01", "/export " + "9" * 5000, "/case ²", "/case " + "9" * 5000,
                 f"/case {2**31}", "/start c99999999999999999999", "/care 99999999999 独居"):
        before = len(world.fake.messages(CHEN.id))
        await world.say(CHEN, text)
        assert len(world.fake.messages(CHEN.id)) > before, text
    assert [r for r in caplog.records if r.exc_info is not None] == []
