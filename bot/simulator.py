"""`gridbot demo`: the browser simulator. Starts the local Bot API emulator, the real bot against
it with the sample community, and serves a chat-app page on 127.0.0.1 where you act as residents
and staff. Only Telegram is simulated: the bot, its database and its scheduler are the real ones.
Time travel moves the emulator's clock; the bot reads it through an OffsetClock and its scheduler
runs the jobs that fell due (scheduler/catchup.py)."""

import asyncio
import logging
import os
import sys
import webbrowser
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from bot import migrate
from bot.app import GridBot
from bot.config import Settings
from bot.db import make_engine, make_sessions
from bot.demo import SAMPLE
from sandbox import FakeTelegram, FakeUser
from scheduler.catchup import run_due_jobs
from services.clock import OffsetClock
from services.structure_import import import_structure, load_structure

TOKEN = "123456:SIMULATOR"
DEFAULT_PORT = 8088
log = logging.getLogger("gridbot.simulator")


@dataclass(frozen=True)
class Persona:
    """Someone the page lets you act as."""

    id: int
    role: str  # shown under the name
    emoji: str
    name: str = ""  # staff names come from the sample structure
    last_name: str | None = None
    tries: tuple[str, ...] = ()  # suggestions shown above the input box

    def as_json(self, names: dict[int, str]) -> dict[str, Any]:
        """The persona as the page reads it."""
        first = self.name or names.get(self.id, str(self.id))
        return {"id": self.id, "first_name": first, "last_name": self.last_name,
                "name": first + (self.last_name or ""), "role": self.role, "emoji": self.emoji,
                "staff": self.id in names, "tries": list(self.tries)}


PERSONAS = (
    Persona(5001, "居民 · 3号楼", "👴", name="王", last_name="大爷",
            tries=("3号楼2单元301楼道灯坏了，晚上老人上下楼很危险", "/start", "/help")),
    Persona(5002, "居民 · 5号楼", "👵", name="孔", last_name="奶奶",
            tries=("5号楼楼上天天半夜拖椅子，吵得睡不着", "/wish 想请人教我用手机视频",
                  "/help")),
    Persona(940001, "网格员 · 玉兰第一网格", "🧑‍🔧", tries=("/tasks", "/visits", "/help")),
    Persona(920001, "调解员 · 邻里纠纷", "🤝", tries=("/help",)),
    Persona(930001, "志愿者 · 玉兰社区", "🙋", tries=("/wishes", "/points", "/help")),
    Persona(910001, "社区书记 · 玉兰社区", "👩‍💼",
            tries=("/digest", "/export", "/stats", "/case 1", "/help")),
    Persona(900001, "街道管理员 · 华侨路街道", "🏛", tries=("/digest", "/stats", "/help")),
)


def sample_people(structure: dict[str, Any]) -> dict[int, str]:
    """telegram_id -> name of everyone listed in the sample structure."""
    names: dict[int, str] = {}

    def take(people: list[dict[str, Any]] | None) -> None:
        for person in people or []:
            if person.get("telegram_id"):
                names[int(person["telegram_id"])] = str(person["name"])

    take(structure.get("street", {}).get("admins"))
    for community in structure.get("communities", []):
        for role in ("managers", "mediators", "volunteers"):
            take(community.get(role))
        for grid in community.get("grids", []):
            take(grid.get("workers"))
    return names


def sample_groups(structure: dict[str, Any]) -> list[tuple[int, str]]:
    """(chat id, title) of every residents' group in the sample structure."""
    return [(int(chat_id), f"{community['name']}居民群")
            for community in structure.get("communities", [])
            for chat_id in community.get("group_chats", [])]


@dataclass
class Simulator:
    """A running emulator, bot and page."""

    fake: FakeTelegram
    bot: GridBot

    @property
    def url(self) -> str:
        """The page's address."""
        return self.fake.base_url + "/"

    async def stop(self) -> None:
        """Stop the bot, then the emulator."""
        await self.bot.stop()
        await self.fake.stop()


