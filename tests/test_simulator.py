"""The simulator without a browser: its page and JSON endpoints, time travel through the
emulator's clock (the bot's scheduler catches up), file downloads, and the terminal transcript."""

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.cli import main
from bot.simulator import PERSONAS, Simulator, load_sample, sample_people, start_simulator
from sandbox import FakeTelegram, FakeUser
from scheduler.catchup import due_between
from services.clock import OffsetClock
from tests.conftest import EXAMPLE_STRUCTURE, TEST_DATABASE_URL

FAST_SENDING: dict[str, Any] = {"send_rate_global_per_s": 1000.0, "send_rate_group_per_min": 1000,
                "send_rate_private_per_s": 1000.0}


@pytest.fixture
async def sim(database_url: str) -> AsyncIterator[Simulator]:
    """The simulator on the test database."""
    await load_sample(database_url)
    simulator = await start_simulator(database_url, **FAST_SENDING)
    try:
        yield simulator
        assert simulator.fake.rejections == [], simulator.fake.rejections
    finally:
        await simulator.stop()


async def _call(sim: Simulator, path: str, body: dict[str, Any] | None = None
                ) -> tuple[int, dict[str, Any]]:
    async with aiohttp.ClientSession() as http:
        url = sim.fake.base_url + path
        request = http.get(url) if body is None else http.post(url, json=body)
        async with request as response:
            return response.status, await response.json()


async def test_the_page_loads_from_the_package_and_needs_nothing_from_outside(
    sim: Simulator,
) -> None:
    async with aiohttp.ClientSession() as http:
        for path in ("/", "/static/app.js", "/static/app.css"):
            async with http.get(sim.fake.base_url + path) as response:
                assert response.status == 200
                text = await response.text()
            # no CDN, no web fonts, no scripts from elsewhere: only the t.me deep-link pattern
            assert not re.search(r"(src|href)=\"https?:|@import|url\(https?:", text), path
        async with http.get(sim.fake.base_url + "/static/../fake.py") as response:
            assert response.status == 404
    status, config = await _call(sim, "/_sandbox/sim/config")
    assert status == 200 and config["timezone"] == "Asia/Shanghai"
    names = {p["name"] for p in config["personas"]}
    assert {"王大爷", "张敏", "陈书记", "周主任", "刘阿姨", "孙志愿者"} <= names


def test_every_staff_persona_is_someone_in_the_sample_structure() -> None:
    import yaml

    people = sample_people(yaml.safe_load(EXAMPLE_STRUCTURE.read_text("utf-8")))
    staff = [p for p in PERSONAS if not p.name]
    assert staff and all(p.id in people for p in staff)
    assert all(p.id not in people for p in PERSONAS if p.name)  # residents are not staff


async def test_a_persona_sees_the_groups_and_its_own_chat_with_the_bot(sim: Simulator) -> None:
    status, _ = await _call(sim, "/_sandbox/send", {
        "user": {"id": 5001, "first_name": "王", "last_name": "大爷"},
        "text": "3号楼2单元301楼道灯坏了"})
    assert status == 200
    await sim.fake.wait_for_message(940001, contains="新工单 #1")
    _, state = await _call(sim, "/_sandbox/sim/state?persona=940001&wait=0")
    chats = {c["id"]: c for c in state["chats"]}
    assert set(chats) == {940001, -1001000000001, -1001000000002}  # not the resident's chat
    assert "新工单 #1" in chats[940001]["text"] and chats[940001]["from_bot"]
    card = sim.fake.messages(940001)[-1]
    _, pressed = await _call(sim, "/_sandbox/sim/press", {
        "user": {"id": 940001, "first_name": "张敏"}, "chat_id": 940001,
        "message_id": card.message_id, "data": card.callback_data("✅ 接单")})
    assert pressed["ok"] and pressed["callback_query_id"] in sim.fake.callback_answers
    await sim.fake.wait_for_message(5001, contains="已接单")


async def test_a_long_poll_returns_as_soon_as_something_changes(sim: Simulator) -> None:
    _, first = await _call(sim, "/_sandbox/sim/state?persona=5001&wait=0")
    sim.fake.user_sends(FakeUser(id=5001, first_name="王"), "/start")
    _, later = await _call(sim, f"/_sandbox/sim/state?persona=5001&after={first['version']}")
    assert later["version"] > first["version"]


async def test_jumping_to_tomorrow_morning_runs_the_digest_with_a_downloadable_chart(
    sim: Simulator,
) -> None:
    before = sim.bot.clock.now()
    status, moved = await _call(sim, "/_sandbox/clock",
                                {"tomorrow_at": "08:30", "tz": "Asia/Shanghai"})
    assert status == 200, moved
    assert "daily_digest" in moved["ran"]
    local = sim.bot.clock.now().astimezone(sim.bot.jobs.tz) if sim.bot.jobs else None
    assert local is not None and local.strftime("%H:%M") in ("08:30", "08:31")
    assert sim.bot.clock.now() - before > timedelta(hours=8)  # the bot reads the moved clock
    await sim.fake.wait_for(lambda: any(m.photo for m in sim.fake.messages(910001)))
    photo = next(m for m in sim.fake.messages(910001) if m.photo)
    assert photo.date >= int(before.timestamp()) + 8 * 3600  # Telegram's dates moved too
    async with aiohttp.ClientSession() as http:
        file_id = photo.photo[-1]["file_id"] if photo.photo else ""
        async with http.get(f"{sim.fake.base_url}/_sandbox/files/{file_id}?download=1") as r:
            assert r.status == 200 and r.content_type == "image/png"
            assert "attachment" in r.headers["Content-Disposition"]
            assert (await r.read()).startswith(b"\x89PNG")
        async with http.get(f"{sim.fake.base_url}/_sandbox/files/nope") as r:
            assert r.status == 404