async def load_sample(database_url: str) -> str:
    """Import the sample community into the database; return the import summary."""
    engine = make_engine(database_url)
    try:
        async with make_sessions(engine)() as session, session.begin():
            report = await import_structure(session, load_structure(
                SAMPLE.read_text("utf-8"), source=SAMPLE.name))
    finally:
        await engine.dispose()
    return str(report.summary())


async def start_simulator(database_url: str, *, port: int = 0, **settings: Any) -> Simulator:
    """Start the emulator with the page, the sample community's chats and the bot; the database
    must already hold the schema and the sample structure (see `serve`)."""
    structure = yaml.safe_load(SAMPLE.read_text("utf-8"))
    names = sample_people(structure)
    groups = sample_groups(structure)
    page = {"title": "网格助手 · 模拟器", "timezone": structure["street"]["timezone"],
            "personas": [p.as_json(names) for p in PERSONAS], "groups": [g for g, _ in groups]}
    fake = FakeTelegram(token=TOKEN, bot_username="gridbot_demo_bot", bot_first_name="网格助手",
                        port=port, simulator=page)
    try:
        await fake.start()
    except OSError:  # the port is taken
        await fake.stop()
        raise
    for chat_id, title in groups:
        fake.add_group(chat_id, title, bot_is_admin=True)
    for telegram_id, name in names.items():  # staff opened the bot once, as the README asks
        fake.user_starts(FakeUser(id=telegram_id, first_name=name))
    clock = OffsetClock(lambda: fake.clock.offset)
    values: dict[str, Any] = {"bot_token": TOKEN, "telegram_api_base": fake.base_url,
                              "database_url": database_url, "polling_timeout_s": 10,
                              "migrate_on_start": False, **settings}
    bot = GridBot(Settings(_env_file=None, **values), clock=clock, delivery_clock=clock)
    try:
        await bot.start()
    except BaseException:
        await bot.stop()
        await fake.stop()
        raise

    async def catch_up(before: datetime, after: datetime) -> list[str]:
        assert bot.scheduler is not None and bot.sender is not None
        ran = await run_due_jobs(bot.scheduler, before, after)
        bot.sender.wake()
        return [job for job, result in ran if result]  # the jobs that had something to do

    fake.clock.listeners.append(catch_up)
    return Simulator(fake, bot)


def open_browser(url: str) -> bool:
    """Open the page in the desktop's browser, if there is a desktop (never a terminal browser
    on a server); return whether it was tried."""
    desktop = sys.platform in ("darwin", "win32") or bool(
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    if not desktop:
        return False
    try:
        return webbrowser.open(url)
    except webbrowser.Error:
        return False


async def serve(*, database: str, port: int = DEFAULT_PORT, browser: bool = True) -> int:
    """`gridbot demo`: a fresh SQLite database, the simulator, and its address; Ctrl-C stops."""
    logging.getLogger().setLevel(logging.WARNING)
    path = Path(database)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    url = f"sqlite+aiosqlite:///{path}"
    logging.disable(logging.INFO)  # the migration's progress lines would bury the address
    try:
        await migrate.upgrade(url)
    finally:
        logging.disable(logging.NOTSET)
    summary = await load_sample(url)
    try:
        sim = await start_simulator(url, port=port)
    except OSError:  # the port is taken: any free one will do
        sim = await start_simulator(url, port=0)
    print(f"网格助手 模拟器 — {summary}\n"
          f"\n  在浏览器中打开 / open in your browser:  {sim.url}\n\n"
          f"数据库 / database: {path.resolve()}\n"
          "按 Ctrl-C 停止 / Ctrl-C stops. Terminal transcript: gridbot demo --transcript",
          flush=True)
    if browser:
        open_browser(sim.url)
    try:
        await asyncio.Event().wait()
    except asyncio.CancelledError:
        pass
    finally:
        await sim.stop()
    return 0