async def test_a_days_jump_asks_the_resident_again_to_confirm_a_fixed_case(
    sim: Simulator,
) -> None:
    fake, resident = sim.fake, FakeUser(id=5001, first_name="王", last_name="大爷")
    worker = FakeUser(id=940001, first_name="张敏")
    await _call(sim, "/_sandbox/clock", {"tomorrow_at": "09:00", "tz": "Asia/Shanghai"})
    fake.user_sends(resident, "3号楼2单元301楼道灯坏了")
    card = await fake.wait_for_message(worker.id, contains="新工单 #1")
    fake.user_presses(worker, worker.id, card.message_id, card.callback_data("✅ 接单"))
    card = await fake.wait_for_message(worker.id, contains="您已接单")
    fake.user_presses(worker, worker.id, card.message_id, card.callback_data("🛠 已处理"))
    await fake.wait_for_message(worker.id, contains="处理结果")
    fake.user_sends(worker, "已更换灯泡")
    await fake.wait_for_message(resident.id, contains="问题解决了吗")
    status, moved = await _call(sim, "/_sandbox/clock", {"advance_s": 86400 + 60})
    assert status == 200 and "remind" in moved["ran"]
    await fake.wait_for_message(resident.id, contains="将按已解决办结")


async def test_the_clock_only_moves_forward_and_says_why_not(sim: Simulator) -> None:
    status, answer = await _call(sim, "/_sandbox/clock", {"advance_s": -60})
    assert status == 400 and "forward" in answer["error"]
    status, answer = await _call(sim, "/_sandbox/clock", {"to": "2001-01-01T00:00:00+00:00"})
    assert status == 400 and "forward" in answer["error"]
    status, answer = await _call(sim, "/_sandbox/clock", {"tomorrow_at": "08:30", "tz": "Mars"})
    assert status == 400 and "Mars" in answer["error"]
    status, answer = await _call(sim, "/_sandbox/clock", {})
    assert status == 400
    _, clock = await _call(sim, "/_sandbox/clock")
    assert clock["offset_s"] == 0


async def test_the_emulator_clock_is_the_real_one_until_moved() -> None:
    fake = FakeTelegram()
    clock = OffsetClock(lambda: fake.clock.offset)
    assert abs((clock.now() - datetime.now(UTC)).total_seconds()) < 1
    await fake.clock.jump(fake.clock.now() + timedelta(hours=5))
    assert abs((clock.now() - datetime.now(UTC)).total_seconds() - 5 * 3600) < 1


def test_a_jump_finds_the_cron_jobs_in_the_skipped_span_in_order() -> None:
    scheduler = AsyncIOScheduler(timezone="Asia/Shanghai")
    scheduler.add_job(print, "cron", hour=8, minute=30, id="digest")
    scheduler.add_job(print, "cron", hour=8, minute=0, id="visits")
    scheduler.add_job(print, "cron", hour=10, minute=0, id="followups")
    since = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)  # 20:00 local
    scheduler.add_job(print, "interval", minutes=1, id="remind",
                      start_date=since - timedelta(seconds=10))  # next at since + 50 s
    assert due_between(scheduler, since, since + timedelta(seconds=30)) == []
    assert due_between(scheduler, since, since + timedelta(hours=12, minutes=30)) == [
        "remind", "visits", "digest"]  # until 08:30 local: the 10:00 job is not due yet


@pytest.mark.skipif(bool(TEST_DATABASE_URL), reason="uses its own SQLite file; SQLite pass only")
def test_the_transcript_demo_still_plays_a_whole_repair_case(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["demo", "--transcript", "--database", str(tmp_path / "demo.db")]) == 0
    printed = capsys.readouterr().out
    assert "已受理 #1" in printed and "评价 ★★★★★" in printed
    assert "rejected by the spec check: 0" in printed


def test_the_page_opens_by_itself_only_on_a_desktop(monkeypatch: pytest.MonkeyPatch) -> None:
    import bot.simulator as simulator

    opened: list[str] = []

    def fake_open(url: str) -> bool:
        opened.append(url)
        return True

    monkeypatch.setattr(simulator.webbrowser, "open", fake_open)
    monkeypatch.setattr(simulator.sys, "platform", "linux")
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    assert not simulator.open_browser("http://127.0.0.1:8088/") and opened == []  # a server
    monkeypatch.setenv("DISPLAY", ":0")
    assert simulator.open_browser("http://127.0.0.1:8088/")
    assert opened == ["http://127.0.0.1:8088/"]
